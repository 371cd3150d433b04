"""The history: every item seen, the feed states and a little metadata, in one TinyDB file.

The file is a plain TinyDB JSON database with three tables: ``feeds`` (one document per
:class:`~monitor.models.FeedState`), ``meta`` (``{"schema": 1, "app": "monitor",
"matcher": <signature or null>}``) and ``items`` (one per :class:`~monitor.models.Item`),
written compactly in that order: ``{"feeds":{..},"meta":{..},"items":{"1":{..},..}}``.

TinyDB reads and rewrites the whole file on every operation, which is quadratic for a
history of tens of thousands of items, so :class:`History` does not go through TinyDB:
it keeps each item once, as an :class:`Item`, with an ``item id -> doc id`` index, and
reads and writes the file itself. Every change is one transaction:

1. take ``<history>.lock`` (``filelock``: ``flock``, released by the kernel if we die);
2. reload the file if another process replaced it since we read it;
3. apply the change to the items in memory;
4. write the whole file once: temp file, ``fsync``, ``os.replace``, ``fsync`` of the dir.

Reading and writing go in chunks of about a megabyte (orjson serialises the ``Item``
dataclasses directly), so a load or write in a worker thread never holds the GIL for
more than a few milliseconds and the UI keeps running. Loading streams the file, so
the raw documents of only one chunk are alive at a time. A file in any other layout
(TinyDB's own, an older monitor's, hand-edited) is parsed whole instead.

The first write of a session first keeps the previous file as ``<history>.bak`` (a hard
link, so it costs nothing). A file that cannot be used (corrupt, foreign, newer schema,
unreadable) raises :class:`HistoryError` and is never written over.
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta, timezone
from operator import attrgetter
from pathlib import Path
from typing import IO, Any, TypeVar

import orjson
from filelock import FileLock, Timeout
from tinydb.storages import Storage

from .errors import HistoryError
from .models import FeedState, Item, Match

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

CHUNK_BYTES = 1 << 20  # parse this much JSON per orjson call (~800 items, a few ms)
CHUNK_ITEMS = 1000  # serialise this many items per orjson call
_HEADER_MAX = 16 << 20  # the feeds and meta tables in front of the items are smaller
_ITEMS_START = b'},"items":{'  # the end of the meta table and the start of the items
_BOUNDARY = re.compile(rb'\},"\d+":\{')  # between two item documents (see _chunks)
_ITEM_KEYS = frozenset(("id", "feed", "title", "link", "summary", "published", "first_seen",
                        "matches", "flag_override", "read", "text", "pinned", "note"))  # fmt: skip
_UTC = timezone.utc
FREEZE_BYTES = 16 << 20  # from this file size on (~12k items), a load ends with gc.freeze()
_froze = False  # whether a load of this process has called gc.freeze()


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


# -- the file's contents ---------------------------------------------------------------------


class _Layout(Exception):
    """The file is not laid out as we write it (or is broken): parse it whole instead."""


class _Contents:
    """The tables of one history file: items as :class:`Item` objects, the rest as JSON."""

    __slots__ = ("doc_ids", "extras", "feeds", "items", "meta", "next_id", "others")

    def __init__(self) -> None:
        self.items: dict[str, Item] = {}  # item id -> item, in file order
        self.doc_ids: dict[str, str] = {}  # item id -> TinyDB document id (the key in the file)
        self.extras: dict[str, dict[str, Any]] = {}  # item id -> fields this version does not know
        self.feeds: dict[str, dict[str, Any]] = {}
        self.meta: dict[str, dict[str, Any]] = {"1": {"schema": SCHEMA_VERSION, "app": APP, "matcher": None}}
        self.others: dict[str, Any] = {}  # tables of a newer version, kept as they are
        self.next_id = 1

    # -- reading ---------------------------------------------------------------------------

    def check_head(self, path: Path, head: dict[str, Any]) -> int:
        """Adopt the tables other than ``items``; returns the schema version."""
        meta = head.get(META)
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
        feeds = head.setdefault(FEEDS, {})
        if not isinstance(feeds, dict):
            raise _unusable(path, f'is damaged (its "{FEEDS}" table is not a JSON object)')
        # TinyDB needs integer-like keys; feed documents need a name.
        for key, doc in feeds.items():
            if not key.isdigit() or not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
                raise _unusable(path, f"has a malformed feed state (document {key})")
        self.feeds, self.meta = feeds, meta  # type: ignore[assignment]
        self.others = {k: v for k, v in head.items() if k not in (FEEDS, META, ITEMS)}
        return schema

    def add_docs(self, path: Path, docs: dict[str, Any]) -> None:
        """Turn item documents into :class:`Item` objects (the hot loop of a load).

        The same as ``Item.from_dict`` plus checks, without its per-field call layers."""
        items, doc_ids, extras = self.items, self.doc_ids, self.extras
        new_item, new_match, parse, utc = Item, Match, datetime.fromisoformat, _UTC
        key = ""
        try:
            for key, doc in docs.items():
                extra = None
                try:  # what we write: all thirteen fields, nothing else
                    if len(doc) != 13:
                        raise KeyError
                    (item_id, feed, title, link, summary, published, first_seen, matches, flag, read, text,
                     pinned, note) = (
                        doc["id"], doc["feed"], doc["title"], doc["link"], doc["summary"], doc["published"],
                        doc["first_seen"], doc["matches"], doc["flag_override"], doc["read"], doc["text"],
                        doc["pinned"], doc["note"],
                    )  # fmt: skip
                except KeyError:
                    (item_id, feed, title, link, summary, published, first_seen, matches, flag, read, text,
                     pinned, note) = _fields(doc)  # fmt: skip
                    if not _ITEM_KEYS.issuperset(doc):  # fields of a newer version: kept, written back
                        extra = {k: v for k, v in doc.items() if k not in _ITEM_KEYS}
                if published:
                    published = parse(published)
                    if published.tzinfo is not utc:
                        published = _as_utc(published)
                else:
                    published = None
                if first_seen:
                    first_seen = parse(first_seen)
                    if first_seen.tzinfo is not utc:
                        first_seen = _as_utc(first_seen)
                else:
                    first_seen = datetime.now(utc)
                if matches:
                    matches = [
                        new_match(m["watchlist"], m["term"], m["field"], int(m["start"]), int(m["end"]),
                                  m.get("snippet", ""), m.get("rule", ""))  # fmt: skip
                        for m in matches
                    ]
                else:
                    matches = []
                if type(item_id) is not str or type(feed) is not str:
                    raise TypeError("id and feed must be strings")
                if not key.isdigit():
                    raise ValueError("its key is not a document number")
                if item_id not in items:  # of duplicate documents, the first one wins
                    items[item_id] = new_item(
                        item_id, feed, title, link, summary, published, first_seen, matches, flag,
                        True if read else False, text, True if pinned else False, note or "",
                    )  # fmt: skip
                    doc_ids[item_id] = key
                    if extra is not None:
                        extras[item_id] = extra
        except KeyError as exc:
            raise _unusable(path, f"has a malformed item (document {key}: missing {exc})") from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise _unusable(path, f"has a malformed item (document {key}: {_first_line(exc)})") from None

    def finish(self) -> None:
        self.next_id = max(map(int, self.doc_ids.values()), default=0) + 1

    # -- writing ---------------------------------------------------------------------------

    def chunks(self) -> Iterator[bytes]:
        """The file, compact JSON, in pieces of at most ``CHUNK_ITEMS`` items."""
        head = orjson.dumps({FEEDS: self.feeds, META: self.meta, **self.others}, option=orjson.OPT_NON_STR_KEYS)
        yield head[:-1] + _ITEMS_START[1:]
        items, doc_ids, extras = list(self.items.values()), self.doc_ids, self.extras
        for start in range(0, len(items), CHUNK_ITEMS):
            part = items[start : start + CHUNK_ITEMS]
            if extras:
                docs = {doc_ids[it.id]: _with_extras(it, extras) for it in part}
            else:
                docs = {doc_ids[it.id]: it for it in part}
            body = orjson.dumps(docs)
            yield (b"," if start else b"") + body[1:-1]
        yield b"}}"


def _fields(doc: dict[str, Any]) -> tuple[Any, ...]:
    """An item document's fields with the defaults of ``Item.from_dict`` (a missing one raises KeyError)."""
    return (
        doc["id"], doc["feed"], doc.get("title", ""), doc.get("link", ""), doc.get("summary", ""),
        doc.get("published"), doc["first_seen"], doc.get("matches", ()), doc.get("flag_override"),
        doc.get("read", False), doc.get("text", ""), doc.get("pinned", False), doc.get("note", ""),
    )  # fmt: skip


