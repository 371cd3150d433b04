"""The history file's format: a TinyDB JSON database, read and written without TinyDB.

The file has three tables: ``feeds`` (one document per :class:`~monitor.models.FeedState`),
``meta`` (``{"schema": 2, "app": "monitor", "matcher": <signature or null>, "journal":
<generation>}``) and ``items`` (one per :class:`~monitor.models.Item`), written compactly
in that order: ``{"feeds":{..},"meta":{..},"items":{"1":{..},..}}``. A compaction writes
the items newest first (by :attr:`Item.time`), so the newest screenful is at the front of
the file and :func:`read_head` can read just that (the ids sidecar, :mod:`.sidecar`, says
whether a snapshot is in that order).

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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields
from pathlib import Path
from typing import IO, Any

import orjson
from tinydb.storages import Storage

from monitor.errors import HistoryError
from monitor.models import DEFERRABLE, Item

from .contents import FEEDS, ITEMS, MATCH_KEYS, META, SCHEMA_VERSION, Contents, unusable
from .files import Stamp, atomic_write, stamp
from .rows import Span, texts_in_memory

__all__ = ["OrjsonStorage", "chunks", "read_contents", "read_head"]

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


class _Layout(Exception):
    """The file is not laid out as we write it (or is broken): parse it whole instead."""


def chunks(
    contents: Contents, items: Sequence[Item], spans: list[tuple[Span, Span]] | None = None
) -> Iterator[bytes]:
    """The file of ``contents`` with ``items`` in that order (TinyDB document ids 1..N),
    compact JSON, in pieces of at most ``CHUNK_ITEMS`` items.

    ``spans``, when given, receives for each item where its summary's and text's JSON
    strings are in the file (for the load cache, :mod:`.rows`; ``(-1, 0)`` where not known)."""
    head = orjson.dumps(
        {FEEDS: contents.feeds, META: contents.meta, **contents.others},
        option=orjson.OPT_NON_STR_KEYS,
    )
    first = head[:-1] + _ITEMS_START[1:]
    yield first
    pos = len(first)
    extras = contents.extras
    for start in range(0, len(items), CHUNK_ITEMS):
        part = items[start : start + CHUNK_ITEMS]
        if extras:
            docs = {str(n): _with_extras(it, extras) for n, it in enumerate(part, start + 1)}
        else:
            docs = {str(n): it for n, it in enumerate(part, start + 1)}
        with texts_in_memory(part):
            body = orjson.dumps(docs)
        piece = (b"," if start else b"") + body[1:-1]
        if spans is not None:
            # body[i] is at file offset pos + i - 1 (+1 after the comma that joins chunks)
            plain = not extras or not any(it.id in extras for it in part)
            spans.extend(_spans(body, part, pos + (1 if start else 0) - 1, plain))
        yield piece
        pos += len(piece)
    yield b"}}"


# How each deferrable field's JSON string is found in an item document: the key, and the
# key that follows it (orjson writes a dataclass's fields in order; a string's own quotes
# are escaped, so neither sequence can occur inside one).
_FIELDS = [f.name for f in fields(Item)]
_MARKS = [
    (f',"{name}":'.encode(), f',"{_FIELDS[_FIELDS.index(name) + 1]}":'.encode())
    for name in DEFERRABLE
    if _FIELDS.index(name) + 1 < len(_FIELDS)
]
# Keys that may occur between them (match documents) must not look the same.
_SPANS_OK = len(_MARKS) == len(DEFERRABLE) and not set(DEFERRABLE) & MATCH_KEYS
_NO_SPAN: tuple[Span, Span] = ((-1, 0), (-1, 0))


def _spans(body: bytes, part: Sequence[Item], base: int, plain: bool) -> list[tuple[Span, Span]]:
    """Where each item's deferrable strings are in ``body`` (file offset ``base`` + index).

    Items carrying fields of a newer version (extras, written first in their document)
    could hold the keys inside them: for such a chunk, nothing is recorded."""
    none = [_NO_SPAN] * len(part)
    if not (_SPANS_OK and plain):
        return none
    out: list[tuple[Span, Span]] = []
    find, cursor = body.find, 0
    for _item in part:
        found = []
        for key, after in _MARKS:
            at = find(key, cursor)
            if at < 0:
                return none
            at += len(key)
            end = find(after, at)
            if end < 0:
                return none
            found.append((base + at, end - at) if body[at] == 0x22 else (-1, 0))  # '"'
            cursor = end
        out.append((found[0], found[1]))
    # Spot check (one item a chunk): the span decodes to the item's text.
    (s_at, s_len), _ = out[0]
    if s_at >= 0 and orjson.loads(body[s_at - base : s_at - base + s_len]) != part[0].summary:
        return none
    return out


def _with_extras(item: Item, extras: dict[str, dict[str, Any]]) -> Item | dict[str, Any]:
    extra = extras.get(item.id)
    return item if extra is None else {**extra, **item.to_dict()}


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
            f"history {path} does not exist; check the path or start a new history", another=True
        ) from None
    except IsADirectoryError:
        raise unusable(
            path, "is a directory, not a file", "Name a file as the history", another=False
        ) from None
    except PermissionError:
        raise unusable(
            path,
            "cannot be read (permission denied)",
            "Fix its permissions or use another history",
        ) from None
    except OSError as exc:
        raise unusable(path, f"cannot be read ({exc.strerror or exc})") from None
    return contents, version


def read_head(path: Path, items: int = 0) -> tuple[Contents, Stamp] | None:
    """The feeds and meta tables and the first ``items`` item documents or more (whole
    chunks; the rest stay on disk), for a file in the layout we write; None for any other
    layout or a read error (the caller then reads it whole, which words the error)."""
    try:
        with open(path, "rb") as fh:
            version = stamp(os.fstat(fh.fileno()))
            contents = _read_streamed(path, fh, items)
    except (OSError, _Layout):
        return None
    return contents, version


def _read_streamed(path: Path, fh: IO[bytes], limit: int | None = None) -> Contents:
    """Parse a file in the layout we write, a chunk of items at a time (until ``limit``
    items or more are read, when given).

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
    if limit is not None and limit <= 0:
        return contents
    for chunk in _chunks(fh, buf[at + len(_ITEMS_START) :]):
        docs = _loads(b"{" + chunk + b"}")
        if not isinstance(docs, dict):
            raise _Layout
        contents.add_docs(path, docs)
        del docs  # only one chunk of raw documents is alive at a time
        if limit is not None and len(contents.items) >= limit:
            break
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
        raise unusable(path, f"is empty ({len(raw)} bytes)")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise unusable(
            path, f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    del raw
    if not isinstance(data, dict):
        raise unusable(path, "is not a monitor history (the JSON is not an object)")
    contents = Contents()
    schema = contents.check_head(path, data)
    docs = data.setdefault(ITEMS, {})
    if not isinstance(docs, dict):
        raise unusable(path, f'is damaged (its "{ITEMS}" table is not a JSON object)')
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
