"""The history: every item seen, the feed states and a little metadata, in one TinyDB file.

The file is a plain TinyDB JSON database with three tables: ``items`` (one document per
:class:`~monitor.models.Item`), ``feeds`` (one per :class:`~monitor.models.FeedState`) and
``meta`` (``{"schema": 1, "app": "monitor", "matcher": <signature or null>}``).

TinyDB reads and rewrites the whole file on every operation, which is quadratic for a
history of tens of thousands of items. Here TinyDB runs over :class:`OrjsonStorage`, which
keeps the tables in memory, and :class:`History` keeps the items as :class:`Item` objects
with an ``item id -> doc id`` index, so lookups never scan. Every change is one transaction:

1. take ``<history>.lock`` (``filelock``: ``flock``, released by the kernel if we die);
2. reload the file if another process replaced it since we read it;
3. apply the change in memory through TinyDB's table API;
4. write the whole file once: temp file, ``fsync``, ``os.replace``, ``fsync`` of the dir.

The first write of a session first keeps the previous file as ``<history>.bak`` (a hard
link, so it costs nothing). A file that cannot be used (corrupt, foreign, newer schema,
unreadable) raises :class:`HistoryError` and is never written over.
"""

from __future__ import annotations

import gc
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeVar

import orjson
from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from .errors import HistoryError
from .models import FeedState, Item

__all__ = ["DEFAULT_LOCK_TIMEOUT", "SCHEMA_VERSION", "History", "OrjsonStorage", "backup_path"]

SCHEMA_VERSION = 1
APP = "monitor"
DEFAULT_LOCK_TIMEOUT = 15.0  # seconds; a poll holds the lock for well under a second

ITEMS, FEEDS, META = "items", "feeds", "meta"

Tables = dict[str, dict[str, Any]]
Stamp = tuple[int, int, int, int]  # (inode, size, mtime_ns, ctime_ns)
T = TypeVar("T")

# Migrations from an older schema, keyed by the version they upgrade from (none yet).
_MIGRATIONS: dict[int, Callable[[Tables], None]] = {}


def backup_path(path: Path) -> Path:
    """Where the previous good version of ``path`` is kept."""
    return path.with_name(path.name + ".bak")


