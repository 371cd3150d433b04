"""Keeping a :class:`~monitor.history.History` and its files in step: loading, catching up
with other processes, appending to the journal and compacting.

Every change is one transaction (:meth:`Synced._transaction`):

1. take ``<history>.lock`` (:class:`.files.HistoryLock`);
2. catch up: reload if another process replaced the snapshot (a compaction), else replay
   the journal records appended since we last looked (by offset);
3. apply the change to the items in memory;
4. append ONE journal record with what changed, ``fsync`` it.

When the journal passes :data:`COMPACT_BYTES` (or a quarter of the snapshot), or on
``compact()``, the journal is folded into a new snapshot: ``<history>.bak`` becomes the
old snapshot (a hard link, so it costs nothing; ``<history>.journal.bak`` its journal),
the new snapshot is written with :func:`.files.atomic_write` under a new generation, items
newest first, then its sidecar (:mod:`.sidecar`), then a fresh journal of that generation
replaces the old one. A kill at any point leaves a snapshot and a journal that together
hold every acknowledged write. A write whose record alone would pass the threshold (a first poll)
skips the append: the compaction that would follow at once writes it.

Three ways to load: everything; the ids only (what a poll needs); or the head — the
newest items from the front of a newest-first snapshot plus the journal — with the rest
read later by :meth:`Synced.load_rest`, in a worker thread, without holding the history's
mutex while it parses (so the UI can paint, and read feed states, meanwhile).
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeVar

from monitor.errors import HistoryError
from monitor.models import Item, raw_field, set_raw_field

from . import memory
from .contents import SCHEMA_VERSION, Contents
from .files import HistoryLock, Stamp, atomic_write, keep_backup, stamp
from .format import chunks, read_contents, read_head
from .journal import JOURNAL_VERSION, Journal, encode
from .rows import Span, read_rows, remove_rows, write_rows
from .sidecar import LazyIds, read_sidecar, write_sidecar

__all__ = ["COMPACT_BYTES", "DEFAULT_LOCK_TIMEOUT", "IDLE_COMPACT_BYTES", "Synced"]

DEFAULT_LOCK_TIMEOUT = 15.0  # seconds; a poll holds the lock for well under a second
COMPACT_BYTES = 8 << 20  # fold the journal into the snapshot past this size (or 1/4 snapshot)
IDLE_COMPACT_BYTES = 1 << 20  # ...or past this one when poll --loop is idle

T = TypeVar("T")
Record = dict[str, Any]
_ITEM_SLOTS = Item.__slots__
_by_time = attrgetter("time")


def _item_floor() -> int:
    """The bytes one item adds to a journal record at least: a blank item's (field names,
    nulls, a first-seen date without microseconds), as the journal encodes it."""
    blank = Item("", "", "", "", "", None, datetime(2000, 1, 1, tzinfo=timezone.utc))
    return len(encode({"items": [blank]})) - len(encode({"items": []}))


_ITEM_FLOOR = _item_floor()


def _record_floor(tx: Record) -> int:
    """A lower bound of the size of ``tx``'s journal record, cheap next to encoding it: its
    new items' blank JSON plus their text as characters (each at least a byte in UTF-8)."""
    items: list[Item] = tx.get("items") or []
    text = sum(
        len(i.id) + len(i.feed) + len(i.title) + len(i.link) + len(i.summary) + len(i.text)
        for i in items
    )
    return len(items) * _ITEM_FLOOR + text


@dataclass(slots=True)
class _Loaded:
    """What one read of the files found: the contents and where the journal was read to."""

    data: Contents
    stamp: Stamp
    journal_ino: int | None = None
    journal_end: int = 0
    journal_seen: tuple[int, int] | None = None


