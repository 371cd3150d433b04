"""Keeping the UI's event loop first in line for the CPU while a poll runs.

The TUI does its heavy work (the list and counts, the search index, the stories) in thread
workers, but threads share one GIL with the event loop, and a 2-core machine with the parse
workers busy has little CPU to spare. While a poll fetches 200 feeds the loop releases the
GIL at every socket call; a thread indexing 100,000 items took it back each time, and the loop
waited up to the 5 ms switch interval per call: 50-200 ms stalls, measured
(``bench/run.py --only max_ui_stall_ms``). Three measures, all in this module:

- :class:`Pace`: background threads of the UI call ``pace()`` between small slices of work;
  while a poll runs and for a second after it (the App's ``hold()``/``release()``: the new
  list and sidebar are drawn meanwhile) each thread rests after a few milliseconds of
  work, so the loop runs most of the time and the work still advances (a search typed during
  a poll waits a little longer for its index, it is never blocked);
- :func:`ui_priorities`: the UI process hands the GIL over every millisecond instead of
  every 5, and starts its parse workers nicer (only the UI process: ``monitor poll`` keeps
  the defaults);
- :class:`GcWindow`: no full collection of the cyclic GC in the middle of a poll (one scans
  every object the app holds: 50-100 ms at 100,000 items); the poll's own objects are
  collected once at its end (a scan of what the poll made, as what existed before it was
  frozen when it started) and then frozen too. Nothing the UI keeps is cyclic garbage for
  long, so the only cost is garbage already old at a poll's start stays until the next big
  load thaws it (:mod:`monitor.history.memory`).

Headless (no Textual): the App owns one :class:`Pace` and one :class:`GcWindow`.
"""

from __future__ import annotations

import gc
import sys
import threading
import time

from monitor.history import memory
from monitor.parse import pool

__all__ = ["UI_SWITCH_INTERVAL", "GcWindow", "Pace", "ui_priorities"]

UI_SWITCH_INTERVAL = 0.001  # seconds a thread may hold the GIL while another waits (default 5 ms)
WORK_S = 0.003  # while the loop is busy, a background thread works this long ...
REST_S = 0.012  # ... then sleeps this long (a quarter of the time: the loop has the rest)
POLL_GC_THRESHOLD2 = 1_000_000  # no automatic full collection while a poll runs
WORKER_NICE = 5  # the parse workers' niceness in the TUI (see ui_priorities)


def ui_priorities() -> None:
    """Hand the GIL from a background thread to the event loop within 1 ms (see above), and
    start the parse workers a few steps nicer than the UI (their wall time on an idle
    machine is unchanged; on a busy one the loop gets the CPU first)."""
    if sys.getswitchinterval() > UI_SWITCH_INTERVAL:
        sys.setswitchinterval(UI_SWITCH_INTERVAL)
    pool.worker_nice = WORKER_NICE


class Pace:
    """Background threads give way to the event loop while it is busy (see the module)."""

    def __init__(self, work_s: float = WORK_S, rest_s: float = REST_S) -> None:
        self.work_s = work_s
        self.rest_s = rest_s
        self._busy = 0  # holds not yet released (the loop thread only)
        self._local = threading.local()  # each thread's start of its current slice

    @property
    def is_busy(self) -> bool:
        return self._busy > 0

    def hold(self) -> None:
        """The event loop has work of its own (a poll): background threads rest often until
        the matching ``release()`` (holds nest)."""
        self._busy += 1

    def release(self) -> None:
        self._busy = max(0, self._busy - 1)

    def __call__(self) -> None:
        """Called by a background thread between slices of work (never under a lock the loop
        may take): rests if it has worked ``work_s`` since its last rest and the loop is busy."""
        if not self._busy:
            return
        now = time.perf_counter()
        start = getattr(self._local, "start", None)
        if start is None or now - start > self.work_s + self.rest_s:
            self._local.start = now  # the first slice since the loop became busy
        elif now - start >= self.work_s:
            time.sleep(self.rest_s)
            self._local.start = time.perf_counter()


class GcWindow:
    """No full cyclic-GC collection during a poll; one small one after it (see the module)."""

    def __init__(self) -> None:
        self._saved: tuple[int, int, int] | None = None

    def open(self) -> None:
        """A poll starts: freeze what exists (a young collection first: cheap) and hold off
        full collections."""
        if self._saved is not None:
            return
        gc.collect(1)
        memory.after_big_load()  # gc.freeze(), and the next big load thaws it
        self._saved = gc.get_threshold()
        first, second, _ = self._saved
        gc.set_threshold(first, second, POLL_GC_THRESHOLD2)

    def close(self) -> None:
        """The poll's results are in: collect what the poll left (only objects made since
        ``open`` are scanned), freeze the rest, and restore the thresholds."""
        if self._saved is None:
            return
        gc.collect()
        memory.after_big_load()
        gc.set_threshold(*self._saved)
        self._saved = None
