"""The :class:`History`: every item seen, the feed states and a little metadata, on disk.

On disk a history is a snapshot (the TinyDB file, :mod:`.format`) and a journal beside it
(:mod:`.journal`). TinyDB reads and rewrites the whole file on every operation, which is
quadratic for tens of thousands of items, so :class:`History` does not go through TinyDB:
it keeps each item once, as an :class:`Item`, and writes changes itself, one journal
record per change (how the memory and the files are kept in step: :mod:`.sync`).

A history written before the journal existed (schema 1) opens as it is and is upgraded
by a compaction at its first write. A file that cannot be used (corrupt, foreign, newer
schema, unreadable) raises :class:`HistoryError` and is never written over.
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Any

from monitor.errors import HistoryError
from monitor.models import FeedState, Item, from_iso, to_iso

from .contents import SCHEMA_VERSION, normalise_times
from .sync import COMPACT_BYTES, DEFAULT_LOCK_TIMEOUT, IDLE_COMPACT_BYTES, Synced

__all__ = ["COMPACT_BYTES", "DEFAULT_LOCK_TIMEOUT", "IDLE_COMPACT_BYTES", "History"]

_by_time = attrgetter("time")
PRUNE_EVERY = timedelta(hours=12)  # an ids-only history (a poll) prunes at most this often


class History(Synced):
    """The item history of one file, safe to share between processes.

    Items are kept as live :class:`Item` objects: treat them as read-only and change them
    through the methods here (which persist the change). What another process appended is
    replayed onto them at the next write (or :meth:`refresh`); after another process
    compacted, the history is reloaded, with new Item objects. Methods take an internal
    lock, so one History may be shared between threads.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create: bool = True,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        ids_only: bool = False,
        head: int = 0,
    ) -> None:
        super().__init__(path, lock_timeout=lock_timeout, ids_only=ids_only, head=head)
        if not os.path.lexists(self.path):
            if not create:
                raise HistoryError(
                    f"history {self.path} does not exist; check the path or start a new history",
                    another=True,
                )
            self._create()
        self._load()

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        create: bool = True,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        ids_only: bool = False,
        head: int = 0,
    ) -> History:
        """Open the history at ``path``, creating it (and its directories) if missing.

        ``ids_only``: load only the item ids (``in``, ``len``, :meth:`commit`,
        :meth:`feed_states` need no more); anything that needs the items loads them.

        ``head=N``: load only the newest N items or more (the front of the snapshot,
        which a compaction writes newest first, and the journal), in a few milliseconds
        at any size; :meth:`newest`, :meth:`feed_states` and :attr:`matcher_signature`
        answer from them, :attr:`loaded` is False, and :meth:`load_rest` (call it in a
        worker thread) reads the rest. Anything else that needs every item (``items()``,
        ``len``, ``in``, ``get``, every write) waits for the rest first. A snapshot not
        known to be newest first (one written by an older monitor, or by TinyDB) is read
        whole at once, as without ``head``."""
        return cls(path, create=create, lock_timeout=lock_timeout, ids_only=ids_only, head=head)

    def __repr__(self) -> str:
        return f"History({str(self.path)!r}, items={len(self._items)})"

    # -- reading -------------------------------------------------------------------------

    def __len__(self) -> int:
        if self._partial:
            self._full()
        return len(self._ids) if self._ids is not None else len(self._items)

    def __contains__(self, item_id: object) -> bool:
        if self._partial:
            self._full()
        if self._ids is not None:
            return item_id in self._ids
        return item_id in self._items

    def items(self) -> list[Item]:
        """Every item, newest first (by :attr:`Item.time`)."""
        self._full()
        with self._mutex:
            return list(self._newest_first())

    def newest(self, n: int) -> list[Item]:
        """The newest ``n`` items, newest first, without waiting for a head-only open to
        finish loading (exact: a head-only open holds at least these)."""
        with self._mutex:
            if self._ids is not None:
                self._full()
            if self._partial:
                return sorted(self._items.values(), key=_by_time, reverse=True)[: max(n, 0)]
            return self._newest_first()[: max(n, 0)]

    def get(self, item_id: str) -> Item | None:
        self._full()
        return self._items.get(item_id)

    def feed_states(self) -> dict[str, FeedState]:
        """The remembered state of every feed polled so far, by feed name (fresh copies)."""
        with self._mutex:
            return {doc["name"]: FeedState.from_dict(doc) for doc in self._data.feeds.values()}

    @property
    def matcher_signature(self) -> str | None:
        """The signature of the watchlists the items were last tagged with."""
        return self._meta_doc().get("matcher")

    @property
    def journal_path(self) -> Path:
        return self._journal.path

    @property
    def journal_bytes(self) -> int:
        """How much of the journal holds changes not yet folded into the snapshot."""
        return self._journal_end if self._journal_ino is not None else 0

    def refresh(self) -> bool:
        """Catch up with what other processes wrote since; True if anything changed here.

        A head-only history catches up when it loads the rest."""
        with self._mutex:
            if self._partial or not self.changed_on_disk():
                return False
            return self._catch_up()

    def compact_when_idle(self) -> bool:
        """Compact if the journal holds more than :data:`IDLE_COMPACT_BYTES` (``poll --loop``
        between cycles): a lower bar than during writes, never a rewrite per poll."""
        if self._partial:
            self.load_rest()
        with self._mutex:
            if self.journal_bytes < IDLE_COMPACT_BYTES and not self.changed_on_disk():
                return False
            if self.changed_on_disk():
                self.refresh()
            if self.journal_bytes < IDLE_COMPACT_BYTES:
                return False
        return self.compact()

    def compact(self) -> bool:
        """Fold the journal into a new snapshot now; False when there was nothing to fold."""

        def change() -> bool:
            current = self._gen is not None and self._data.schema == SCHEMA_VERSION
            if current and self._journal_ino is not None and self._journal_end <= self._head_size:
                return False
            self._compact()
            return True

        return self._transaction(change, compact=False)

    # -- writing -------------------------------------------------------------------------

    def add_items(self, items: Iterable[Item]) -> list[Item]:
        """Store the items whose ids are new (one write); returns those, in input order.

        The stored items are the objects given (their times converted to UTC)."""
        return self.commit(items, ())

    def save_feed_states(self, states: Iterable[FeedState]) -> None:
        """Store these feeds' states (others are kept) in one write."""
        self.commit((), states)

    def commit(
        self,
        new_items: Iterable[Item],
        states: Iterable[FeedState] | Callable[[list[Item]], Iterable[FeedState]],
    ) -> list[Item]:
        """Add the new items and save the feed states in ONE write; returns the items added.

        ``states`` may be a function of the items actually added (those another process
        did not store first), called inside the write, so states can count them."""
        new_items = list(new_items)
        if callable(states):
            states_for = states
        else:
            fixed = list(states)
            if not new_items and not fixed:
                return []

            def states_for(added: list[Item]) -> Iterable[FeedState]:
                return fixed

        def change() -> list[Item]:
            added = self._insert(new_items)
            self._put_states(list(states_for(added)))
            return added

        return self._transaction(change)

    def set_flag(self, item_id: str, flagged: bool | None) -> Item:
        """Flag (True) or unflag (False) an item by hand; None goes back to the watchlists."""
        self._full()
        value = None if flagged is None else bool(flagged)

        def change() -> Item:
            item = self._require(item_id)
            if item.flag_override is not value:
                item.flag_override = value
                self._changed([item], flag_override=value)
            return item

        return self._transaction(change)

    def set_read(self, item_id: str, read: bool) -> Item:
        """Mark one item read or unread."""
        self._full()

        def change() -> Item:
            item = self._require(item_id)
            if item.read != read:
                item.read = read
                self._changed([item], read=read)
            return item

        return self._transaction(change)

    def set_pinned(self, item_id: str, pinned: bool) -> Item:
        """Pin an item as a key development (first in the briefing) or unpin it."""
        return self._set_field(item_id, "pinned", bool(pinned))

    def set_note(self, item_id: str, note: str) -> Item:
        """The analyst's note on an item (empty removes it)."""
        return self._set_field(item_id, "note", note.strip())

    def _set_field(self, item_id: str, name: str, value: object) -> Item:
        self._full()

        def change() -> Item:
            item = self._require(item_id)
            if getattr(item, name) != value:
                setattr(item, name, value)
                self._changed([item], **{name: value})
            return item

        return self._transaction(change)

    def set_read_many(self, ids: Iterable[str], read: bool) -> int:
        """Mark many items read or unread in one write; unknown ids are skipped.

        Returns how many items changed."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return 0
        self._full()

        def change() -> int:
            changed = [
                it for i in ids if (it := self._items.get(i)) is not None and it.read != read
            ]
            for it in changed:
                it.read = read
            self._changed(changed, read=read)
            return len(changed)

        return self._transaction(change)

    def retag(self, apply: Callable[[Item], bool], signature: str | None = None) -> int:
        """Re-match every item: ``apply(item)`` updates ``item.matches`` and says if it changed.

        Writes once if any item changed or ``signature`` (when given) differs from the stored
        one. Hand flags (``flag_override``) are untouched. Returns how many items changed."""
        self._full()

        def change() -> int:
            changed = [it for it in self._items.values() if apply(it)]
            if changed:
                self._tx.setdefault("matches", {}).update((it.id, it.matches) for it in changed)
            if signature is not None and signature != self.matcher_signature:
                self._set_meta(matcher=signature)
            return len(changed)

        return self._transaction(change)

    def prune(self, retention_days: int | None, now: datetime) -> int:
        """Drop unflagged items first stored more than ``retention_days`` ago (None keeps all).

        Age counts from ``first_seen``, not the published date: an old article its feed
        still lists must stay stored, or the next poll would fetch it as new again.
        Items flagged by a watchlist or by hand are kept. Returns how many were dropped."""
        if retention_days is None:
            return 0
        try:
            cutoff = now - timedelta(days=retention_days)
        except OverflowError:  # longer than the calendar: nothing is that old
            return 0
        if self._ids is not None:
            # A poll prunes every time; the items it would drop since the last prune less
            # than PRUNE_EVERY ago are at most that much past their retention: not worth
            # loading every item for. (A full history prunes every time, as before.)
            last = from_iso_or_none(self._meta_doc().get("pruned_at"))
            if last is not None and timedelta(0) <= now - last < PRUNE_EVERY:
                return 0
            self._full()

        def change() -> int:
            old = [it for it in self._items.values() if not it.flagged and it.first_seen < cutoff]
            last = from_iso_or_none(self._meta_doc().get("pruned_at"))
            if last is None or not timedelta(0) <= now - last < PRUNE_EVERY / 2:
                self._set_meta(pruned_at=to_iso(now))
            if old:
                ids = [it.id for it in old]
                self._data.drop(ids)
                self._tx.setdefault("drop", []).extend(ids)
                self._sorted = None
            return len(old)

        return self._transaction(change)

    # -- internals -----------------------------------------------------------------------

    def _meta_doc(self) -> dict[str, Any]:
        return self._data.meta_doc()

    def _require(self, item_id: str) -> Item:
        item = self._items.get(item_id)
        if item is None:
            raise HistoryError(
                f"item {item_id} is not in history {self.path} (pruned by another monitor process?)"
            )
        return item

    def _insert(self, items: list[Item]) -> list[Item]:
        data = self._data
        fresh: dict[str, Item] = {}
        for item in items:
            if item.id not in self and item.id not in fresh:
                fresh[item.id] = item
        if not fresh:
            return []
        if self._ids is not None:
            for item in fresh.values():
                normalise_times(item)
            self._ids.update(fresh)
        else:
            data.insert(fresh.values())
        self._tx.setdefault("items", []).extend(fresh.values())
        if self._sorted is not None:
            self._sorted = _merged(self._sorted, list(fresh.values()))
        return list(fresh.values())

    def _changed(self, items: list[Item], **values: Any) -> None:
        """Record that these items' plain fields now hold ``values``."""
        if items:
            self._tx.setdefault("set", []).append([[it.id for it in items], values])

    def _put_states(self, states: list[FeedState]) -> None:
        if states:
            changes = self._data.put_states([state.to_dict() for state in states])
            if changes:  # only what changed: a poll of 200 unchanged feeds records ~20 KB
                self._tx.setdefault("feeds", []).extend(changes)

    def _set_meta(self, **fields: Any) -> None:
        self._data.set_meta(fields)
        self._tx.setdefault("meta", {}).update(fields)


def from_iso_or_none(value: Any) -> datetime | None:
    try:
        return from_iso(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _merged(ordered: list[Item], new: list[Item]) -> list[Item]:
    """``ordered`` (newest first) with ``new`` merged in, as a sort of both would order them.

    A merge in Python, so other threads (the UI's event loop) run in between: one sort of
    100,000 items is a single C call that holds the GIL for ~50 ms."""
    new.sort(key=_by_time, reverse=True)
    return list(heapq.merge(ordered, new, key=_by_time, reverse=True))