class Synced:
    """The state a History keeps of its files, and the transactions that change them."""

    def __init__(
        self, path: str | os.PathLike[str], *, lock_timeout: float, ids_only: bool, head: int
    ) -> None:
        # The real file: a symlinked history stays a symlink (we replace its target).
        self.path = Path(os.path.realpath(Path(path).expanduser()))
        self._lock = HistoryLock(self.path, lock_timeout)
        self.lock_path = self._lock.lock_path
        self.lock_timeout = lock_timeout
        self._mutex = threading.RLock()
        self._load_lock = threading.Lock()  # taken before _mutex, never after it
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
        self._ids: LazyIds | None = None
        self._head = head  # > 0: load only the newest items first (see load_rest)
        self._partial = False  # only the head is loaded; load_rest() reads the rest

    # -- loading ---------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        """Whether every item is in memory (False after a head-only open, until
        :meth:`load_rest`; an ids-only history counts as loaded)."""
        return not self._partial

    def load_rest(self) -> None:
        """Read the items a head-only open left on disk (a no-op when all are loaded).

        Safe to call from a worker thread while other threads use the history: the parse
        holds no lock the UI waits on (``newest``, ``feed_states`` answer meanwhile);
        anything that needs every item waits for it instead. The items already given out
        stay the same objects."""
        if not self._partial:
            return
        with self._load_lock:
            if not self._partial:
                return
            loaded = self._read_all()
            with self._mutex:
                self._adopt(loaded, reuse=True)
                self._partial, self._head = False, 0  # later reloads read everything

    def _full(self) -> None:
        """Load every item (of a head-only or an ids-only history); once, then a no-op."""
        if self._partial:
            self.load_rest()
        if self._ids is None:
            return
        with self._mutex:
            if self._ids is not None:
                self._lazy = False
                self._load()

    def _load(self) -> None:
        """Read the snapshot and the journal, and rebuild the in-memory state from them."""
        with self._mutex:
            if self._lazy and self._load_ids():
                return
            if self._head > 0 and self._load_head():
                return
            self._ids = None
            self._partial = False
            self._adopt(self._read_all(), reuse=False)

    def _read_all(self) -> _Loaded:
        """Read the whole snapshot and its journal into new contents (changes nothing here)."""
        try:
            big = memory.is_big(os.stat(self.path).st_size)
        except OSError:
            big = False  # read_contents words the error
        if big:
            memory.before_big_load()
        with memory.gc_paused():
            data, version = self._read_rows() or read_contents(self.path)
            loaded = _Loaded(data, version)
            self._replay_onto(loaded, None)
            if big:  # before the GC is back: else its first allocation scans every new object
                memory.after_big_load()
        return loaded

    def _read_rows(self) -> tuple[Contents, Stamp] | None:
        """The snapshot from its load cache (:mod:`.rows`), when it has one that fits."""
        head = read_head(self.path)
        if head is None:
            return None
        data, version = head
        items = read_rows(
            self.path, data.meta_doc().get("journal"), version, data.strings.setdefault
        )
        if items is None:
            return None
        data.add_items(items)
        return data, version

    def _adopt(self, loaded: _Loaded, *, reuse: bool) -> None:
        """Make ``loaded`` our state (the caller holds the mutex). ``reuse``: items we hold
        stay the same objects, updated from the new load."""
        old = self._data
        items = loaded.data.items
        if reuse:
            for item_id, mine in old.items.items():
                new = items.get(item_id)
                if new is not None and new is not mine:
                    for name in _ITEM_SLOTS:
                        set_raw_field(mine, name, raw_field(new, name))
                    items[item_id] = mine
        self._data, self._items = loaded.data, items
        self._stamp, self._sorted = loaded.stamp, None
        self._journal_ino, self._journal_end = loaded.journal_ino, loaded.journal_end
        self._journal_seen = loaded.journal_seen
        if old.items is not items:
            memory.release(old.items)

    def _load_ids(self) -> bool:
        """The ids-only load: the head of the snapshot, its ids sidecar, the journal."""
        head = read_head(self.path)
        if head is None:
            return False
        data, version = head
        side = read_sidecar(self.path, data.meta_doc().get("journal"), version, ids=False, raw=True)
        if side is None:
            return False
        self._data, self._items, self._ids = data, data.items, LazyIds(side.raw)
        self._stamp, self._sorted = version, None
        self._journal_ino, self._journal_end, self._journal_seen = None, 0, None
        self._replay()
        return True

    def _load_head(self) -> bool:
        """The head load: the newest ``head`` items of a newest-first snapshot, the journal.

        Items the journal drops may leave fewer than ``head``: then a longer head is read
        (or, after a few tries, everything)."""
        limit = self._head
        for _ in range(4):
            head = read_head(self.path, limit)
            if head is None:
                return False
            data, version = head
            side = read_sidecar(self.path, data.meta_doc().get("journal"), version, ids=False)
            if side is None or not side.newest_first:
                return False
            read = len(data.items)
            self._ids, self._partial = None, True
            self._adopt(_Loaded(data, version), reuse=False)
            self._replay()
            if read >= side.count:  # the head was the whole snapshot: everything is loaded
                self._partial = False
                return True
            if len(self._items) >= self._head:
                return True
            limit = 4 * max(limit, read)
        self._partial = False
        return False

    # -- catching up -----------------------------------------------------------------------

    def changed_on_disk(self) -> bool:
        """Whether another process wrote since we last looked (two cheap ``stat`` calls)."""
        try:
            if stamp(os.stat(self.path)) != self._stamp:
                return True
        except OSError:
            return True
        return self._journal.stat() != self._journal_seen

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
        state = _Loaded(
            self._data, self._stamp or (0, 0, 0, 0), self._journal_ino, self._journal_end
        )
        changed = self._replay_onto(state, self._ids)
        self._journal_ino, self._journal_end = state.journal_ino, state.journal_end
        self._journal_seen = state.journal_seen
        if changed:
            self._sorted = None
        return changed

    def _replay_onto(self, state: _Loaded, ids: LazyIds | None) -> bool:
        """Apply the journal records after ``state``'s offset onto its contents (onto
        ``ids`` instead for an ids-only history); True if any were."""
        got = self._journal.read_from(state.journal_ino, state.journal_end)
        if got is None:  # no journal (or ours was moved aside by hand)
            state.journal_ino, state.journal_end, state.journal_seen = None, 0, None
            return False
        ino, tail = got
        records = tail.records
        data = state.data
        gen = data.meta_doc().get("journal")
        gen = gen if isinstance(gen, str) and gen else None
        if ino != state.journal_ino:  # a new journal: ours only if its head names our snapshot
            if not records or records[0].get("gen") != gen or gen is None:
                state.journal_ino, state.journal_end = None, 0  # stale: already folded in
                state.journal_seen = (ino, tail.size)
                return False
            records = records[1:]
        state.journal_ino, state.journal_end = ino, tail.end
        state.journal_seen = (ino, tail.size)
        if not records:
            return False
        with memory.gc_paused():
            if ids is not None:
                for record in records:
                    data.apply_ids(record, ids)
            else:
                for record in records:
                    data.apply(record)
        return True

    # -- writing ---------------------------------------------------------------------------

    @property
    def _head_size(self) -> int:
        return len(encode({"v": JOURNAL_VERSION, "gen": self._gen or ""}))

    @property
    def _gen(self) -> str | None:
        gen = self._data.meta_doc().get("journal")
        return gen if isinstance(gen, str) and gen else None

    def _stamp_size(self) -> int:
        return self._stamp[1] if self._stamp is not None else 0

    def _transaction(self, change: Callable[[], T], *, compact: bool = True) -> T:
        """Lock, catch up with the files, apply ``change`` in memory, append what changed."""
        if self._partial:  # every write sees every item (and load_rest never waits on us)
            self.load_rest()
        with self._mutex, self._lock.held():
            if self.changed_on_disk():
                self._catch_up()
            self._tx = {}
            try:
                result = change()
                if self._tx:
                    limit = max(COMPACT_BYTES, self._stamp_size() // 4)
                    if compact and _record_floor(self._tx) > limit:
                        # The record would be folded in at once (a first poll of many feeds):
                        # the snapshot alone is written, once.
                        self._compact()
                    else:
                        self._append(self._tx)
                        if compact and self._journal_end > limit:
                            self._compact()
            except BaseException:
                # Memory may now be ahead of the files: reload from them next time.
                self._stamp = None
                raise
            finally:
                self._tx = {}
            return result

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

    def _newest_first(self) -> list[Item]:
        if self._sorted is None:
            with memory.gc_paused():
                self._sorted = sorted(self._items.values(), key=_by_time, reverse=True)
        return self._sorted

    def _compact(self) -> None:
        """Fold everything into a new snapshot of a new generation (the caller holds the lock)."""
        self._full()
        gen = secrets.token_hex(8)
        self._data.set_meta({"schema": SCHEMA_VERSION, "journal": gen})
        if self._stamp is not None:  # the files we are replacing are the ones we read and checked
            keep_backup(self.path)
            if self._journal_ino is not None:
                keep_backup(self._journal.path)
        ordered = self._newest_first()  # the newest screenful first: see _load_head
        spans: list[tuple[Span, Span]] = []
        try:
            self._stamp = atomic_write(self.path, chunks(self._data, ordered, spans))
            self._data.schema = SCHEMA_VERSION
            ids = [it.id for it in ordered]
            write_sidecar(self.path, gen, self._stamp, ids, newest_first=True)
            if not self._data.extras:  # (a newer version's fields have no place in rows)
                write_rows(self.path, gen, self._stamp, ordered, spans)
            else:
                remove_rows(self.path)
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
                atomic_write(self.path, chunks(data, []))
                self._journal.start(gen)
            except OSError as exc:
                raise HistoryError(
                    f"cannot create history {self.path} ({exc.strerror or exc})"
                ) from None