def _stamp(st: os.stat_result) -> Stamp:
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _unusable(path: Path, problem: str, remedy: str | None = None) -> HistoryError:
    """The one-line error for a history file we refuse to touch."""
    if remedy is None:
        bak = backup_path(path)
        if bak.is_file():
            remedy = f"Restore it from {bak} or start a new one with --db PATH"
        else:
            remedy = "Move it aside or start a new one with --db PATH"
    return HistoryError(f"history {path} {problem}; it was left untouched. {remedy}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class OrjsonStorage(Storage):
    """TinyDB storage that holds the tables in memory and reads/writes JSON with orjson.

    ``read``/``write`` (what TinyDB calls on every table operation) only touch memory and
    mark the storage dirty; :meth:`load` reads the file and :meth:`flush` writes it
    atomically, once per transaction.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.data: Tables = {}
        self.dirty = False

    def read(self) -> Tables:
        return self.data

    def write(self, data: Tables) -> None:
        self.data = data
        self.dirty = True

    def close(self) -> None:
        pass

    def load(self) -> Stamp:
        """Read and parse the file; the stamp identifies the version that was read."""
        path = self.path
        try:
            with open(path, "rb") as fh:
                stamp = _stamp(os.fstat(fh.fileno()))
                raw = fh.read()
        except FileNotFoundError:
            raise HistoryError(
                f"history {path} does not exist; check the path or start a new one with --db PATH"
            ) from None
        except IsADirectoryError:
            raise _unusable(path, "is a directory, not a file", "Pass a file path with --db PATH") from None
        except PermissionError:
            raise _unusable(
                path, "cannot be read (permission denied)", "Fix its permissions or use another one with --db PATH"
            ) from None
        except OSError as exc:
            raise _unusable(path, f"cannot be read ({exc.strerror or exc})") from None
        if not raw.strip():
            raise _unusable(path, f"is empty ({len(raw)} bytes)")
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise _unusable(path, f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
        if not isinstance(data, dict):
            raise _unusable(path, "is not a monitor history (the JSON is not an object)")
        self.data = data
        self.dirty = False
        return stamp

    def flush(self) -> Stamp:
        """Write the tables to the file atomically and durably; returns the new stamp."""
        payload = orjson.dumps(self.data, option=orjson.OPT_NON_STR_KEYS)
        stamp = _write_atomically(self.path, payload)
        self.dirty = False
        return stamp


def _write_atomically(path: Path, payload: bytes) -> Stamp:
    """Temp file in the same dir, fsync, rename over ``path``, fsync the dir.

    The caller holds the history lock, so a fixed temp name is safe (one a killed
    writer left behind is simply replaced).
    """
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        mode = os.stat(path).st_mode & 0o7777
    except OSError:
        mode = None
    try:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        try:
            if mode is not None:
                os.fchmod(fd, mode)
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)
    return _stamp(os.stat(path))


def _fsync_dir(directory: Path) -> None:
    with suppress(OSError):  # not every platform/filesystem can fsync a directory
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _keep_backup(path: Path) -> None:
    """Make ``<path>.bak`` the current file (a hard link; a copy where links fail)."""
    bak = backup_path(path)
    tmp = path.with_name(f".{bak.name}.tmp")
    with suppress(OSError):  # best effort: a missing backup must not stop the write
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        try:
            os.link(path, tmp)
        except OSError:
            shutil.copy2(path, tmp)
        os.replace(tmp, bak)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while building many objects at once.

    Loading 100k items allocates ~2M containers; each triggers a generation-2 scan of a
    growing heap, which makes a load several times slower. Nothing built here is cyclic.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _empty_tables() -> Tables:
    return {ITEMS: {}, FEEDS: {}, META: {"1": {"schema": SCHEMA_VERSION, "app": APP, "matcher": None}}}


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
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.lock_timeout = lock_timeout
        self._mutex = threading.RLock()
        self._file_lock = FileLock(self.lock_path, timeout=lock_timeout, thread_local=False, poll_interval=0.01)
        self._db: TinyDB | None = None
        self._items: dict[str, Item] = {}
        self._doc_ids: dict[str, int] = {}
        self._sorted: list[Item] | None = None
        self._stamp: Stamp | None = None
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
                with _gc_paused():
                    self._sorted = sorted(self._items.values(), key=attrgetter("time"), reverse=True)
            return list(self._sorted)

    def get(self, item_id: str) -> Item | None:
        return self._items.get(item_id)

    def feed_states(self) -> dict[str, FeedState]:
        """The remembered state of every feed polled so far, by feed name (fresh copies)."""
        with self._mutex:
            docs = self._tables().get(FEEDS, {}).values()
            return {doc["name"]: FeedState.from_dict(doc) for doc in docs}

    @property
    def matcher_signature(self) -> str | None:
        """The signature of the watchlists the items were last tagged with."""
        return self._meta_doc().get("matcher")

    def changed_on_disk(self) -> bool:
        """Whether the file is not the version we last read or wrote (a cheap ``stat``)."""
        try:
            return _stamp(os.stat(self.path)) != self._stamp
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
        """Store the items whose ids are new (one write); returns those, in input order."""
        return self.commit(items, ())

    def save_feed_states(self, states: Iterable[FeedState]) -> None:
        """Store these feeds' states (others are kept) in one write."""
        self.commit((), states)

    def commit(self, new_items: Iterable[Item], states: Iterable[FeedState]) -> list[Item]:
        """Add the new items and save the feed states in ONE write; returns the items added."""
        new_items, states = list(new_items), list(states)
        if not new_items and not states:
            return []

        def change() -> list[Item]:
            added = self._insert(new_items)
            self._put_states(states)
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
        """Drop unflagged items older than ``retention_days`` (None keeps everything).

        Items flagged by a watchlist or by hand are kept. Returns how many were dropped."""
        if retention_days is None:
            return 0
        cutoff = now - timedelta(days=retention_days)

        def change() -> int:
            old = [it for it in self._items.values() if not it.flagged and it.time < cutoff]
            if old:
                self._table(ITEMS).remove(doc_ids=[self._doc_ids[it.id] for it in old])
                for it in old:
                    del self._items[it.id]
                    del self._doc_ids[it.id]
                self._sorted = None
            return len(old)

        return self._transaction(change)

    # -- internals -----------------------------------------------------------------------

    def _storage(self) -> OrjsonStorage:
        assert self._db is not None
        storage = self._db.storage
        assert isinstance(storage, OrjsonStorage)
        return storage

    def _tables(self) -> Tables:
        return self._storage().data

    def _table(self, name: str) -> Table:
        assert self._db is not None
        return self._db.table(name, cache_size=0)

    def _meta_key(self) -> str | None:
        meta = self._tables().get(META) or {}
        return next((key for key, doc in meta.items() if isinstance(doc, dict) and doc.get("app") == APP), None)

    def _meta_doc(self) -> dict[str, Any]:
        key = self._meta_key()
        return {} if key is None else self._tables()[META][key]

    def _require(self, item_id: str) -> Item:
        item = self._items.get(item_id)
        if item is None:
            raise HistoryError(f"item {item_id} is not in history {self.path} (pruned by another monitor process?)")
        return item

    def _insert(self, items: list[Item]) -> list[Item]:
        fresh: dict[str, Item] = {}
        for item in items:
            if item.id not in self._items and item.id not in fresh:
                fresh[item.id] = item
        if not fresh:
            return []
        with _gc_paused():
            doc_ids = self._table(ITEMS).insert_multiple(item.to_dict() for item in fresh.values())
        for item, doc_id in zip(fresh.values(), doc_ids, strict=True):
            self._items[item.id] = item
            self._doc_ids[item.id] = doc_id
        self._sorted = None
        return list(fresh.values())

    def _rewrite(self, items: list[Item]) -> None:
        """Copy these (already changed) items into their documents."""
        if not items:
            return
        by_id = {item.id: item for item in items}
        self._table(ITEMS).update(
            lambda doc: doc.update(by_id[doc["id"]].to_dict()),
            doc_ids=[self._doc_ids[i] for i in by_id],
        )

    def _put_states(self, states: list[FeedState]) -> None:
        if not states:
            return
        by_name = {state.name: state.to_dict() for state in states}
        existing = {doc["name"]: int(key) for key, doc in self._tables().get(FEEDS, {}).items()}
        table = self._table(FEEDS)
        known = [existing[name] for name in by_name if name in existing]
        if known:
            table.update(lambda doc: doc.update(by_name[doc["name"]]), doc_ids=known)
        table.insert_multiple(doc for name, doc in by_name.items() if name not in existing)

    def _set_meta(self, **fields: Any) -> None:
        key = self._meta_key()
        if key is None:
            self._table(META).insert({"schema": SCHEMA_VERSION, "app": APP, "matcher": None, **fields})
        else:
            self._table(META).update(fields, doc_ids=[int(key)])

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self._file_lock.acquire()
        except Timeout:
            raise HistoryError(
                f"history {self.path} is locked by another monitor process "
                f"(waited {self.lock_timeout:g} s for {self.lock_path}); try again"
            ) from None
        except OSError as exc:
            raise HistoryError(
                f"cannot lock history {self.path} ({self.lock_path}: {exc.strerror or exc}); "
                "check the directory's permissions or use another history with --db PATH"
            ) from None
        try:
            yield
        finally:
            self._file_lock.release()

    def _transaction(self, change: Callable[[], T]) -> T:
        """Lock, catch up with the file, apply ``change`` in memory, write once if it changed."""
        with self._mutex, self._locked():
            if self.changed_on_disk():
                self._load()
            storage = self._storage()
            storage.dirty = False
            try:
                result = change()
                if storage.dirty:
                    self._write(storage)
            except BaseException:
                # Memory may now be ahead of the file: catch up from the file next time.
                self._stamp = None
                raise
            return result

    def _write(self, storage: OrjsonStorage) -> None:
        if not self._backed_up and self._stamp is not None:
            _keep_backup(self.path)  # the file we are replacing is the one we read and checked
            self._backed_up = True
        try:
            with _gc_paused():
                self._stamp = storage.flush()
        except OSError as exc:
            raise HistoryError(
                f"cannot write history {self.path} ({exc.strerror or exc}); the previous version was left intact"
            ) from None

    def _create(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(f"cannot create the directory of history {self.path} ({exc.strerror or exc})") from None
        with self._mutex, self._locked():
            if os.path.lexists(self.path):  # another process created it meanwhile
                return
            storage = OrjsonStorage(self.path)
            storage.data = _empty_tables()
            try:
                storage.flush()
            except OSError as exc:
                raise HistoryError(f"cannot create history {self.path} ({exc.strerror or exc})") from None

    def _load(self) -> None:
        """Read the file and rebuild the in-memory state from it."""
        with self._mutex, _gc_paused():
            db = TinyDB(self.path, storage=OrjsonStorage)
            storage = db.storage
            assert isinstance(storage, OrjsonStorage)
            stamp = storage.load()
            items, doc_ids = self._adopt(storage.data)
            self._db, self._items, self._doc_ids = db, items, doc_ids
            self._stamp, self._sorted = stamp, None

    def _adopt(self, data: Tables) -> tuple[dict[str, Item], dict[str, int]]:
        """Check that ``data`` is a monitor history we can read; index its items."""
        path = self.path
        meta = data.get(META)
        docs = list(meta.values()) if isinstance(meta, dict) else []
        meta_doc = next((d for d in docs if isinstance(d, dict) and d.get("app") == APP), None)
        if meta_doc is None:
            raise _unusable(path, 'is not a monitor history (no "meta" table naming app "monitor")')
        schema = meta_doc.get("schema")
        if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
            raise _unusable(path, f"has an invalid schema version ({schema!r})")
        if schema > SCHEMA_VERSION:
            raise _unusable(
                path,
                f"was written by a newer monitor (schema {schema}; this one reads up to {SCHEMA_VERSION})",
                "Upgrade monitor or use another history with --db PATH",
            )
        for name in (ITEMS, FEEDS):
            table = data.setdefault(name, {})
            if not isinstance(table, dict):
                raise _unusable(path, f'is damaged (its "{name}" table is not a JSON object)')
        for version in range(schema, SCHEMA_VERSION):
            _MIGRATIONS[version](data)
        # TinyDB needs integer-like keys; feed documents need a name.
        for key, doc in data[FEEDS].items():
            if not key.isdigit() or not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
                raise _unusable(path, f"has a malformed feed state (document {key})")

        items: dict[str, Item] = {}
        doc_ids: dict[str, int] = {}
        for key, doc in data[ITEMS].items():
            try:
                doc_id = int(key)
                item = Item.from_dict(doc)
                if not isinstance(item.id, str) or not isinstance(item.feed, str):
                    raise TypeError("id and feed must be strings")
            except KeyError as exc:
                raise _unusable(path, f"has a malformed item (document {key}: missing {exc})") from None
            except (TypeError, ValueError, AttributeError) as exc:
                raise _unusable(path, f"has a malformed item (document {key}: {_first_line(exc)})") from None
            if item.id not in items:  # of duplicate documents, the first one wins
                items[item.id] = item
                doc_ids[item.id] = doc_id
        return items, doc_ids