def _with_extras(item: Item, extras: dict[str, dict[str, Any]]) -> Item | dict[str, Any]:
    extra = extras.get(item.id)
    return item if extra is None else {**extra, **item.to_dict()}


def _as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive time is taken as UTC (as ``models.from_iso`` does)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=_UTC)
    return value.astimezone(_UTC)


def _normalise_times(item: Item) -> None:
    """Keep the item's times in UTC, so orjson writes exactly what ``to_iso`` would."""
    if item.published is not None and item.published.tzinfo is not _UTC:
        item.published = _as_utc(item.published)
    if item.first_seen.tzinfo is not _UTC:
        item.first_seen = _as_utc(item.first_seen)


def _read_contents(path: Path) -> tuple[_Contents, Stamp]:
    """Read and check the file; the stamp identifies the version that was read."""
    try:
        with open(path, "rb") as fh:
            stamp = _stamp(os.fstat(fh.fileno()))
            try:
                contents = _read_streamed(path, fh)
            except _Layout:
                fh.seek(0)
                contents = _read_whole(path, fh.read())
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
    contents.finish()
    return contents, stamp


def _read_streamed(path: Path, fh: IO[bytes]) -> _Contents:
    """Parse a file in the layout we write, a chunk of items at a time.

    Raises :class:`_Layout` when the file is laid out otherwise or any chunk is not valid
    JSON; the caller then parses it whole (which also words the error)."""
    buf = fh.read(CHUNK_BYTES)
    while (at := buf.find(_ITEMS_START)) < 0:
        more = fh.read(CHUNK_BYTES) if len(buf) < _HEADER_MAX else b""
        if not more:
            raise _Layout
        buf += more
    head = _loads(buf[: at + 1] + b"}")
    if not isinstance(head, dict) or ITEMS in head or META not in head:
        raise _Layout  # e.g. tables in another order (``jq -S``): the whole parse decides
    contents = _Contents()
    if contents.check_head(path, head) != SCHEMA_VERSION:
        raise _Layout  # migrations work on the whole file
    for chunk in _chunks(fh, buf[at + len(_ITEMS_START) :]):
        docs = _loads(b"{" + chunk + b"}")
        if not isinstance(docs, dict):
            raise _Layout
        contents.add_docs(path, docs)
        del docs  # only one chunk of raw documents is alive at a time
    return contents


