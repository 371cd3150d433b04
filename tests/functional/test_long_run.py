"""A long `monitor poll --loop` against a loopback server: nothing leaks, nothing is lost.

One real subprocess polls four feeds (two whose items change every cycle, one failing,
one answering 304) for many cycles; psutil watches its memory, file descriptors and
sockets, and the history must end up holding every item served exactly once.
Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import orjson
import psutil
import pytest

from monitor.history import History
from monitor.parse import item_id
from tests.helpers.feedserver import FeedServer, RequestInfo, rss

pytestmark = pytest.mark.slow

CYCLES = 25  # `--loop` sleeps at least 1 s between cycles, so this is ~30 s of wall time
DEADLINE = 90.0  # seconds; the process is killed past this
ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


@dataclass(slots=True)
class Sample:
    cycle: int  # polls of the always-due feed the server has seen
    rss: int
    fds: int
    sockets: int
    at: float


class ChangingFeed:
    """Serves a sliding window: each request adds ``step`` new items and drops old ones."""

    def __init__(self, prefix: str, step: int, window: int) -> None:
        self.prefix, self.step, self.window = prefix, step, window
        self.served: set[str] = set()
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, info: RequestInfo) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.count += self.step
            first = max(0, self.count - self.window)
            guids = [f"{self.prefix}-{n}" for n in range(first, self.count)]
            self.served.update(guids)
        items = [
            {
                "guid": g,
                "title": f"{'Drone' if n % 3 == 0 else 'Budget'} news {g}",
                "link": f"https://example.org/{g}",
                "description": f"Item {g} text " * 20,
            }
            for n, g in enumerate(reversed(guids))
        ]
        return 200, {"Content-Type": "application/rss+xml"}, rss(items)


def config_text(server: FeedServer) -> str:
    return f"""
[settings]
poll_interval = "1s"
retention_days = 0
timeout = "5s"

[[feeds]]
name = "Growing"
url = "{server.url("/grow.xml")}"
interval = "1s"

[[feeds]]
name = "Churning"
url = "{server.url("/churn.xml")}"
interval = "1s"

[[feeds]]
name = "Broken"
url = "{server.url("/fail.xml")}"
interval = "1s"

[[feeds]]
name = "Static"
url = "{server.url("/static.xml")}"
interval = "1s"

[[watchlists]]
name = "Drones"
terms = ["drone"]
"""


def sample(proc: psutil.Process, cycle: int) -> Sample | None:
    try:
        with proc.oneshot():
            return Sample(
                cycle,
                proc.memory_info().rss,
                proc.num_fds(),
                len(proc.net_connections(kind="inet")),
                time.monotonic(),
            )
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return None


def at_cycle(samples: list[Sample], cycle: int) -> Sample:
    """The last sample taken while the process was at ``cycle`` (or the nearest before)."""
    eligible = [s for s in samples if s.cycle <= cycle]
    return eligible[-1]


def test_poll_loop_keeps_memory_fds_and_sockets_flat_and_stores_every_item_once(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    grow = ChangingFeed("g", step=3, window=10)
    churn = ChangingFeed("c", step=6, window=6)  # every item replaced every cycle
    feed_server.route("/grow.xml", handler=grow)
    feed_server.route("/churn.xml", handler=churn)
    feed_server.route("/fail.xml", b"oops", status=500, content_type="text/plain")
    static_items = [
        {"guid": f"s-{n}", "title": f"Static {n}", "link": f"https://example.org/s{n}"}
        for n in range(5)
    ]
    feed_server.route("/static.xml", rss(static_items), etag='"v1"')
    config = tmp_path / "feeds.toml"
    config.write_text(config_text(feed_server), encoding="utf-8")
    db = tmp_path / "history.json"

    started = time.monotonic()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "monitor",
            "--config",
            str(config),
            "--db",
            str(db),
            "poll",
            "--loop",
            "--cycles",
            str(CYCLES),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    proc = psutil.Process(child.pid)
    samples: list[Sample] = []
    try:
        while child.poll() is None:
            assert time.monotonic() - started < DEADLINE, (
                f"poll --loop still running after {DEADLINE}s"
            )
            s = sample(proc, feed_server.hits("/static.xml"))
            if s is not None:
                samples.append(s)
            time.sleep(0.1)
        out, err = child.communicate(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
    elapsed = time.monotonic() - started

    assert child.returncode in (0, 1), err  # 1: the last cycle had a failing feed
    assert feed_server.hits("/static.xml") == CYCLES, out
    s1, s10, end = at_cycle(samples, 1), at_cycle(samples, 10), samples[-1]
    after10 = [s for s in samples if s.cycle >= 10]
    figures = (
        f"{CYCLES} cycles in {elapsed:.1f}s; RSS cycle 1 {s1.rss / MB:.1f} MB, "
        f"cycle 10 {s10.rss / MB:.1f} MB, end (cycle {end.cycle}) {end.rss / MB:.1f} MB "
        f"(max after 10: {max(s.rss for s in after10) / MB:.1f} MB); fds 1/10/end/max "
        f"{s1.fds}/{s10.fds}/{end.fds}/{max(s.fds for s in samples)}; inet sockets max "
        f"{max(s.sockets for s in samples)}, end {end.sockets}; {len(samples)} samples"
    )
    print("\n" + figures)

    growth = max(s.rss for s in after10) - s10.rss
    assert growth < 20 * MB, f"memory grows with cycles: {figures}"
    # Samples land mid-poll or mid-sleep, so compare peaks: cycles 1-10 against the rest.
    early_fds = max(s.fds for s in samples if s.cycle <= 10)
    assert max(s.fds for s in after10) <= early_fds + 3, f"file descriptors leak: {figures}"
    assert max(s.sockets for s in samples) <= 6, f"sockets pile up: {figures}"

    # Every item served is in the history exactly once (the journal folded into the file).
    History.open(db).compact()
    data = orjson.loads(db.read_bytes())
    ids = [doc["id"] for doc in data["items"].values()]
    assert len(ids) == len(set(ids)), "an item is stored twice"
    expected = (
        {item_id("Growing", g) for g in grow.served}
        | {item_id("Churning", g) for g in churn.served}
        | {item_id("Static", f"s-{n}") for n in range(5)}
    )
    assert set(ids) == expected, (
        f"{len(expected - set(ids))} items lost, {len(set(ids) - expected)} extra"
    )
    assert len(ids) == 3 * CYCLES + 6 * CYCLES + 5

    # The 304 feed was asked conditionally and answered "not modified"; the broken one
    # failed without breaking the others, and was not hammered (backoff).
    conditional = [
        r for r in feed_server.requests if r.path == "/static.xml" and "if-none-match" in r.headers
    ]
    assert len(conditional) == CYCLES - 1
    assert out.count("Static: not modified") == CYCLES - 1
    assert "Broken: error: " in out and feed_server.hits("/fail.xml") < CYCLES
    assert out.count("Growing: 3 new") == CYCLES and out.count("Churning: 6 new") == CYCLES
