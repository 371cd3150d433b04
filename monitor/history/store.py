"""The :class:`History`: every item seen, the feed states and a little metadata, in one file.

TinyDB reads and rewrites the whole file on every operation, which is quadratic for a
history of tens of thousands of items, so :class:`History` does not go through TinyDB:
it keeps each item once, as an :class:`Item`, with an ``item id -> doc id`` index, and
reads and writes the file itself (see :mod:`.format`). Every change is one transaction:

1. take ``<history>.lock`` (:class:`.files.HistoryLock`);
2. reload the file if another process replaced it since we read it;
3. apply the change to the items in memory;
4. write the whole file once with :func:`.files.atomic_write`.

The first write of a session first keeps the previous file as ``<history>.bak`` (a hard
link, so it costs nothing). A file that cannot be used (corrupt, foreign, newer schema,
unreadable) raises :class:`HistoryError` and is never written over.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeVar

from monitor.errors import HistoryError
from monitor.models import FeedState, Item

from . import memory
from .files import HistoryLock, Stamp, atomic_write, keep_backup, stamp
from .format import APP, SCHEMA_VERSION, Contents, normalise_times, read_contents

__all__ = ["DEFAULT_LOCK_TIMEOUT", "History"]

DEFAULT_LOCK_TIMEOUT = 15.0  # seconds; a poll holds the lock for well under a second

T = TypeVar("T")


class History:
    """The item history of one file, safe to share between processes.

    Items are kept as live :class:`Item` objects: treat them as read-only and change them
    through the methods here (which persist the change). After another process wrote the
    file, the next write (or :meth:`refresh`) reloads it, with new Item objects. Methods
    take an internal lock, so one History may be shared between threads.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, create: bool = True, lock_timeout: float = DEFAULT_LOCK_TIMEOUT
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
        self._stamp: Stamp | None = None
        self._dirty = False
        self._backed_up = False
        if not os.path.lexists(self.path):
            if not create:
                raise HistoryError(
                    f"history {self.path} does not exist; check the path or start a new one with --db PATH"
                )
            self._create()
        self._load()

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], *, create: bool = True, lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    ) -> History:
        """Open the history at ``path``, creating it (and its directories) if missing."""
        return cls(path, create=create, lock_timeout=lock_timeout)

    def __repr__(self) -> str:
        return f"History({str(self.path)!r}, items={len(self._items)})"

    # -- reading -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    def items(self) -> list[Item]:
        """Every item, newest first (by :attr:`Item.time`)."""
        with self._mutex:
            if self._sorted is None:
                with memory.gc_paused():
                    self._sorted = sorted(self._items.values(), key=attrgetter("time"), reverse=True)
            return list(self._sorted)

    def get(self, item_id: str) -> Item | None:
        return self._items.get(item_id)

    def feed_states(self) -> dict[str, FeedState]:
        """The remembered state of every feed polled so far, by feed name (fresh copies)."""
        with self._mutex:
            return {doc["name"]: FeedState.from_dict(doc) for doc in self._data.feeds.values()}

    @property
    def matcher_signature(self) -> str | None:
        """The signature of the watchlists the items were last tagged with."""
        return self._meta_doc().get("matcher")

    def changed_on_disk(self) -> bool:
        """Whether the file is not the version we last read or wrote (a cheap ``stat``)."""
        try:
            return stamp(os.stat(self.path)) != self._stamp
        except OSError:
            return True

    def refresh(self) -> bool:
        """Reload the file if another process wrote it since; True if it was reloaded."""
        with self._mutex:
            if not self.changed_on_disk():
                return False
            self._load()
            return True

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
        value = None if flagged is None else bool(flagged)

        def change() -> Item:
            item = self._require(item_id)
            if item.flag_override is not value:
                item.flag_override = value
                self._rewrite([item])
            return item

        return self._transaction(change)

    def set_read(self, item_id: str, read: bool) -> Item:
        """Mark one item read or unread."""

        def change() -> Item:
            item = self._require(item_id)
            if item.read != read:
                item.read = read
                self._rewrite([item])
            return item

        return self._transaction(change)

    def set_pinned(self, item_id: str, pinned: bool) -> Item:
        """Pin an item as a key development (first in the briefing) or unpin it."""
        return self._set_field(item_id, "pinned", bool(pinned))

    def set_note(self, item_id: str, note: str) -> Item:
        """The analyst's note on an item (empty removes it)."""
        return self._set_field(item_id, "note", note.strip())

    def _set_field(self, item_id: str, name: str, value: object) -> Item:
        def change() -> Item:
            item = self._require(item_id)
            if getattr(item, name) != value:
                setattr(item, name, value)
                self._rewrite([item])
            return item

        return self._transaction(change)

    def set_read_many(self, ids: Iterable[str], read: bool) -> int:
        """Mark many items read or unread in one write; unknown ids are skipped.

        Returns how many items changed."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return 0

        def change() -> int:
            changed = [it for i in ids if (it := self._items.get(i)) is not None and it.read != read]
            for it in changed:
                it.read = read
            self._rewrite(changed)
            return len(changed)

        return self._transaction(change)

    def retag(self, apply: Callable[[Item], bool], signature: str | None = None) -> int:
        """Re-match every item: ``apply(item)`` updates ``item.matches`` and says if it changed.

        Writes once if any item changed or ``signature`` (when given) differs from the stored
        one. Hand flags (``flag_override``) are untouched. Returns how many items changed."""

        def change() -> int:
            changed = [it for it in self._items.values() if apply(it)]
            self._rewrite(changed)
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

        def change() -> int:
            old = [it for it in self._items.values() if not it.flagged and it.first_seen < cutoff]
            if old:
                data = self._data
                for it in old:
                    del data.items[it.id]
                    del data.doc_ids[it.id]
                    data.extras.pop(it.id, None)
                self._sorted = None
                self._dirty = True
            return len(old)

        return self._transaction(change)

    # -- internals -----------------------------------------------------------------------

    def _meta_doc(self) -> dict[str, Any]:
        meta = self._data.meta
        return next((doc for doc in meta.values() if isinstance(doc, dict) and doc.get("app") == APP), {})

    def _require(self, item_id: str) -> Item:
        item = self._items.get(item_id)
        if item is None:
            raise HistoryError(f"item {item_id} is not in history {self.path} (pruned by another monitor process?)")
        return item

    def _insert(self, items: list[Item]) -> list[Item]:
        data = self._data
        fresh: dict[str, Item] = {}
        for item in items:
            if item.id not in data.items and item.id not in fresh:
                fresh[item.id] = item
        if not fresh:
            return []
        for item_id, item in fresh.items():
            normalise_times(item)
            data.items[item_id] = item
            data.doc_ids[item_id] = str(data.next_id)
            data.next_id += 1
        self._sorted = None
        self._dirty = True
        return list(fresh.values())

    def _rewrite(self, items: list[Item]) -> None:
        """Note that these items changed (they are written as they are now)."""
        if items:
            for item in items:
                normalise_times(item)
            self._dirty = True

    def _put_states(self, states: list[FeedState]) -> None:
        if not states:
            return
        feeds = self._data.feeds
        by_name = {doc["name"]: doc for doc in feeds.values()}
        next_id = max(map(int, feeds), default=0) + 1
        for state in states:
            doc = state.to_dict()
            if state.name in by_name:
                by_name[state.name].update(doc)
            else:
                feeds[str(next_id)] = by_name[state.name] = doc
                next_id += 1
        self._dirty = True

    def _set_meta(self, **fields: Any) -> None:
        doc = self._meta_doc()
        if doc:
            doc.update(fields)
        else:
            meta = self._data.meta
            key = str(max((int(k) for k in meta if k.isdigit()), default=0) + 1)
            meta[key] = {"schema": SCHEMA_VERSION, "app": APP, "matcher": None, **fields}
        self._dirty = True

    def _transaction(self, change: Callable[[], T]) -> T:
        """Lock, catch up with the file, apply ``change`` in memory, write once if it changed."""
        with self._mutex, self._lock.held():
            if self.changed_on_disk():
                self._load()
            self._dirty = False
            try:
                result = change()
                if self._dirty:
                    self._write()
            except BaseException:
                # Memory may now be ahead of the file: catch up from the file next time.
                self._stamp = None
                raise
            finally:
                self._dirty = False
            return result

    def _write(self) -> None:
        if not self._backed_up and self._stamp is not None:
            keep_backup(self.path)  # the file we are replacing is the one we read and checked
            self._backed_up = True
        try:
            self._stamp = atomic_write(self.path, self._data.chunks())
        except OSError as exc:
            raise HistoryError(
                f"cannot write history {self.path} ({exc.strerror or exc}); the previous version was left intact"
            ) from None

    def _create(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(f"cannot create the directory of history {self.path} ({exc.strerror or exc})") from None
        with self._mutex, self._lock.held():
            if os.path.lexists(self.path):  # another process created it meanwhile
                return
            try:
                atomic_write(self.path, Contents().chunks())
            except OSError as exc:
                raise HistoryError(f"cannot create history {self.path} ({exc.strerror or exc})") from None

    def _load(self) -> None:
        """Read the file and rebuild the in-memory state from it."""
        with self._mutex:
            try:
                big = memory.is_big(os.stat(self.path).st_size)
            except OSError:
                big = False  # _read_contents words the error
            if big:
                memory.before_big_load()
            with memory.gc_paused():
                data, version = read_contents(self.path)
                old = self._data
                self._data, self._items = data, data.items
                self._stamp, self._sorted = version, None
                memory.release(old.items)
            if big:
                memory.after_big_load()
