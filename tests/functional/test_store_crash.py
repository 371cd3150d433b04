"""The history survives writers killed at random moments and writers running at once.

Real processes (tests/store_writer.py), real SIGKILLs, real file locks; every wait is bounded.
"""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from monitor.errors import HistoryError
from monitor.history import History
from monitor.models import Item
from tests.helpers.store_writer import make_item

pytestmark = pytest.mark.slow

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and flock are POSIX")

WRITER = Path(__file__).resolve().parents[1] / "helpers" / "store_writer.py"


def item(item_id: str, n: int = 0) -> Item:
    """The same shape of item as the writer process commits."""
    return make_item(item_id, n)


class Writer:
    """A store_writer.py process whose stdout lines are collected by a thread."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(WRITER), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def wait_line(self, prefix: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if line.startswith(prefix):
                return line
        self.kill()
        err = self.proc.stderr.read() if self.proc.stderr else ""
        raise AssertionError(
            f"no {prefix!r} line from the writer within {timeout} s; stderr: {err[-2000:]}"
        )

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._reader.join(timeout=10)
        while not self.lines.empty():
            self.seen.append(self.lines.get_nowait())

    def finish(self, timeout: float = 30.0) -> None:
        try:
            code = self.proc.wait(timeout=timeout)
        finally:
            self.kill()
        err = self.proc.stderr.read() if self.proc.stderr else ""
        assert code == 0, f"writer failed ({code}): {err[-2000:]}"


@contextmanager
def writer(*args: str) -> Iterator[Writer]:
    w = Writer(*args)
    try:
        yield w
    finally:
        w.kill()
        for stream in (w.proc.stdout, w.proc.stderr):
            if stream:
                stream.close()


def test_writer_killed_at_random_moments_never_loses_a_commit(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    # ~1.5 MB of seed items, so each commit spends real time writing and many kills land mid-write.
    History.open(path).add_items(item(f"s:{n}", n) for n in range(2500))
    rng = random.Random(20251001)
    committed: set[int] = set()
    kills = mid_write = 0
    deadline = time.monotonic() + 20.0
    while kills < 30 and time.monotonic() < deadline:
        with writer("append", str(path)) as w:
            w.wait_line("ready")
            time.sleep(rng.uniform(0.0, 0.25))
            w.kill()
        kills += 1
        committed |= {int(line.split()[1]) for line in w.seen if line.startswith("committed ")}
        mid_write += path.with_name(".history.json.tmp").exists()

        history = History.open(path)  # must load, whatever moment the kill hit
        ids = {i.id for i in history.items()}
        missing = [b for b in sorted(committed) if not all(f"w:{b}:{j}" in ids for j in range(5))]
        assert not missing, f"batches reported committed but lost after kill {kills}: {missing}"
        batches = {i.split(":")[1] for i in ids if i.startswith("w:")}
        torn = [b for b in batches if not all(f"w:{b}:{j}" in ids for j in range(5))]
        assert not torn, f"partially written batches after kill {kills}: {torn}"
        assert len([i for i in ids if i.startswith("s:")]) == 2500
        if committed:  # a kill before the first commit leaves no feed state yet
            assert history.feed_states()["unn-en"].last_new >= max(committed)

    assert kills >= 10, f"only {kills} kills fitted in the time budget"
    assert committed, "the writer never committed anything"
    print(
        f"\nsurvived {kills} SIGKILLs ({mid_write} left a half-written temp file); {len(committed)} commits kept"
    )


def test_poller_and_flagger_processes_never_lose_each_others_updates(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    go = tmp_path / "go"
    History.open(path).add_items(item(f"s:{n}", n) for n in range(100))
    with (
        writer("adder", str(path), str(go), "40") as adder,
        writer("flagger", str(path), str(go), "100") as flagger,
    ):
        go.touch()
        adder.finish()
        flagger.finish()

    history = History.open(path)
    for batch in range(40):
        for j in range(10):
            assert history.get(f"a:{batch}:{j}") is not None, (
                f"item a:{batch}:{j} added by the poller was lost"
            )
    for n in range(100):
        seed = history.get(f"s:{n}")
        assert seed is not None
        if n % 2 == 0:
            assert seed.flag_override is True, f"flag on s:{n} was lost"
        else:
            assert seed.read is True, f"read mark on s:{n} was lost"
    assert len(history) == 100 + 400
    print("\n" + next(line for line in flagger.seen if line.startswith("done")))


def test_lock_left_by_a_killed_writer_does_not_block(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    History.open(path).add_items([item("s:0")])
    with writer("hold", str(path)) as holder:
        holder.wait_line("holding")  # killed below in the middle of a transaction, lock held
        with pytest.raises(HistoryError, match="locked by another monitor process"):
            History.open(path, lock_timeout=0.2).add_items([item("blocked")])
        holder.kill()

    history = History.open(path, lock_timeout=5.0)
    assert history.add_items([item("after")])[0].id == "after"
    reopened = History.open(path)
    assert reopened.get("after") is not None
    assert reopened.get("blocked") is None
    assert (
        reopened.get("s:0") is not None and reopened.get("s:0").read is False
    )  # half-done change never landed


def test_writer_killed_during_compactions_never_loses_a_commit(tmp_path: Path) -> None:
    """SIGKILL at random moments of commit + compact cycles: every acknowledged commit is
    kept, no batch is half there, and the history always opens (the journal of a killed
    compaction is either the old one, already folded in, or the new one)."""
    path = tmp_path / "history.json"
    History.open(path).add_items(item(f"s:{n}", n) for n in range(2500))
    rng = random.Random(20251202)
    committed: set[int] = set()
    kills = 0
    deadline = time.monotonic() + 20.0
    while kills < 30 and time.monotonic() < deadline:
        with writer("compactor", str(path)) as w:
            w.wait_line("ready")
            time.sleep(rng.uniform(0.0, 0.3))
            w.kill()
        kills += 1
        committed |= {int(line.split()[1]) for line in w.seen if line.startswith("committed ")}

        history = History.open(path)  # must load, whatever moment the kill hit
        ids = {i.id for i in history.items()}
        missing = [b for b in sorted(committed) if not all(f"w:{b}:{j}" in ids for j in range(5))]
        assert not missing, f"batches reported committed but lost after kill {kills}: {missing}"
        batches = {i.split(":")[1] for i in ids if i.startswith("w:")}
        torn = [b for b in batches if not all(f"w:{b}:{j}" in ids for j in range(5))]
        assert not torn, f"partially written batches after kill {kills}: {torn}"
        assert len([i for i in ids if i.startswith("s:")]) == 2500
        assert len(history) == 2500 + 5 * len(batches)  # nothing replayed twice
        # Summaries and article texts (from the snapshot, via its load cache) are intact.
        wrong = [
            i.id
            for i in history.items()
            if (i.summary, i.text) != (item(i.id).summary, item(i.id).text)
        ]
        assert not wrong, f"texts changed after kill {kills}: {wrong[:3]}"
    assert kills >= 10, f"only {kills} kills fitted in the time budget"
    assert committed, "the writer never committed anything"


def test_one_process_compacts_while_another_appends(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    go = tmp_path / "go"
    History.open(path).add_items(item(f"s:{n}", n) for n in range(100))
    with (
        writer("adder", str(path), str(go), "40") as adder,
        writer("compact_loop", str(path), str(go), "30") as compactor,
        writer("flagger", str(path), str(go), "100") as flagger,
    ):
        go.touch()
        adder.finish()
        compactor.finish()
        flagger.finish()

    history = History.open(path)
    for batch in range(40):
        for j in range(10):
            assert history.get(f"a:{batch}:{j}") is not None, f"item a:{batch}:{j} was lost"
    for n in range(100):
        seed = history.get(f"s:{n}")
        assert seed is not None
        assert (seed.flag_override is True) if n % 2 == 0 else seed.read, (
            f"change to s:{n} was lost"
        )
    assert len(history) == 100 + 400
