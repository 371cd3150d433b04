"""Parsing and matching in worker processes: same results as threads, survives a worker crash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

import monitor.parse.pool as pool_module
from monitor.history import History
from monitor.match import Matcher
from monitor.models import Config, FeedConfig, Settings, Watchlist
from monitor.poll import poll
from tests.helpers.feedserver import FeedServer, rss

pytestmark = pytest.mark.slow

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
WATCHLISTS = (Watchlist("Drone Deal", ("Drone Deal", "угода про дрони")),)


def _served(feed_server: FeedServer, n: int, *, etags: bool = False) -> Config:
    feeds = []
    for k in range(n):
        items = [
            {"title": f"Story {k}-{i}", "link": f"https://example.org/{k}/{i}", "guid": f"{k}-{i}"}
            for i in range(3)
        ] + [
            {
                "title": "Підписано угоду про дрони",
                "link": f"https://example.org/{k}/uk",
                "guid": f"{k}-uk",
            }
        ]
        feed_server.route(f"/f{k}.xml", rss(items), etag=f'"v{k}"' if etags else None)
        feeds.append(FeedConfig(f"Feed {k}", feed_server.url(f"/f{k}.xml")))
    return Config(Settings(timeout=5.0, connect_timeout=2.0), tuple(feeds), WATCHLISTS)


async def test_many_feeds_are_parsed_and_matched_in_worker_processes(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    config = _served(feed_server, pool_module.PROCESS_MIN_FEEDS + 1)
    history = History.open(tmp_path / "history.json")

    report = await poll(config, history, Matcher(WATCHLISTS), now=NOW, force=True)

    assert not pool_module._pool_unavailable and pool_module._pool is not None
    assert {r.outcome for r in report.feeds} == {"ok"}
    assert len(report.new_items) == 4 * len(config.feeds)
    inflected = [i for i in report.new_items if i.title.startswith("Підписано")]
    assert inflected and all(i.tags == ["Drone Deal"] for i in inflected)


async def test_items_from_the_workers_equal_items_parsed_in_a_thread(
    feed_server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers send their items back as plain tuples: every field arrives as parsed, matches
    (offsets, snippets, rules) and dates included."""
    watchlists = (
        *WATCHLISTS,
        Watchlist("Talks", ("talks",), rules=("(drone OR дрон*) NEAR/5 (deal OR угод*)",)),
    )
    feeds = []
    for k in range(pool_module.PROCESS_MIN_FEEDS + 1):
        items = [
            {
                "title": f"Drone deal talks {k}-{i}" if i % 2 else f"Підписано угоду про дрони {i}",
                "link": f"https://example.org/{k}/{i}",
                "guid": f"{k}-{i}",
                "description": f"<p>Talks on the <b>drone deal</b> went on, day {i}.</p>",
                "pubDate": datetime(2026, 11, 1 + i, 9, 30, tzinfo=timezone.utc),
            }
            for i in range(4)
        ]
        feed_server.route(f"/w{k}.xml", rss(items))
        feeds.append(FeedConfig(f"Feed {k}", feed_server.url(f"/w{k}.xml")))
    config = Config(Settings(timeout=5.0, connect_timeout=2.0), tuple(feeds), watchlists)

    async def polled(name: str) -> list[dict[str, object]]:
        history = History.open(tmp_path / f"{name}.json")
        report = await poll(config, history, Matcher(watchlists), now=NOW, force=True)
        return sorted((i.to_dict() for i in report.new_items), key=lambda d: str(d["id"]))

    in_workers = await polled("workers")
    assert pool_module._pool is not None or pool_module._pool_unavailable
    monkeypatch.setattr(pool_module, "_use_processes", lambda due, matcher: False)
    in_a_thread = await polled("thread")

    assert len(in_workers) == 4 * len(feeds)
    assert in_workers == in_a_thread
    assert any(m["rule"] for d in in_workers for m in d["matches"])  # type: ignore[attr-defined]
    assert all(d["published"] for d in in_workers)


