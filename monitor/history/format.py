"""The history file's format: a TinyDB JSON database, read and written without TinyDB.

The file has three tables: ``feeds`` (one document per :class:`~monitor.models.FeedState`),
``meta`` (``{"schema": 1, "app": "monitor", "matcher": <signature or null>}``) and ``items``
(one per :class:`~monitor.models.Item`), written compactly in that order:
``{"feeds":{..},"meta":{..},"items":{"1":{..},..}}``.

Reading and writing go in chunks of about a megabyte (orjson serialises the ``Item``
dataclasses directly), so a load or write in a worker thread never holds the GIL for
more than a few milliseconds and the UI keeps running. Loading streams the file, so
the raw documents of only one chunk are alive at a time. A file in any other layout
(TinyDB's own, an older monitor's, hand-edited) is parsed whole instead.

:class:`OrjsonStorage` lets scripts open the same file with TinyDB's query API.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson
from tinydb.storages import Storage

from monitor.errors import HistoryError
from monitor.models import Item, Match

from .files import Stamp, atomic_write, backup_path, stamp

__all__ = ["APP", "SCHEMA_VERSION", "Contents", "OrjsonStorage", "normalise_times", "read_contents"]

SCHEMA_VERSION = 2  # 2: the snapshot may have a journal beside it (meta "journal": its generation)
APP = "monitor"

ITEMS, FEEDS, META = "items", "feeds", "meta"

Tables = dict[str, dict[str, Any]]


def _journal_capable(data: Tables) -> None:
    """1 -> 2: no item changes; the schema number keeps monitors without a journal away."""


# Migrations from an older schema, keyed by the version they upgrade from.
_MIGRATIONS: dict[int, Callable[[Tables], None]] = {1: _journal_capable}
# Versions whose file the streamed reader reads as it is (their migrations change nothing).
_STREAMABLE = frozenset((1, SCHEMA_VERSION))

CHUNK_BYTES = 1 << 20  # parse this much JSON per orjson call (~800 items, a few ms)
CHUNK_ITEMS = 1000  # serialise this many items per orjson call
_HEADER_MAX = 16 << 20  # the feeds and meta tables in front of the items are smaller
_ITEMS_START = b'},"items":{'  # the end of the meta table and the start of the items
_BOUNDARY = re.compile(rb'\},"\d+":\{')  # between two item documents (see _chunks)
ITEM_KEYS = frozenset(f.name for f in fields(Item))
MATCH_KEYS = frozenset(f.name for f in fields(Match))
# What an item or match document may leave out although the dataclass has no default
# (documents written by hand or by an early monitor; ``Item.from_dict`` agrees).
_ITEM_FALLBACK: dict[str, Any] = {"title": "", "link": "", "summary": "", "published": None}
_MATCH_FALLBACK: dict[str, Any] = {"snippet": ""}
# Item fields a journal "set" never carries (they have their own record kinds or never change).
_NOT_PLAIN = frozenset(("id", "feed", "matches", "published", "first_seen"))
_UTC = UTC


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


# -- the file's contents ---------------------------------------------------------------------


class _Layout(Exception):
    """The file is not laid out as we write it (or is broken): parse it whole instead."""


class Contents:
    """The tables of one history file: items as :class:`Item` objects, the rest as JSON."""

    __slots__ = ("doc_ids", "extras", "feeds", "items", "meta", "next_id", "others", "schema")

    def __init__(self) -> None:
        self.items: dict[str, Item] = {}  # item id -> item, in file order
        self.doc_ids: dict[str, str] = {}  # item id -> TinyDB document id (the key in the file)
        self.extras: dict[str, dict[str, Any]] = {}  # item id -> fields this version does not know
        self.feeds: dict[str, dict[str, Any]] = {}
        self.meta: dict[str, dict[str, Any]] = {
            "1": {"schema": SCHEMA_VERSION, "app": APP, "matcher": None}
        }
        self.others: dict[str, Any] = {}  # tables of a newer version, kept as they are
        self.next_id = 1
        self.schema = SCHEMA_VERSION  # the version of the file read (older until compacted)

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
                f"was written by a newer monitor (schema {schema}; "
                f"this one reads up to {SCHEMA_VERSION})",
                "Upgrade monitor or use another history with --db PATH",
            )
        feeds = head.setdefault(FEEDS, {})
        if not isinstance(feeds, dict):
            raise _unusable(path, f'is damaged (its "{FEEDS}" table is not a JSON object)')
        # TinyDB needs integer-like keys; feed documents need a name.
        for key, doc in feeds.items():
            if (
                not key.isdigit()
                or not isinstance(doc, dict)
                or not isinstance(doc.get("name"), str)
            ):
                raise _unusable(path, f"has a malformed feed state (document {key})")
        self.feeds, self.meta = feeds, meta  # type: ignore[assignment]
        self.others = {k: v for k, v in head.items() if k not in (FEEDS, META, ITEMS)}
        self.schema = schema
        return schema

    def add_docs(self, path: Path, docs: dict[str, Any]) -> None:
        """Turn item documents into :class:`Item` objects (the hot loop of a load).

        Generic over the dataclass fields: a field ``Item`` or ``Match`` gains (with a
        default) round-trips without a change here. Keys this version does not know are
        kept aside and written back, so an older monitor never drops a newer one's data."""
        items, doc_ids, extras = self.items, self.doc_ids, self.extras
        new_item, to_time, to_matches = Item, _to_time, _to_matches
        item_keys, fallback = ITEM_KEYS, _ITEM_FALLBACK
        key = ""
        try:
            for key, doc in docs.items():
                extra = None
                if not item_keys.issuperset(doc):  # fields of a newer version: kept, written back
                    extra = {k: v for k, v in doc.items() if k not in item_keys}
                    doc = {k: v for k, v in doc.items() if k in item_keys}
                item_id, feed, first_seen = doc["id"], doc["feed"], doc["first_seen"]
                if type(item_id) is not str or type(feed) is not str:
                    raise TypeError("id and feed must be strings")
                if not key.isdigit():
                    raise ValueError("its key is not a document number")
                if item_id in items:  # of duplicate documents, the first one wins
                    continue
                if len(doc) != len(item_keys):
                    doc = {**fallback, **doc}
                doc["published"] = to_time(doc["published"])
                doc["first_seen"] = to_time(first_seen) or datetime.now(_UTC)
                doc["matches"] = to_matches(doc.get("matches"))
                doc["read"] = True if doc.get("read") else False
                items[item_id] = new_item(**doc)
                doc_ids[item_id] = key
                if extra is not None:
                    extras[item_id] = extra
        except KeyError as exc:
            raise _unusable(path, f"has a malformed item (document {key}: missing {exc})") from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise _unusable(
                path, f"has a malformed item (document {key}: {_first_line(exc)})"
            ) from None

    def finish(self) -> None:
        self.next_id = max(map(int, self.doc_ids.values()), default=0) + 1

    # -- changing (live, and when replaying the journal) ------------------------------------

    def meta_doc(self) -> dict[str, Any]:
        """The meta document naming app "monitor" (an empty dict when there is none)."""
        return next(
            (d for d in self.meta.values() if isinstance(d, dict) and d.get("app") == APP), {}
        )

    def set_meta(self, fields: dict[str, Any]) -> None:
        doc = self.meta_doc()
        if doc:
            doc.update(fields)
        else:
            key = str(max((int(k) for k in self.meta if k.isdigit()), default=0) + 1)
            self.meta[key] = {"schema": SCHEMA_VERSION, "app": APP, "matcher": None, **fields}

    def insert(self, items: Iterable[Item]) -> None:
        """Add items whose ids are new, each under the next document number."""
        for item in items:
            if item.id not in self.items:
                normalise_times(item)
                self.items[item.id] = item
                self.doc_ids[item.id] = str(self.next_id)
                self.next_id += 1

    def drop(self, ids: Iterable[str]) -> None:
        for item_id in ids:
            if self.items.pop(item_id, None) is not None:
                del self.doc_ids[item_id]
                self.extras.pop(item_id, None)

    def put_states(self, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Merge feed state documents by name; returns what changed (name + changed keys)."""
        feeds = self.feeds
        by_name = {doc["name"]: doc for doc in feeds.values()}
        next_id = max(map(int, feeds), default=0) + 1
        changes = []
        for doc in docs:
            old = by_name.get(doc["name"])
            if old is None:
                feeds[str(next_id)] = by_name[doc["name"]] = dict(doc)
                next_id += 1
                changes.append(doc)
                continue
            diff = {k: v for k, v in doc.items() if k not in old or old[k] != v}
            if diff:
                old.update(diff)
                changes.append({"name": doc["name"], **diff})
        return changes

    def set_fields(self, ids: Iterable[str], values: dict[str, Any]) -> None:
        """Set plain fields (flags, read, pins, notes...) of these items; unknown ids are skipped.

        A field this version does not know (a newer monitor's) is kept with the item's extras."""
        known = {k: v for k, v in values.items() if k in ITEM_KEYS and k not in _NOT_PLAIN}
        unknown = {k: v for k, v in values.items() if k not in ITEM_KEYS}
        for item_id in ids:
            item = self.items.get(item_id)
            if item is None:
                continue
            for name, value in known.items():
                setattr(item, name, value)
            if unknown:
                self.extras.setdefault(item_id, {}).update(unknown)

    def apply(self, record: dict[str, Any]) -> None:
        """Replay one journal record (see :mod:`.journal`)."""
        items = record.get("items")
        if items:
            start = self.next_id
            self.add_docs(Path("<journal>"), {str(start + n): doc for n, doc in enumerate(items)})
            self.next_id = start + len(items)
        for ids, values in record.get("set", ()):
            self.set_fields(ids, values)
        for item_id, matches in (record.get("matches") or {}).items():
            item = self.items.get(item_id)
            if item is not None:
                item.matches = _to_matches(matches)
        if record.get("drop"):
            self.drop(record["drop"])
        if record.get("feeds"):
            self.put_states(record["feeds"])
        if record.get("meta"):
            self.set_meta(record["meta"])

    def apply_ids(self, record: dict[str, Any], ids: set[str]) -> None:
        """Replay one journal record onto an ids-only history (see ``History(ids_only=True)``)."""
        for doc in record.get("items") or ():
            if isinstance(doc, dict) and isinstance(doc.get("id"), str):
                ids.add(doc["id"])
        ids.difference_update(record.get("drop") or ())
        if record.get("feeds"):
            self.put_states(record["feeds"])
        if record.get("meta"):
            self.set_meta(record["meta"])

    # -- writing ---------------------------------------------------------------------------

    def chunks(self) -> Iterator[bytes]:
        """The file, compact JSON, in pieces of at most ``CHUNK_ITEMS`` items."""
        head = orjson.dumps(
            {FEEDS: self.feeds, META: self.meta, **self.others}, option=orjson.OPT_NON_STR_KEYS
        )
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


def _to_time(value: Any) -> datetime | None:
    """An ISO time as written by ``models.to_iso`` (any zone, or naive = UTC) -> aware UTC."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is _UTC else _as_utc(parsed)


def to_match(doc: dict[str, Any]) -> Match:
    """A :class:`Match` from its document (fields it does not know are dropped)."""
    if not MATCH_KEYS.issuperset(doc):
        doc = {k: v for k, v in doc.items() if k in MATCH_KEYS}
    if len(doc) != len(MATCH_KEYS):
        doc = {**_MATCH_FALLBACK, **doc}
    doc["start"], doc["end"] = int(doc["start"]), int(doc["end"])
    return Match(**doc)


def _to_matches(docs: Any) -> list[Match]:
    return [to_match(m) for m in docs] if docs else []


def _with_extras(item: Item, extras: dict[str, dict[str, Any]]) -> Item | dict[str, Any]:
    extra = extras.get(item.id)
    return item if extra is None else {**extra, **item.to_dict()}


def _as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive time is taken as UTC (as ``models.from_iso`` does)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=_UTC)
    return value.astimezone(_UTC)


def normalise_times(item: Item) -> None:
    """Keep the item's times in UTC, so orjson writes exactly what ``to_iso`` would."""
    if item.published is not None and item.published.tzinfo is not _UTC:
        item.published = _as_utc(item.published)
    if item.first_seen.tzinfo is not _UTC:
        item.first_seen = _as_utc(item.first_seen)


def read_contents(path: Path) -> tuple[Contents, Stamp]:
    """Read and check the file; the stamp identifies the version that was read."""
    try:
        with open(path, "rb") as fh:
            version = stamp(os.fstat(fh.fileno()))
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
        raise _unusable(
            path, "is a directory, not a file", "Pass a file path with --db PATH"
        ) from None
    except PermissionError:
        raise _unusable(
            path,
            "cannot be read (permission denied)",
            "Fix its permissions or use another one with --db PATH",
        ) from None
    except OSError as exc:
        raise _unusable(path, f"cannot be read ({exc.strerror or exc})") from None
    contents.finish()
    return contents, version


def read_head(path: Path) -> tuple[Contents, Stamp] | None:
    """The feeds and meta tables only (the items stay on disk), for a file in the layout we
    write; None for any other layout (the caller then reads it whole)."""
    try:
        with open(path, "rb") as fh:
            version = stamp(os.fstat(fh.fileno()))
            buf = fh.read(CHUNK_BYTES)
            while (at := buf.find(_ITEMS_START)) < 0:
                more = fh.read(CHUNK_BYTES) if len(buf) < _HEADER_MAX else b""
                if not more:
                    return None
                buf += more
    except OSError:
        return None  # the whole read words the error
    try:
        head = _loads(buf[: at + 1] + b"}")
    except _Layout:
        return None
    if not isinstance(head, dict) or ITEMS in head or META not in head:
        return None
    contents = Contents()
    if contents.check_head(path, head) not in _STREAMABLE:
        return None
    return contents, version


def ids_path(path: Path) -> Path:
    """The item ids of the snapshot, so a poll can skip loading the items themselves."""
    return path.with_name(path.name + ".ids")


def write_ids(path: Path, gen: str, version: Stamp, ids: list[str]) -> None:
    """Write the ids sidecar of the snapshot ``version`` (best effort: without it, or with a
    stale one, a poll simply loads the whole snapshot)."""
    body = orjson.dumps({"gen": gen, "snapshot": list(version[:3]), "ids": ids})
    try:
        atomic_write(ids_path(path), body)
    except OSError:
        with suppress(OSError):
            os.unlink(ids_path(path))


def read_ids(path: Path, gen: Any, version: Stamp) -> list[str] | None:
    """The ids of snapshot ``version``, or None when the sidecar is missing or not its own."""
    try:
        data = orjson.loads(ids_path(path).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if (
        not isinstance(data, dict)
        or data.get("gen") != gen
        or data.get("snapshot") != list(version[:3])
    ):
        return None
    ids = data.get("ids")
    return ids if isinstance(ids, list) else None


def _read_streamed(path: Path, fh: IO[bytes]) -> Contents:
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
    contents = Contents()
    if contents.check_head(path, head) not in _STREAMABLE:
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


def _read_whole(path: Path, raw: bytes) -> Contents:
    """Parse a file in any layout TinyDB can read, in one go."""
    if not raw.strip():
        raise _unusable(path, f"is empty ({len(raw)} bytes)")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise _unusable(
            path, f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    del raw
    if not isinstance(data, dict):
        raise _unusable(path, "is not a monitor history (the JSON is not an object)")
    contents = Contents()
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
        atomic_write(self.path, [body, b"," if head else b"", b'"items":', items, b"}"])

    def close(self) -> None:
        pass
