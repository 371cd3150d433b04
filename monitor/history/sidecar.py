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
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from .files import Stamp, atomic_write

__all__ = ["Sidecar", "ids_path", "read_sidecar", "write_sidecar"]


@dataclass(frozen=True, slots=True)
class Sidecar:
    ids: list[str]  # empty when read with ids=False
    newest_first: bool  # the snapshot's items are in :attr:`Item.time` order, newest first
    count: int  # how many items the snapshot holds


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


def read_sidecar(path: Path, gen: Any, version: Stamp, *, ids: bool = True) -> Sidecar | None:
    """The sidecar of snapshot ``version``, or None when missing or not its own.

    ``ids=False`` reads only its first few hundred bytes (the ids come last): the order,
    for opening newest first, without parsing 100k ids."""
    try:
        if ids:
            data = orjson.loads(ids_path(path).read_bytes())
        else:
            with open(ids_path(path), "rb") as fh:
                start = fh.read(4096)
            at = start.find(_IDS)
            data = orjson.loads(start[:at] + b"}") if at > 0 else None
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
    return Sidecar(found, data.get("order") == "newest-first", count)


_IDS = b',"ids":'  # where the ids start (written last)
