"""The load cache (``<history>.rows``): the snapshot's items as compact rows, so that opening
a large history does not parse its JSON, and summaries and article texts stay on disk.

Parsing 137 MB of JSON and building 100k :class:`Item` objects from the documents took
~1 s of CPU; most of it, and ~90 MB of memory, went to summaries and texts that only the
detail pane, the search index, matching and the briefing ever read. A compaction, which
writes the snapshot itself, also writes this file: one tuple per item (the fields in
``Item`` order, times as ISO strings, matches as tuples), ``marshal``-ed, where a long
summary or text is the position of its JSON string in the snapshot. Opening reads the
rows instead of the items table, and each such field becomes a :class:`Stored` that
reads its string from the snapshot when someone asks for it (``os.pread`` on a file
descriptor of that very snapshot: a later compaction, which replaces the snapshot,
leaves the descriptor on the old file).

The snapshot stays the truth: the rows name the snapshot's generation and file (inode,
size, mtime) and Python's marshal version, carry a CRC-32, and are ignored (the JSON is
parsed as before) whenever any of that does not match, the file is missing or damaged,
or ``Item``/``Match`` gained or lost a field. Best effort: a failure to write them only
removes them.
"""

from __future__ import annotations

import marshal
import os
import struct
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from monitor.errors import HistoryError
from monitor.models import DEFERRABLE, Deferred, Item, Match, raw_field, set_raw_field

from .files import Stamp, atomic_write

__all__ = [
    "Span",
    "Stored",
    "read_rows",
    "remove_rows",
    "rows_path",
    "texts_in_memory",
    "write_rows",
]

ITEM_FIELDS = tuple(f.name for f in fields(Item))
MATCH_FIELDS = tuple(f.name for f in fields(Match))
_MAGIC = b"MROWS\x00\x01\n"
_HEAD = struct.Struct("<8sII")  # magic, header length, CRC-32 of the body
_INLINE = 48  # shorter texts are kept in the row (a Stored costs about as much memory)
# Where each deferrable field sits in a row, and which field follows it in a document
# (its JSON string in the snapshot ends where `,"<next>":` starts).
_POS = {name: ITEM_FIELDS.index(name) for name in DEFERRABLE}
_TIMES = (ITEM_FIELDS.index("published"), ITEM_FIELDS.index("first_seen"))
_MATCHES = ITEM_FIELDS.index("matches")
_UTC = UTC

Span = tuple[int, int]  # (offset, length) of one JSON string in the snapshot; (-1, 0): none


def rows_path(path: Path) -> Path:
    return path.with_name(path.name + ".rows")


def _identity() -> dict[str, Any]:
    """What the rows' layout depends on besides the snapshot."""
    return {
        "marshal": marshal.version,
        "python": list(sys.version_info[:2]),
        "item": list(ITEM_FIELDS),
        "match": list(MATCH_FIELDS),
    }


_BLOCK = 256 << 10  # read ahead: a scan in file order (newest first) costs a read per ~200


class SnapshotFile:
    """An open descriptor of one snapshot file, shared by the :class:`Stored` texts in it.

    Keeps the last block read: whoever reads every item's summary (the search index, a
    watchlist test, a retag) goes in file order, so most reads are a slice of memory."""

    __slots__ = ("block", "fd", "path")

    def __init__(self, path: Path, fd: int) -> None:
        self.path, self.fd = path, fd
        self.block: tuple[int, bytes] = (0, b"")  # (offset, data), replaced whole

    def __del__(self) -> None:
        with suppress(OSError, TypeError):
            os.close(self.fd)

    def read(self, at: int, size: int) -> str:
        start, block = self.block
        offset = at - start
        try:
            if not (0 <= offset and offset + size <= len(block)):
                if size >= _BLOCK:
                    block, offset = os.pread(self.fd, size, at), 0
                else:
                    block, offset = os.pread(self.fd, _BLOCK, at), 0
                    self.block = (at, block)
            end = offset + size
            if size < 2 or block[offset] != 0x22 or block[end - 1] != 0x22:  # '"'
                text = None
            elif block.find(b"\\", offset, end) < 0:  # no escapes: the UTF-8 text itself
                text = block[offset + 1 : end - 1].decode()
            else:
                text = orjson.loads(memoryview(block)[offset:end])
        except (OSError, UnicodeDecodeError, orjson.JSONDecodeError):
            text = None
        if type(text) is not str:
            raise HistoryError(
                f"history {self.path} was changed in place while open; restart monitor"
            )
        return text


