"""Asking failing feeds again at once (``r``, ``poll --retry``), Retry-After still honoured."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.history import History
from monitor.match import Matcher
from monitor.models import Config, FeedConfig, Settings, Watchlist
from monitor.poll import poll
from tests.helpers.feedserver import FeedServer, rss

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
WATCHLISTS = (Watchlist("Drone Deal", ("Drone Deal",)),)


def _config(*feeds: FeedConfig) -> Config:
    return Config(Settings(timeout=3.0, connect_timeout=2.0), tuple(feeds), WATCHLISTS)


def _good() -> bytes:
    return rss(
        [
            {
                "title": "Drone Deal signed",
                "guid": "1",
                "link": "https://example.org/1",
                "pubDate": NOW - timedelta(hours=1),
            }
        ]
    )


async def test_retry_asks_a_feed_in_backoff_again_and_remembers_since_when_it_is_down(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    feed_server.route("/dns-blip.xml", "Bad Gateway", status=502)
    config = _config(FeedConfig("Blip", feed_server.url("/dns-blip.xml")))
    history = History.open(tmp_path / "history.json")
    matcher = Matcher(WATCHLISTS)
    await poll(config, history, matcher, now=NOW, force=True)
    assert history.feed_states()["Blip"].down_since == NOW

    later = NOW + timedelta(seconds=5)  # inside the first backoff
    plain = await poll(config, history, matcher, now=later, force=True)
    assert plain.feeds[0].outcome == "skipped" and feed_server.hits("/dns-blip.xml") == 1

    retried = await poll(config, history, matcher, now=later, force=True, retry=True)
    assert retried.feeds[0].outcome == "error" and feed_server.hits("/dns-blip.xml") == 2
    assert history.feed_states()["Blip"].down_since == NOW  # still down since the first failure

    feed_server.route("/dns-blip.xml", _good())
    recovered = await poll(config, history, matcher, now=later + timedelta(minutes=1), retry=True)
    assert recovered.feeds[0].outcome == "ok" and recovered.feeds[0].new == 1
    state = history.feed_states()["Blip"]
    assert state.down_since is None and state.failures == 0


async def test_retry_still_honours_a_servers_retry_after(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    feed_server.route("/limited.xml", "slow down", status=429, headers={"Retry-After": "600"})
    config = _config(FeedConfig("Limited", feed_server.url("/limited.xml")))
    history = History.open(tmp_path / "history.json")
    matcher = Matcher(WATCHLISTS)
    await poll(config, history, matcher, now=NOW, force=True)
    report = await poll(config, history, matcher, now=NOW + timedelta(minutes=1), retry=True)
    (limited,) = report.feeds
    assert limited.outcome == "skipped" and limited.server_pause
    assert limited.retry_at == NOW + timedelta(seconds=600)
    assert feed_server.hits("/limited.xml") == 1


def _write_config(tmp_path: Path, server: FeedServer) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(
        f'[[feeds]]\nname = "Good"\nurl = "{server.url("/good.xml")}"\n\n'
        f'[[feeds]]\nname = "Broken"\nurl = "{server.url("/broken.xml")}"\n\n'
        f'[[feeds]]\nname = "Limited"\nurl = "{server.url("/limited.xml")}"\n',
        encoding="utf-8",
    )
    return path


def test_poll_retry_and_poll_feed_ask_failing_feeds_now(
    tmp_path: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_server.route("/good.xml", _good(), etag='"v1"')
    feed_server.route("/broken.xml", "Service Unavailable", status=503, content_type="text/plain")
    feed_server.route("/limited.xml", "slow down", status=429, headers={"Retry-After": "3600"})
    config = _write_config(tmp_path, feed_server)
    base = ["--config", str(config), "--db", str(tmp_path / "history.json")]
    assert main(["poll", *base]) == 1
    capsys.readouterr()

    assert main(["poll", *base]) == 1
    out = dict(line.split(": ", 1) for line in capsys.readouterr().out.splitlines())
    assert (
        out["Broken"].startswith("skipped: backoff until ")
        and "(--retry asks now)" in out["Broken"]
    )
    assert feed_server.hits("/broken.xml") == 1

    assert main(["poll", "--retry", *base]) == 1
    out = dict(line.split(": ", 1) for line in capsys.readouterr().out.splitlines())
    assert out["Broken"].startswith("error: ") and "503" in out["Broken"]
    assert feed_server.hits("/broken.xml") == 2
    assert out["Limited"].startswith("skipped: the server asked for a pause until ")
    assert "UTC (Retry-After)" in out["Limited"]
    assert feed_server.hits("/limited.xml") == 1

    # the analyst fixed it: naming the feed asks it now, without --retry
    feed_server.route("/broken.xml", _good())
    assert main(["poll", "--feed", "Broken", *base]) == 0
    assert capsys.readouterr().out == "Broken: 1 new\n"


def test_pins_and_notes_are_kept_in_the_history(tmp_path: Path) -> None:
    from monitor.models import Item

    path = tmp_path / "history.json"
    history = History.open(path)
    history.add_items([Item("a", "F", "Title", "https://example.org/a", "", NOW, NOW)])
    history.set_pinned("a", True)
    history.set_note("a", "  Ask the ministry for the text.  ")
    again = History.open(path).get("a")
    assert again is not None and again.pinned and again.note == "Ask the ministry for the text."
    History.open(path).set_read("a", True)  # a later write keeps them
    again = History.open(path).get("a")
    assert again is not None and again.pinned and again.note and again.read
