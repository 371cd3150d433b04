"""The user's changes to items (read, flag, pin, note), applied to the history in order.

Headless: the UI queues a change and drains the queue in one thread worker at a time; the
history is written off the event loop, in exactly the order the keys were pressed. A change
reads the state it flips from the history when it runs, so quick repeated toggles all count.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from monitor.history import History
from monitor.models import Item

Change = Callable[[History], object]
ReadFlag = tuple[bool, bool]  # an item's (read, flagged)
Applied = Callable[[Item | None, ReadFlag | None, ReadFlag | None], object]


def hand_flag(item: Item, flagged: bool) -> bool | None:
    """The flag override that shows ``item`` as ``flagged``: None (automatic) when the
    watchlists already say so, so a hand flag that agrees with them follows them again."""
    return None if flagged == bool(item.matches) else flagged


def toggle_flag(history: History, item_id: str) -> None:
    """Flip the item's flag from its current state (see :func:`hand_flag`)."""
    item = history.get(item_id)
    if item is not None:
        history.set_flag(item_id, hand_flag(item, not item.flagged))


def toggle_read(history: History, item_id: str) -> None:
    item = history.get(item_id)
    if item is not None:
        history.set_read(item_id, not item.read)


class WriteQueue:
    """A thread-safe FIFO of history changes with at most one drainer at a time."""

    def __init__(self) -> None:
        self._pending: deque[tuple[Change, Item | None]] = deque()
        self._lock = threading.Lock()  # guards _pending and _draining
        self._draining = False

    def put(self, change: Change, item: Item | None = None) -> bool:
        """Queue ``change`` (to ``item``, when it is about one item). True when no drainer is
        running: the caller must start one (:meth:`drain`, in a thread)."""
        with self._lock:
            self._pending.append((change, item))
            start, self._draining = not self._draining, True
        return start

    def drain(self, history: History, applied: Applied) -> None:
        """Apply every queued change in order, then return; ``applied(item, was, now)``
        after each. A change that raises stops the drain (the rest stay queued)."""
        try:
            while True:
                with self._lock:
                    if not self._pending:
                        self._draining = False
                        return
                    change, item = self._pending.popleft()
                was = (item.read, item.flagged) if item is not None else None
                change(history)
                now = (item.read, item.flagged) if item is not None else None
                applied(item, was, now)
        except BaseException:
            with self._lock:
                self._draining = False
            raise

    def clear(self) -> None:
        """Drop the changes not applied yet (after a failed write: they were built on it)."""
        with self._lock:
            self._pending.clear()