class Stored(Deferred):
    """A summary or text kept in the snapshot: offset, JSON length and characters, packed."""

    __slots__ = ("file", "packed")

    def __init__(self, file: SnapshotFile, packed: int) -> None:
        self.file, self.packed = file, packed

    @property
    def chars(self) -> int:
        return self.packed & 0xFFFFFFFF

    def load(self) -> str:
        packed = self.packed
        return self.file.read(packed >> 64, (packed >> 32) & 0xFFFFFFFF)


@contextmanager
def texts_in_memory(items: Iterable[Item]) -> Iterator[None]:
    """Hold the deferred texts of ``items`` as strings while orjson serialises them.

    orjson reads a slotted dataclass's fields with a borrowed reference: a property that
    returns a fresh string (as a deferred field does) would be freed under it. The
    caller holds the history's mutex, so no write to these items interleaves."""
    swapped = []
    for item in items:
        for name in DEFERRABLE:
            value = raw_field(item, name)
            if value.__class__ is not str:
                set_raw_field(item, name, value.load())
                swapped.append((item, name, value))
    try:
        yield
    finally:
        for item, name, value in swapped:
            set_raw_field(item, name, value)


def _pack(span: Span, chars: int) -> int:
    return span[0] << 64 | span[1] << 32 | chars


def write_rows(
    path: Path,
    gen: str,
    version: Stamp,
    items: Sequence[Item],
    spans: Sequence[tuple[Span, Span]],
) -> SnapshotFile | None:
    """Write the rows of snapshot ``version`` (its items in file order, ``spans`` from
    :func:`monitor.history.format.chunks`). Returns the snapshot's file for re-pointing
    the items at it, or None when the rows could not be written (they are removed)."""
    try:
        rows = [_row(item, span) for item, span in zip(items, spans, strict=True)]
        body = marshal.dumps(rows)
        header = marshal.dumps(
            {"gen": gen, "snapshot": list(version[:3]), "count": len(items), **_identity()}
        )
        file = _open_snapshot(path, version)
        if file is None:
            raise ValueError("the snapshot was replaced")
        atomic_write(
            rows_path(path),
            [_HEAD.pack(_MAGIC, len(header), zlib.crc32(body)), header, body],
        )
    except (OSError, ValueError):  # ValueError: a field marshal cannot write
        remove_rows(path)
        return None
    # The items now read their texts from the new snapshot, as a fresh load's would: the
    # old one's disk space is freed, and texts that arrived since the last load leave memory.
    for item, row in zip(items, rows, strict=True):
        for name, at in _POS.items():
            if row[at].__class__ is int:
                set_raw_field(item, name, Stored(file, row[at]))
    return file


def remove_rows(path: Path) -> None:
    with suppress(OSError):
        os.unlink(rows_path(path))


def _row(item: Item, spans: tuple[Span, Span]) -> tuple[Any, ...]:
    values = [raw_field(item, name) for name in ITEM_FIELDS]
    for (name, at), span in zip(_POS.items(), spans, strict=True):
        value = values[at]
        chars = len(value) if value.__class__ is str else value.chars
        if span[0] >= 0 and chars > _INLINE:
            values[at] = _pack(span, chars)
        elif value.__class__ is not str:
            values[at] = getattr(item, name)
    for at in _TIMES:
        value = values[at]
        values[at] = None if value is None else value.isoformat()
    values[_MATCHES] = tuple(
        tuple(getattr(m, name) for name in MATCH_FIELDS) for m in values[_MATCHES]
    )
    return tuple(values)


