"""The :class:`History`: every item seen, the feed states and a little metadata, on disk.

On disk a history is a snapshot (the TinyDB file, :mod:`.format`) and a journal beside it
(:mod:`.journal`). TinyDB reads and rewrites the whole file on every operation, which is
quadratic for tens of thousands of items, so :class:`History` does not go through TinyDB:
it keeps each item once, as an :class:`Item`, and writes changes itself. Every change is
one transaction:

1. take ``<history>.lock`` (:class:`.files.HistoryLock`);
2. catch up: reload if another process replaced the snapshot (a compaction), else replay
   the journal records appended since we last looked (by offset);
3. apply the change to the items in memory;
4. append ONE journal record with what changed, ``fsync`` it.

When the journal passes :data:`COMPACT_BYTES` (or a quarter of the snapshot), or on
:meth:`History.compact`, the journal is folded into a new snapshot: ``<history>.bak``
becomes the old snapshot (a hard link, so it costs nothing; ``<history>.journal.bak`` its
journal), the new snapshot is written with :func:`.files.atomic_write` under a new
generation, then a fresh journal of that generation replaces the old one. A kill at any
point leaves a snapshot and a journal that together hold every acknowledged write.

A history written before the journal existed (schema 1) opens as it is and is upgraded
by a compaction at its first write. A file that cannot be used (corrupt, foreign, newer
schema, unreadable) raises :class:`HistoryError` and is never written over.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeVar

from monitor.errors import HistoryError
from monitor.models import FeedState, Item, from_iso, to_iso

from . import memory
from .files import HistoryLock, Stamp, atomic_write, backup_path, keep_backup, stamp
from .format import (
    SCHEMA_VERSION,
    Contents,
    normalise_times,
    read_contents,
    read_head,
    read_ids,
    write_ids,
)
from .journal import JOURNAL_VERSION, Journal, encode

__all__ = ["COMPACT_BYTES", "DEFAULT_LOCK_TIMEOUT", "IDLE_COMPACT_BYTES", "History"]

DEFAULT_LOCK_TIMEOUT = 15.0  # seconds; a poll holds the lock for well under a second
COMPACT_BYTES = 8 << 20  # fold the journal into the snapshot past this size (or 1/4 snapshot)
IDLE_COMPACT_BYTES = 1 << 20  # ...or past this one when poll --loop is idle
PRUNE_EVERY = timedelta(hours=12)  # an ids-only history (a poll) prunes at most this often

T = TypeVar("T")
Record = dict[str, Any]


class History:
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
    ) -> None:
        # The real file: a symlinked history stays a symlink (we replace its target).
        self.path = Path(os.path.realpath(Path(path).expanduser()))
        self._lock = HistoryLock(self.path, lock_timeout)
        self.lock_path = self._lock.lock_path
        self.lock_timeout = lock_timeout
        self._mutex = threading.RLock()
        self._data = Contents()
        self._items = self._data.items  # item id -> Item: every item is held once, here
        self._sorted: list[Item] | None = None
        self._stamp: Stamp | None = None  # the snapshot we hold
        self._journal = Journal(self.path)
        self._journal_ino: int | None = None  # the journal of our snapshot's generation...
        self._journal_end = 0  # ...and where its last whole record we applied ends
        self._journal_seen: tuple[int, int] | None = None  # (inode, size) at our last look
        self._tx: Record = {}  # the record of the transaction under way
        # ids_only: hold the item ids, not the items (what a poll needs to tell new from
        # known), until something needs the items; then the whole history is loaded.
        self._lazy = ids_only
        self._ids: set[str] | None = None
        if not os.path.lexists(self.path):
            if not create:
                raise HistoryError(
                    f"history {self.path} does not exist; "
                    "check the path or start a new one with --db PATH"
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
    ) -> History:
        """Open the history at ``path``, creating it (and its directories) if missing.

        ``ids_only``: load only the item ids (``in``, ``len``, :meth:`commit`,
        :meth:`feed_states` need no more); anything that needs the items loads them."""
        return cls(path, create=create, lock_timeout=lock_timeout, ids_only=ids_only)

    def __repr__(self) -> str:
        return f"History({str(self.path)!r}, items={len(self._items)})"

    # -- reading -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._ids) if self._ids is not None else len(self._items)

    def __contains__(self, item_id: object) -> bool:
        if self._ids is not None:
            return item_id in self._ids
        return item_id in self._items

    def items(self) -> list[Item]:
        """Every item, newest first (by :attr:`Item.time`)."""
        self._full()
        with self._mutex:
            if self._sorted is None:
                with memory.gc_paused():
                    self._sorted = sorted(
                        self._items.values(), key=attrgetter("time"), reverse=True
                    )
            return list(self._sorted)

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

    def changed_on_disk(self) -> bool:
        """Whether another process wrote since we last looked (two cheap ``stat`` calls)."""
        try:
            if stamp(os.stat(self.path)) != self._stamp:
                return True
        except OSError:
            return True
        return self._journal.stat() != self._journal_seen

    def refresh(self) -> bool:
        """Catch up with what other processes wrote since; True if anything changed here."""
        with self._mutex:
            if not self.changed_on_disk():
                return False
            return self._catch_up()

    def compact_when_idle(self) -> bool:
        """Compact if the journal holds more than :data:`IDLE_COMPACT_BYTES` (``poll --loop``
        between cycles): a lower bar than during writes, never a rewrite per poll."""
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
        self._sorted = None
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

    @property
    def _head_size(self) -> int:
        return len(encode({"v": JOURNAL_VERSION, "gen": self._gen or ""}))

    @property
    def _gen(self) -> str | None:
        gen = self._data.meta_doc().get("journal")
        return gen if isinstance(gen, str) and gen else None

    def _transaction(self, change: Callable[[], T], *, compact: bool = True) -> T:
        """Lock, catch up with the files, apply ``change`` in memory, append what changed."""
        with self._mutex, self._lock.held():
            if self.changed_on_disk():
                self._catch_up()
            self._tx = {}
            try:
                result = change()
                if self._tx:
                    self._append(self._tx)
                    if compact and self._journal_end > max(COMPACT_BYTES, self._stamp_size() // 4):
                        self._compact()
            except BaseException:
                # Memory may now be ahead of the files: reload from them next time.
                self._stamp = None
                raise
            finally:
                self._tx = {}
            return result

    def _stamp_size(self) -> int:
        return self._stamp[1] if self._stamp is not None else 0

    def _append(self, tx: Record) -> None:
        """Append one record (the caller holds the lock and has caught up)."""
        if self._gen is None or self._data.schema < SCHEMA_VERSION:
            self._compact()  # a history from before the journal: upgrade it first
        try:
            if self._journal_ino is None:  # none yet, or one a compaction already folded in
                self._journal_ino = self._journal.start(self._gen or "")
                self._journal_end = self._head_size
            ino, end = self._journal.append(
                [encode({"v": JOURNAL_VERSION, **tx})], self._journal_end
            )
        except OSError as exc:
            raise HistoryError(
                f"cannot write history journal {self._journal.path} ({exc.strerror or exc}); "
                "the change was not saved"
            ) from None
        if ino != self._journal_ino:  # replaced under us despite the lock: never append blind
            self._stamp = None
            raise HistoryError(
                f"history journal {self._journal.path} was replaced while locked; try again"
            )
        self._journal_end = end
        self._journal_seen = (ino, end)

    def _compact(self) -> None:
        """Fold everything into a new snapshot of a new generation (the caller holds the lock)."""
        self._full()
        gen = secrets.token_hex(8)
        self._data.set_meta({"schema": SCHEMA_VERSION, "journal": gen})
        if self._stamp is not None:  # the files we are replacing are the ones we read and checked
            keep_backup(self.path)
            if self._journal_ino is not None:
                keep_backup(self._journal.path)
        try:
            self._stamp = atomic_write(self.path, self._data.chunks())
            self._data.schema = SCHEMA_VERSION
            write_ids(self.path, gen, self._stamp, list(self._items))
            self._journal_ino = self._journal.start(gen)
        except OSError as exc:
            self._stamp = None
            raise HistoryError(
                f"cannot write history {self.path} ({exc.strerror or exc}); "
                "the previous version was left intact"
            ) from None
        self._journal_end = self._head_size
        self._journal_seen = (self._journal_ino, self._journal_end)

    def _create(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(
                f"cannot create the directory of history {self.path} ({exc.strerror or exc})"
            ) from None
        with self._mutex, self._lock.held():
            if os.path.lexists(self.path):  # another process created it meanwhile
                return
            data = Contents()
            gen = secrets.token_hex(8)
            data.set_meta({"journal": gen})
            try:
                atomic_write(self.path, data.chunks())
                self._journal.start(gen)
            except OSError as exc:
                raise HistoryError(
                    f"cannot create history {self.path} ({exc.strerror or exc})"
                ) from None

    def _catch_up(self) -> bool:
        """Reload after a compaction elsewhere, else replay the journal's new records."""
        try:
            replaced = stamp(os.stat(self.path)) != self._stamp
        except OSError:
            replaced = True
        if replaced:
            self._load()
            return True
        return self._replay()

    def _replay(self) -> bool:
        """Apply the journal records appended since our offset; True if any were."""
        got = self._journal.read_from(self._journal_ino, self._journal_end)
        if got is None:
            self._journal_seen = None
            if self._journal_ino is not None:  # our journal vanished (moved aside by hand)
                self._journal_ino, self._journal_end = None, 0
            return False
        ino, tail = got
        records = tail.records
        if ino != self._journal_ino:  # a new journal: ours only if its head names our snapshot
            if not records or records[0].get("gen") != self._gen or self._gen is None:
                self._journal_ino, self._journal_end = None, 0  # stale: already folded in
                self._journal_seen = (ino, tail.size)
                return False
            records = records[1:]
        self._journal_ino, self._journal_end = ino, tail.end
        self._journal_seen = (ino, tail.size)
        if not records:
            return False
        with memory.gc_paused():
            if self._ids is not None:
                for record in records:
                    self._data.apply_ids(record, self._ids)
            else:
                for record in records:
                    self._data.apply(record)
        self._sorted = None
        return True

    def _full(self) -> None:
        """Load the items of an ids-only history (once; everything after works as usual)."""
        if self._ids is None:
            return
        with self._mutex:
            if self._ids is not None:
                self._lazy = False
                self._load()

    def _load_ids(self) -> bool:
        """The ids-only load: the head of the snapshot, its ids sidecar, the journal."""
        head = read_head(self.path)
        if head is None:
            return False
        data, version = head
        ids = read_ids(self.path, data.meta_doc().get("journal"), version)
        if ids is None:
            return False
        self._data, self._items, self._ids = data, data.items, set(ids)
        self._stamp, self._sorted = version, None
        self._journal_ino, self._journal_end, self._journal_seen = None, 0, None
        self._replay()
        return True

    def _load(self) -> None:
        """Read the snapshot and the journal, and rebuild the in-memory state from them."""
        with self._mutex:
            if self._lazy and self._load_ids():
                return
            self._ids = None
            try:
                big = memory.is_big(os.stat(self.path).st_size)
            except OSError:
                big = False  # read_contents words the error
            if big:
                memory.before_big_load()
            with memory.gc_paused():
                data, version = read_contents(self.path)
                old = self._data
                self._data, self._items = data, data.items
                self._stamp, self._sorted = version, None
                self._journal_ino, self._journal_end, self._journal_seen = None, 0, None
                memory.release(old.items)
                self._replay()
            if big:
                memory.after_big_load()


def backups(path: Path) -> list[Path]:
    """The files a compaction keeps of the previous snapshot (restore both together)."""
    return [backup_path(path), backup_path(Journal(path).path)]


def from_iso_or_none(value: Any) -> datetime | None:
    try:
        return from_iso(value) if isinstance(value, str) else None
    except ValueError:
        return None
