"""monitor.pace: background threads rest while the loop is busy; no full GC mid-poll."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from monitor import pace as pace_module
from monitor.pace import GcWindow, Pace


def test_a_background_thread_rests_only_while_the_loop_is_busy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rests: list[float] = []
    monkeypatch.setattr(pace_module.time, "sleep", rests.append)
    clock = iter(x * 0.001 for x in range(10_000))
    monkeypatch.setattr(pace_module.time, "perf_counter", lambda: next(clock))
    pace = Pace(work_s=0.003, rest_s=0.012)
    for _ in range(20):
        pace()
    assert rests == []  # not busy: never sleeps
    pace.hold()
    assert pace.is_busy
    for _ in range(20):  # each call is 1 ms of work later: a rest every ~3 ms of work
        pace()
    pace.release()
    assert not pace.is_busy
    assert 4 <= len(rests) <= 7
    assert set(rests) == {0.012}


def test_each_thread_paces_its_own_slices() -> None:
    pace = Pace(work_s=10.0, rest_s=0.0)  # never rests within a test's time
    pace.hold()
    done = []
    worker = threading.Thread(target=lambda: done.append(pace() or True))
    worker.start()
    worker.join()
    pace()
    pace.release()
    assert done == [True]


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_the_gc_window_holds_off_full_collections_and_collects_the_polls_garbage() -> None:
    window = GcWindow()
    before = gc.get_threshold()
    window.open()
    try:
        assert gc.get_threshold()[2] > before[2]  # no automatic full collection mid-poll
        a, b = _Node(), _Node()
        a.other, b.other = b, a  # a cycle made during the poll, then dropped
        dead = weakref.ref(a)
        del a, b
    finally:
        window.close()
    assert dead() is None  # the poll's cyclic garbage is freed when it ends, not frozen
    assert gc.get_threshold() == before
    window.close()  # closing twice is harmless
    assert gc.get_threshold() == before
    gc.unfreeze()