def _open_snapshot(path: Path, version: Stamp) -> SnapshotFile | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if (st.st_ino, st.st_size, st.st_mtime_ns) != tuple(version[:3]):
            os.close(fd)
            return None
    except OSError:
        os.close(fd)
        return None
    return SnapshotFile(path, fd)


def read_rows(
    path: Path, gen: Any, version: Stamp, share: Callable[[str, str], str]
) -> list[Item] | None:
    """The items of snapshot ``version`` from its rows, or None when there are none that
    fit it (then the snapshot is parsed instead)."""
    if not isinstance(gen, str) or not gen:
        return None
    try:
        with open(rows_path(path), "rb") as fh:
            data = fh.read()
        magic, size, crc = _HEAD.unpack_from(data)
        header = marshal.loads(data[_HEAD.size : _HEAD.size + size])
        if (
            magic != _MAGIC
            or not isinstance(header, dict)
            or header.get("gen") != gen
            or header.get("snapshot") != list(version[:3])
            or any(header.get(k) != v for k, v in _identity().items())
        ):
            return None
        body = memoryview(data)[_HEAD.size + size :]
        if zlib.crc32(body) != crc:
            return None
        rows = marshal.loads(body)
        del body, data
    except (OSError, EOFError, ValueError, TypeError, struct.error):
        return None
    file = _open_snapshot(path, version)
    if file is None or not isinstance(rows, list) or len(rows) != header.get("count"):
        return None
    try:
        return _items(rows, file, share)
    except (TypeError, ValueError, IndexError, AttributeError):
        return None


def _compile_builder() -> Callable[..., list[Item]]:
    """A loop turning rows into items by positional unpacking and slot stores, generated
    from the dataclass fields (as :mod:`dataclasses` generates ``__init__``): per item,
    a generic loop over 13 fields costs several times as much."""
    names = [f"f{n}" for n in range(len(ITEM_FIELDS))]
    m_names = [f"m{n}" for n in range(len(MATCH_FIELDS))]
    lines = [
        "def build(rows, file, share):",
        "    out = []",
        "    append = out.append",
        "    for row in rows:",
        f"        {', '.join(names)}, = row",
    ]
    for at in _TIMES:
        v = names[at]
        lines.append(f"        if {v} is not None:")
        lines.append(f"            {v} = fromiso({v})")
        lines.append(f"            if {v}.tzinfo is not utc: {v} = {v}.astimezone(utc)")
    for at in _POS.values():
        v = names[at]
        lines.append(f"        if {v}.__class__ is int:")
        lines.append(f"            stored = new(Stored); stored.file = file; stored.packed = {v}")
        lines.append(f"            {v} = stored")
        lines.append(f"        elif {v}.__class__ is not str: raise TypeError('a bad text')")
    m = names[_MATCHES]
    lines += [
        f"        if {m}:",
        "            found = []",
        f"            for {', '.join(m_names)}, in {m}:",
        "                match = new(Match)",
        *(
            f"                match.{name} = {v}"
            for name, v in zip(MATCH_FIELDS, m_names, strict=True)
        ),
        "                found.append(match)",
        f"            {m} = found",
        "        else:",
        f"            {m} = []",
        "        item = new(Item)",
        *(f"        item.{name} = {v}" for name, v in zip(ITEM_FIELDS, names, strict=True)),
        "        item.feed = share(item.feed, item.feed)",
        "        append(item)",
        "    return out",
    ]
    namespace: dict[str, Any] = {
        "new": object.__new__,
        "Item": Item,
        "Match": Match,
        "Stored": Stored,
        "fromiso": datetime.fromisoformat,
        "utc": _UTC,
    }
    exec("\n".join(lines), namespace)
    return namespace["build"]  # type: ignore[no-any-return]


_build = _compile_builder()


def _items(rows: list[Any], file: SnapshotFile, share: Callable[[str, str], str]) -> list[Item]:
    return _build(rows, file, share)