def _chunks(fh: IO[bytes], buf: bytes) -> Iterator[bytes]:
    """Split the items table into runs of whole ``"<id>":{...}`` members.

    A run ends where ``},"<digits>":{`` follows. That can be cut somewhere else than
    between two items only in a file we did not write; then a run is not valid JSON on
    its own (its braces do not balance), and the caller falls back to a whole parse. The
    last run is followed by the ``}}`` that close the items table and the file."""
    want, eof = 2 * CHUNK_BYTES, False
    while True:
        while not eof and len(buf) < want:
            more = fh.read(CHUNK_BYTES)
            eof = not more
            buf += more
        found = _BOUNDARY.search(buf, CHUNK_BYTES)
        if found is not None:
            end = found.start() + 1
            yield buf[:end]
            buf, want = buf[end + 1 :], 2 * CHUNK_BYTES
        elif not eof:
            want = len(buf) + CHUNK_BYTES  # one very long item: read on
        else:
            tail = buf.rstrip()
            if not tail.endswith(b"}}"):
                raise _Layout
            yield tail[:-2]
            return


def _loads(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        raise _Layout from None


def _read_whole(path: Path, raw: bytes) -> _Contents:
    """Parse a file in any layout TinyDB can read, in one go."""
    if not raw.strip():
        raise _unusable(path, f"is empty ({len(raw)} bytes)")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise _unusable(path, f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    del raw
    if not isinstance(data, dict):
        raise _unusable(path, "is not a monitor history (the JSON is not an object)")
    contents = _Contents()
    schema = contents.check_head(path, data)
    docs = data.setdefault(ITEMS, {})
    if not isinstance(docs, dict):
        raise _unusable(path, f'is damaged (its "{ITEMS}" table is not a JSON object)')
    for version in range(schema, SCHEMA_VERSION):
        _MIGRATIONS[version](data)
    contents.check_head(path, data)
    docs = data.pop(ITEMS)
    keys = list(docs)
    for start in range(0, len(keys), CHUNK_ITEMS):  # drop raw documents as they are converted
        contents.add_docs(path, {key: docs.pop(key) for key in keys[start : start + CHUNK_ITEMS]})
    return contents


class OrjsonStorage(Storage):
    """A TinyDB storage for the history file, for scripts that want TinyDB's query API.

    Reads the file whole; writes it atomically (temp file, ``fsync``, rename) in the
    layout :class:`History` reads fastest. It takes no lock: do not write with it while
    monitor runs.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def read(self) -> Tables | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        return orjson.loads(raw) if raw.strip() else None

    def write(self, data: Tables) -> None:
        head = {k: v for k, v in data.items() if k != ITEMS}
        body = orjson.dumps(head, option=orjson.OPT_NON_STR_KEYS)[:-1]
        items = orjson.dumps(data.get(ITEMS, {}), option=orjson.OPT_NON_STR_KEYS)
        _write_atomically(self.path, [body, b"," if head else b"", b'"items":', items, b"}"])

    def close(self) -> None:
        pass


def _write_atomically(path: Path, chunks: Iterable[bytes]) -> Stamp:
    """Write ``chunks`` to a temp file in the same dir, fsync, rename over ``path``, fsync the dir.

    Each chunk is written as soon as it is produced (``os.write`` releases the GIL).

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
            for chunk in chunks:
                view = memoryview(chunk)
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
        self._data = _Contents()
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
                with _gc_paused():
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
            _normalise_times(item)
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
                _normalise_times(item)
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
            _keep_backup(self.path)  # the file we are replacing is the one we read and checked
            self._backed_up = True
        try:
            self._stamp = _write_atomically(self.path, self._data.chunks())
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
            try:
                _write_atomically(self.path, _Contents().chunks())
            except OSError as exc:
                raise HistoryError(f"cannot create history {self.path} ({exc.strerror or exc})") from None

    def _load(self) -> None:
        """Read the file and rebuild the in-memory state from it."""
        with self._mutex:
            try:
                big = os.stat(self.path).st_size >= FREEZE_BYTES
            except OSError:
                big = False  # _read_contents words the error
            if big:
                # gc.freeze() below freezes every live object of the process, not just the
                # items: in the TUI that includes widgets later removed, whose cycles only
                # the cyclic GC can free. So each big load first thaws what the last one
                # froze and collects it (garbage made since is freed here, at the latest),
                # then freezes afresh. Freezing only once per process would instead leave
                # every later load's items to be rescanned, and the first load's garbage
                # frozen for good.
                global _froze
                if _froze:  # the first load has nothing of ours to thaw: skip the collection
                    gc.unfreeze()
                    gc.collect()  # so no garbage is frozen with the items below
            with _gc_paused():
                data, stamp = _read_contents(self.path)
                old = self._data
                self._data, self._items = data, data.items
                self._stamp, self._sorted = stamp, None
                _release(old.items)
            if big:
                # Keep the cyclic GC from rescanning a million long-lived objects: each full
                # collection would freeze every thread (the UI) for ~100 ms. They are still
                # freed by reference counting when dropped (nothing here is cyclic).
                gc.freeze()
                _froze = True


def _release(items: dict[str, Item]) -> None:
    """Empty a replaced item dict one item at a time.

    Dropping 100k items at once is one long C call (a cascade of deallocations) that
    holds the GIL; item by item, other threads (the UI) run in between. Items still
    referenced elsewhere simply live on."""
    popitem = items.popitem
    for _ in range(len(items)):
        popitem()