async def test_a_first_body_is_hashed_in_the_worker_and_kept_for_the_next_poll(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    """No validators: each feed's first body is hashed where it is parsed (off the event
    loop), and the hash kept in its state is the body's, so the same bytes are skipped."""
    import urllib.request

    from monitor.parse.items import body_digest

    config = _served(feed_server, pool_module.PROCESS_MIN_FEEDS + 1)
    history = History.open(tmp_path / "history.json")

    await poll(config, history, Matcher(WATCHLISTS), now=NOW, force=True)

    states = history.feed_states()
    for feed in config.feeds:
        with urllib.request.urlopen(feed.url, timeout=5) as response:  # 127.0.0.1
            assert states[feed.name].body_hash == body_digest(response.read())
    again = await poll(config, history, Matcher(WATCHLISTS), now=NOW, force=True)
    assert {(r.outcome, r.new) for r in again.feeds} == {("ok", 0)}
    assert {s.body_hash for s in history.feed_states().values()} == {
        s.body_hash for s in states.values()
    }


async def test_a_dead_worker_does_not_break_the_poll_and_the_pool_comes_back(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    config = _served(feed_server, pool_module.PROCESS_MIN_FEEDS)
    history = History.open(tmp_path / "history.json")
    await poll(config, history, Matcher(WATCHLISTS), now=NOW, force=True)
    pool = pool_module._pool
    if pool is None:
        return  # no processes here: nothing can crash
    for process in list(pool._processes.values()):
        process.kill()
        process.join(timeout=10)

    report = await poll(config, history, Matcher(WATCHLISTS), now=NOW, force=True)

    for r in report.feeds:  # the poll finished; each feed is either read or reported
        assert r.outcome == "ok" or r.error == "the parser process crashed on this feed"
    again = await poll(
        config, History.open(tmp_path / "other.json"), Matcher(WATCHLISTS), now=NOW, force=True
    )
    assert {r.outcome for r in again.feeds} == {"ok"}
    assert len(again.new_items) == 4 * len(config.feeds)
    assert pool_module._pool is not None and pool_module._pool is not pool


TUI_POLL_SCRIPT = """
import asyncio, sys
from pathlib import Path
from monitor.app import MonitorApp
from monitor.config import load_config
from monitor.match import Matcher
from monitor.history import History
import monitor.parse.pool as pool_module

async def main(config_path, db):
    config = load_config(Path(config_path))
    history = History.open(Path(db))
    app = MonitorApp(config, Path(config_path), history, Matcher(config.watchlists),
                     autopoll=False, watch_files=False)
    async with app.run_test() as pilot:
        await pilot.press("r")
        for _ in range(500):
            if app.main.status.last_poll is not None:
                break
            await pilot.pause(0.02)
    print(app.main.status.last_poll is not None, pool_module._pool is not None,
          pool_module._pool_unavailable, len(history))

if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def run_script(
    script: Path, source: str, config_path: Path, db: Path
) -> subprocess.CompletedProcess[str]:
    """Run ``source`` as a script in a fresh interpreter (this checkout importable) with
    the config and history paths as its arguments."""
    script.write_text(source, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run(
        [sys.executable, str(script), str(config_path), str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=True,
    )


def test_the_tui_parses_in_worker_processes_too(feed_server: FeedServer, tmp_path: Path) -> None:
    """Textual swaps sys.stderr for a capture whose fileno() is -1, which once made the pool
    fail to start inside the app (every poll silently fell back to threads). A fresh
    interpreter, so no pool or resource tracker left by other tests can hide it."""
    config = _served(feed_server, pool_module.PROCESS_MIN_FEEDS + 1)
    config_path = tmp_path / "feeds.toml"
    feeds = "".join(f'[[feeds]]\nname = "{f.name}"\nurl = "{f.url}"\n\n' for f in config.feeds)
    config_path.write_text(
        feeds + '[[watchlists]]\nname = "Drone Deal"\nterms = ["Drone Deal", "угода про дрони"]\n',
        encoding="utf-8",
    )
    out = run_script(
        tmp_path / "tui_poll.py", TUI_POLL_SCRIPT, config_path, tmp_path / "history.json"
    )
    polled, pool_running, unavailable, stored = out.stdout.split()
    assert (polled, pool_running, unavailable) == ("True", "True", "False"), out.stderr[-2000:]
    assert int(stored) == 4 * len(config.feeds)


def test_the_resource_tracker_swaps_stderr_only_when_it_has_no_descriptor(monkeypatch) -> None:
    """sys.stderr is process-wide: replacing it races with other threads, so only when needed."""
    import io
    import sys
    from multiprocessing import resource_tracker

    seen = []
    monkeypatch.setattr(resource_tracker, "ensure_running", lambda: seen.append(sys.stderr))
    real = open(os.devnull, "w")  # noqa: SIM115
    captured = io.StringIO()  # like Textual's capture: no fileno()
    try:
        for stderr in (real, captured):
            monkeypatch.setattr(sys, "stderr", stderr)
            pool_module._start_resource_tracker()
            assert sys.stderr is stderr  # restored
    finally:
        real.close()
    assert seen == [real, sys.__stderr__]


LAZY_POOL_SCRIPT = """
import asyncio, json, sys
from pathlib import Path
import psutil
from monitor.config import load_config
from monitor.match import Matcher
from monitor.poll import poll
from monitor.history import History
import monitor.parse.pool as pool_module

async def main(config_path, db):
    config = load_config(Path(config_path))
    history = History.open(Path(db))
    unchanged = [f.name for f in config.feeds if f.name != "Fresh"]
    first = await poll(config, history, Matcher(config.watchlists), force=True, only=unchanged)
    after_304 = len(psutil.Process().children(recursive=True))
    second = await poll(config, history, Matcher(config.watchlists), force=True)
    after_body = len(psutil.Process().children(recursive=True))
    print(json.dumps({
        "first": sorted({r.outcome for r in first.feeds}), "after_304": after_304,
        "second_new": len(second.new_items), "after_body": after_body,
        "pool": pool_module._pool is not None, "unavailable": pool_module._pool_unavailable,
    }))

if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def test_a_poll_where_every_feed_answers_304_starts_no_worker_process(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    """The pool starts on the first body to parse: an all-304 poll (most polls, with ETags)
    leaves no child process behind; the next poll with a body to parse starts the workers.
    A fresh interpreter, so no pool left by other tests hides it."""
    from monitor.models import FeedState

    config = _served(feed_server, pool_module.PROCESS_MIN_FEEDS + 1, etags=True)
    history = History.open(tmp_path / "history.json")
    history.save_feed_states(
        [FeedState(f.name, etag=f'"v{k}"', last_success=NOW) for k, f in enumerate(config.feeds)]
    )
    feed_server.route("/fresh.xml", rss([{"title": "Fresh story", "guid": "fresh-1"}]))
    config_path = tmp_path / "feeds.toml"
    feeds = "".join(f'[[feeds]]\nname = "{f.name}"\nurl = "{f.url}"\n\n' for f in config.feeds)
    feeds += f'[[feeds]]\nname = "Fresh"\nurl = "{feed_server.url("/fresh.xml")}"\n\n'
    config_path.write_text(
        feeds + '[[watchlists]]\nname = "Drone Deal"\nterms = ["Drone Deal"]\n', encoding="utf-8"
    )
    out = run_script(
        tmp_path / "lazy_pool.py", LAZY_POOL_SCRIPT, config_path, tmp_path / "history.json"
    )
    seen = json.loads(out.stdout)
    assert seen["first"] == ["not_modified"]
    assert seen["after_304"] == 0, "an all-304 poll started worker processes"
    assert seen["second_new"] == 1
    if not seen["unavailable"]:  # where processes can start, the body started them
        assert seen["pool"] and seen["after_body"] > 0


WHAT_LOADED_SCRIPT = """
import json, sys
from monitor.cli import main
code = main(["poll", "--config", sys.argv[1], "--db", sys.argv[2]])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def test_a_poll_process_where_every_feed_answers_304_loads_no_parser(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    """A `monitor poll` from cron mostly hears 304: it must not pay for importing the
    parsers, the worker pool, the briefing/stories modules, any UI library, the Ukrainian
    dictionaries or the stemmers (checking the rules' syntax does not need them), nor the
    platform dirs (--config and --db are given)."""
    from monitor.models import FeedState

    config = _served(feed_server, 3, etags=True)
    db = tmp_path / "history.json"
    History.open(db).save_feed_states(
        [FeedState(f.name, etag=f'"v{k}"', last_success=NOW) for k, f in enumerate(config.feeds)]
    )
    config_path = tmp_path / "feeds.toml"
    feeds = "".join(f'[[feeds]]\nname = "{f.name}"\nurl = "{f.url}"\n\n' for f in config.feeds)
    config_path.write_text(
        feeds + '[[watchlists]]\nname = "Drone Deal"\nterms = ["Drone Deal"]\n'
        "rules = ['(дрон OR drone) NEAR/6 (угода OR deal)']\n",
        encoding="utf-8",
    )
    out = run_script(tmp_path / "what_loaded.py", WHAT_LOADED_SCRIPT, config_path, db)
    seen = json.loads(out.stdout.splitlines()[-1])
    assert seen["code"] == 0
    loaded = set(seen["modules"])
    for heavy in (
        "feedparser",
        "selectolax",
        "monitor.parse.pool",
        "monitor.articles",
        "monitor.export",
        "monitor.stories",
        "pymorphy3",
        "snowballstemmer",
        "platformdirs",
        "multiprocessing",
        "textual",
        "rich",
    ):
        assert heavy not in loaded, f"an all-304 poll imported {heavy}"
