"""The ids sidecar (``<history>.ids``): what a compaction knows about its snapshot, kept
beside it so that opening does not have to read the whole snapshot.

It holds the snapshot's item ids (all a ``monitor poll`` needs to tell new items from
known ones) and whether the snapshot's items are written newest first (so the newest
screenful can be read from the front of the file). It is tied to one snapshot version
(generation and file stamp): after any other rewrite of the snapshot it no longer
applies and is ignored. Best effort: without it, opening reads the whole snapshot.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from .files import Stamp, atomic_write

__all__ = ["LazyIds", "Sidecar", "ids_path", "read_sidecar", "write_sidecar"]


@dataclass(frozen=True, slots=True)
class Sidecar:
    ids: list[str]  # empty when read with ids=False
    newest_first: bool  # the snapshot's items are in :attr:`Item.time` order, newest first
    count: int  # how many items the snapshot holds
    raw: bytes = b""  # the whole file, when read with ids=False, raw=True


class LazyIds:
    """The item ids of an ids-only history: parsed from the sidecar's bytes (read at open,
    so a later compaction elsewhere cannot change them) at the first question about them.

    A poll in which every feed answers 304 never asks: it saves parsing ~100k ids. Changes
    made before then (journal replay) are kept in order and applied on top."""

    __slots__ = ("_changes", "_raw", "_set")

    def __init__(self, raw: bytes) -> None:
        self._raw = raw
        self._set: set[str] | None = None
        self._changes: list[tuple[bool, list[str]]] = []  # (added?, ids), in order

    def _ids(self) -> set[str]:
        if self._set is None:
            found = orjson.loads(self._raw).get("ids")
            ids = set(found) if isinstance(found, list) else set()
            for added, changed in self._changes:
                if added:
                    ids.update(changed)
                else:
                    ids.difference_update(changed)
            self._set, self._raw, self._changes = ids, b"", []
        return self._set

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._ids()

    def __len__(self) -> int:
        return len(self._ids())

    def update(self, ids: Iterable[str]) -> None:
        if self._set is None:
            self._changes.append((True, list(ids)))
        else:
            self._set.update(ids)

    def difference_update(self, ids: Iterable[str]) -> None:
        if self._set is None:
            self._changes.append((False, list(ids)))
        else:
            self._set.difference_update(ids)


def ids_path(path: Path) -> Path:
    """The item ids of the snapshot, so a poll can skip loading the items themselves."""
    return path.with_name(path.name + ".ids")


def write_sidecar(
    path: Path, gen: str, version: Stamp, ids: list[str], *, newest_first: bool
) -> None:
    """Write the sidecar of the snapshot ``version`` (a failure only removes it)."""
    order = "newest-first" if newest_first else "file"
    body = orjson.dumps(
        {"gen": gen, "snapshot": list(version[:3]), "order": order, "count": len(ids), "ids": ids}
    )
    try:
        atomic_write(ids_path(path), body)
    except OSError:
        with suppress(OSError):
            os.unlink(ids_path(path))


def read_sidecar(
    path: Path, gen: Any, version: Stamp, *, ids: bool = True, raw: bool = False
) -> Sidecar | None:
    """The sidecar of snapshot ``version``, or None when missing or not its own.

    ``ids=False`` parses only its first few hundred bytes (the ids come last): the order,
    for opening newest first, without parsing 100k ids; ``raw=True`` then keeps the whole
    file's bytes (for :class:`LazyIds`)."""
    kept = b""
    try:
        if ids:
            data = orjson.loads(ids_path(path).read_bytes())
        else:
            with open(ids_path(path), "rb") as fh:
                start = fh.read() if raw else fh.read(4096)
            at = start.find(_IDS, 0, 4096)
            data = orjson.loads(start[:at] + b"}") if at > 0 else None
            kept = start if raw else b""
    except (OSError, orjson.JSONDecodeError):
        return None
    if (
        not isinstance(data, dict)
        or data.get("gen") != gen
        or data.get("snapshot") != list(version[:3])
    ):
        return None
    found = data.get("ids", [])
    if not isinstance(found, list):
        return None
    count = data.get("count", len(found))
    if type(count) is not int:
        return None
    return Sidecar(found, data.get("order") == "newest-first", count, kept)


_IDS = b',"ids":'  # where the ids start (written last)
