"""The journal: an append-only file of changes beside the snapshot (``<history>.journal``).

Rewriting a 100k-item snapshot to record one flag or one poll's feed states costs ~130 MB
of writes; a journal record costs what changed. Each transaction of :class:`History` is
one record, appended and ``fsync``-ed under the history lock. A reader replays the
records after the snapshot, and later only what was appended since (by offset).

A record on disk is ``b"MJ"``, the payload's length and CRC-32 (both 4-byte little
endian), then the payload, compact JSON::

    {"v": 2, "gen": "<snapshot generation>"}                     the first record (head)
    {"v": 2, "items": [...], "feeds": [...], "set": [[ids, {field: value}]],
     "matches": {id: [...]}, "drop": [ids], "meta": {...}}       one per transaction

A record that is cut short (the writer died mid-append) or damaged ends the journal: it
and everything after it are ignored, and the next writer cuts them off before appending.
The head names the snapshot generation the journal belongs to; a journal whose head does
not match its snapshot was already folded in by a compaction that died before replacing
it, and is ignored. A record from a newer schema is refused, never skipped.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from monitor.errors import HistoryError
from monitor.models import Item

from .files import atomic_write
from .rows import texts_in_memory

__all__ = ["JOURNAL_VERSION", "Journal", "Tail", "encode", "journal_path", "read_records"]

JOURNAL_VERSION = 2  # the history schema whose records this module reads and writes
MAGIC = b"MJ"
_HEADER = struct.Struct("<2sII")  # magic, payload length, CRC-32 of the payload
MAX_RECORD = 256 << 20  # a longer length field is damage, not a record


def journal_path(history: Path) -> Path:
    return history.with_name(history.name + ".journal")


_SLICE = 500  # items serialised per orjson call (a few ms, during which no other thread runs)


def encode(record: dict[str, Any]) -> bytes:
    """One framed record (dataclasses such as ``Item`` serialise as their fields).

    Many new items are serialised a slice at a time and spliced: orjson holds the GIL, and
    10,000 items at once would freeze the UI's event loop for ~50 ms."""
    items = record.get("items")
    with texts_in_memory(it for it in items or () if isinstance(it, Item)):
        return _encode(record, items)


def _encode(record: dict[str, Any], items: Any) -> bytes:
    if isinstance(items, list) and len(items) > _SLICE:
        rest = _dumps({k: v for k, v in record.items() if k != "items"})
        parts = [_dumps(items[i : i + _SLICE])[1:-1] for i in range(0, len(items), _SLICE)]
        payload = rest[:-1] + (b"," if len(rest) > 2 else b"") + b'"items":['
        payload += b",".join(parts) + b"]}"
    else:
        payload = _dumps(record)
    return _HEADER.pack(MAGIC, len(payload), zlib.crc32(payload)) + payload


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


@dataclass(slots=True)
class Tail:
    """What a read of the journal found: the records, where the valid part ends, and
    whether anything (a torn or damaged record) follows that end."""

    records: list[dict[str, Any]]
    end: int
    damaged: bool
    size: int = 0  # the file's size as read (what follows ``end`` is torn or damaged)


def read_records(data: bytes, start: int, path: Path) -> Tail:
    """The whole records in ``data`` from ``start`` on; stops at the first bad one."""
    records: list[dict[str, Any]] = []
    at, size, head = start, len(data), _HEADER.size
    while at + head <= size:
        magic, length, crc = _HEADER.unpack_from(data, at)
        if magic != MAGIC or length > MAX_RECORD or at + head + length > size:
            break
        payload = data[at + head : at + head + length]
        if zlib.crc32(payload) != crc:
            break
        try:
            record = orjson.loads(payload)
        except orjson.JSONDecodeError:
            break
        if not isinstance(record, dict):
            break
        version = record.get("v")
        if not isinstance(version, int) or version > JOURNAL_VERSION:
            raise HistoryError(
                f"history journal {path} has a record from a newer monitor (schema {version!r}; "
                f"this one reads up to {JOURNAL_VERSION}); it was left untouched. "
                "Upgrade monitor or use another history",
                another=True,
            )
        records.append(record)
        at += head + length
    return Tail(records, at, at < size, size)


class Journal:
    """The journal file of one history: reading from an offset, appending, starting afresh."""

    def __init__(self, history: Path) -> None:
        self.path = journal_path(history)

    def stat(self) -> tuple[int, int] | None:
        """(inode, size), or None when there is no journal."""
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_ino, st.st_size)

    def read_from(self, inode: int | None, offset: int) -> tuple[int, Tail] | None:
        """The records after ``offset`` of the journal file ``inode`` (any file when None,
        from the start); None when there is no journal. Returns the inode read."""
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise HistoryError(
                f"cannot read history journal {self.path} ({exc.strerror or exc})"
            ) from None
        try:
            st = os.fstat(fd)
            if inode is not None and st.st_ino != inode:
                offset = 0  # replaced since: read the new one from its start
            with os.fdopen(fd, "rb", closefd=False) as fh:
                fh.seek(offset)
                data = fh.read()
        finally:
            os.close(fd)
        tail = read_records(data, 0, self.path)
        tail.end += offset
        tail.size += offset
        return st.st_ino, tail

    def start(self, gen: str) -> int:
        """Replace the journal with one holding only the head of generation ``gen``."""
        atomic_write(self.path, encode({"v": JOURNAL_VERSION, "gen": gen}))
        return os.stat(self.path).st_ino

    def append(self, records: Iterator[bytes] | list[bytes], valid_end: int) -> tuple[int, int]:
        """Append framed records at ``valid_end`` (cutting off a torn tail first), fsync.

        The caller holds the history lock. Returns (inode, new end)."""
        fd = os.open(self.path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            st = os.fstat(fd)
            if st.st_size != valid_end:
                os.ftruncate(fd, valid_end)  # a torn record a killed writer left behind
            os.lseek(fd, valid_end, os.SEEK_SET)
            end = valid_end
            for blob in records:
                view = memoryview(blob)
                while view:
                    view = view[os.write(fd, view) :]
                end += len(blob)
            os.fsync(fd)
            return st.st_ino, end
        finally:
            os.close(fd)
