"""The history's memory policy: keep Python's cyclic GC away from a large item list.

A 100k-item history is ~2M long-lived containers. Built with the GC running, every
allocation burst triggers a generation-2 scan of the growing heap (a load several times
slower); left to the GC afterwards, each full collection freezes every thread (the UI)
for ~100 ms. Nothing the history builds is cyclic, so reference counting frees it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["FREEZE_BYTES", "after_big_load", "before_big_load", "gc_paused", "release"]

FREEZE_BYTES = 16 << 20  # from this file size on (~12k items), a load ends with gc.freeze()
_froze = False  # whether a load of this process has called gc.freeze()


def is_big(size: int) -> bool:
    return size >= FREEZE_BYTES


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while building many objects at once."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def before_big_load() -> None:
    """Thaw and collect what the previous big load froze.

    gc.freeze() freezes every live object of the process, not just the items: in the TUI
    that includes widgets later removed, whose cycles only the cyclic GC can free. So
    each big load first thaws what the last one froze and collects it (garbage made since
    is freed here, at the latest), then freezes afresh. Freezing only once per process
    would instead leave every later load's items to be rescanned, and the first load's
    garbage frozen for good."""
    if _froze:  # the first load has nothing of ours to thaw: skip the collection
        gc.unfreeze()
        gc.collect()  # so no garbage is frozen with the items below


def after_big_load() -> None:
    """Keep the cyclic GC from rescanning a million long-lived objects."""
    global _froze
    gc.freeze()
    _froze = True


def release(items: dict[Any, Any]) -> None:
    """Empty a replaced item dict one item at a time.

    Dropping 100k items at once is one long C call (a cascade of deallocations) that
    holds the GIL; item by item, other threads (the UI) run in between. Items still
    referenced elsewhere simply live on."""
    popitem = items.popitem
    for _ in range(len(items)):
        popitem()
