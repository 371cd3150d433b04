"""One poll of many feeds against a real loopback server: isolation, backoff, dedup, limits."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from monitor.history import History
from monitor.match import Matcher
from monitor.models import Config, FeedConfig, FeedState, Settings, Watchlist
from monitor.poll import next_due, poll
from tests.helpers.feedserver import FeedServer, RequestInfo, rss

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
WATCHLISTS = (
    Watchlist("Drone Deal", ("Drone Deal", "угода про дрони")),
    Watchlist("PURL", ("PURL",), case_sensitive=True),
)


def _items(prefix: str, n: int, title: str = "Story") -> list[dict]:
    return [
        {
            "title": f"{title} {prefix}{i}",
            "link": f"https://example.org/{prefix}/{i}",
            "guid": f"{prefix}-{i}",
            "description": f"<p>Body {i} of {prefix}</p>",
            "pubDate": NOW - timedelta(hours=i),
        }
        for i in range(n)
    ]


def _config(*feeds: FeedConfig, **settings: object) -> Config:
    base = {"timeout": 3.0, "connect_timeout": 2.0}
    base.update(settings)
    return Config(Settings(**base), tuple(feeds), WATCHLISTS)  # type: ignore[arg-type]


def _history(tmp_path: Path) -> History:
    return History.open(tmp_path / "history.json")


async def test_a_broken_feed_never_breaks_the_others(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    good = _items("g", 3) + [
        {
            "title": "US and Ukraine sign the Drone Deal",
            "guid": "dd",
            "link": "https://example.org/dd",
        },
        {"title": "Нові внески в PURL", "guid": "purl", "link": "https://example.org/purl"},
    ]
    feed_server.route("/good.xml", rss(good), etag='"v1"')
    feed_server.route("/broken.xml", "oops", status=500)
    feed_server.route("/html.xml", "<html><body>not a feed</body></html>", content_type="text/html")
    config = _config(
        FeedConfig("Good", feed_server.url("/good.xml")),
        FeedConfig("Broken", feed_server.url("/broken.xml")),
        FeedConfig("Html", feed_server.url("/html.xml")),
    )
    history = _history(tmp_path)
    seen: list[tuple[str, int, int]] = []

    report = await poll(
        config,
        history,
        Matcher(WATCHLISTS),
        now=NOW,
        force=True,
        progress=lambda r, done, total: seen.append((r.feed, done, total)),
    )

    by_name = {r.feed: r for r in report.feeds}
    assert [r.feed for r in report.feeds] == ["Good", "Broken", "Html"]  # config order
    assert by_name["Good"].outcome == "ok" and by_name["Good"].new == 5
    assert by_name["Good"].matched == 2
    assert by_name["Good"].watchlist_counts == {"Drone Deal": 1, "PURL": 1}
    assert by_name["Broken"].outcome == "error" and "500" in (by_name["Broken"].error or "")
    assert by_name["Broken"].retry_at is not None and by_name["Broken"].retry_at > NOW
    assert by_name["Html"].outcome == "error" and by_name["Html"].error_kind == "not_a_feed"
    assert report.failed
    assert sorted(f for f, _, _ in seen) == ["Broken", "Good", "Html"]
    assert [d for _, d, _ in seen] == [1, 2, 3] and {t for _, _, t in seen} == {3}

    reopened = _history(tmp_path)
    assert len(reopened) == 5
    states = reopened.feed_states()
    assert states["Good"].etag == '"v1"' and states["Good"].last_outcome == "ok"
    assert states["Broken"].failures == 1 and states["Broken"].last_error


async def test_second_poll_is_not_modified_and_failing_feed_waits(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    feed_server.route("/good.xml", rss(_items("g", 2)), etag='"v1"')
    feed_server.route("/limited.xml", "slow down", status=429, headers={"Retry-After": "600"})
    config = _config(
        FeedConfig("Good", feed_server.url("/good.xml")),
        FeedConfig("Limited", feed_server.url("/limited.xml")),
    )
    history = _history(tmp_path)
    matcher = Matcher(WATCHLISTS)
    first = await poll(config, history, matcher, now=NOW, force=True)
    assert {r.feed: r.outcome for r in first.feeds} == {"Good": "ok", "Limited": "error"}
    limited = next(r for r in first.feeds if r.feed == "Limited")
    assert limited.retry_at == NOW + timedelta(seconds=600)

    second = await poll(config, history, matcher, now=NOW + timedelta(minutes=1), force=True)
    by_name = {r.feed: r for r in second.feeds}
    assert by_name["Good"].outcome == "not_modified" and by_name["Good"].new == 0
    assert by_name["Limited"].outcome == "skipped"
    assert by_name["Limited"].retry_at == NOW + timedelta(seconds=600)
    assert second.failed  # still in its Retry-After window: not fine yet
    assert feed_server.hits("/limited.xml") == 1  # the server's Retry-After was respected
    assert feed_server.requests[-1].headers.get("if-none-match") == '"v1"'


async def test_repeat_poll_adds_only_new_items(feed_server: FeedServer, tmp_path: Path) -> None:
    feed_server.route("/f.xml", rss(_items("a", 3)))
    config = _config(FeedConfig("F", feed_server.url("/f.xml")))
    history = _history(tmp_path)
    matcher = Matcher(WATCHLISTS)
    assert (await poll(config, history, matcher, now=NOW, force=True)).feeds[0].new == 3
    feed_server.route("/f.xml", rss(_items("a", 4)))  # one more item, three repeats
    report = await poll(config, history, matcher, now=NOW + timedelta(hours=1), force=True)
    assert report.feeds[0].new == 1 and len(report.new_items) == 1
    assert len(history) == 4


async def test_feeds_not_due_are_left_alone_unless_forced(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    feed_server.route("/f.xml", rss(_items("a", 1)))
    config = _config(FeedConfig("F", feed_server.url("/f.xml"), interval=600))
    history = _history(tmp_path)
    matcher = Matcher(WATCHLISTS)
    await poll(config, history, matcher, now=NOW)
    assert next_due(config, history, NOW) == NOW + timedelta(seconds=600)
    report = await poll(config, history, matcher, now=NOW + timedelta(seconds=60))
    assert report.feeds == [] and feed_server.hits("/f.xml") == 1
    await poll(config, history, matcher, now=NOW + timedelta(seconds=60), force=True)
    assert feed_server.hits("/f.xml") == 2
    await poll(config, history, matcher, now=NOW + timedelta(seconds=700))
    assert feed_server.hits("/f.xml") == 3


async def test_requests_to_one_host_are_bounded(feed_server: FeedServer, tmp_path: Path) -> None:
    lock = threading.Lock()
    in_flight = peak = 0

    def slow(info: RequestInfo) -> tuple[int, dict[str, str], bytes]:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.15)
        with lock:
            in_flight -= 1
        return 200, {"Content-Type": "application/rss+xml"}, rss(_items(info.path.strip("/"), 1))

    feeds = []
    for i in range(6):
        feed_server.route(f"/f{i}.xml", handler=slow)
        feeds.append(FeedConfig(f"F{i}", feed_server.url(f"/f{i}.xml")))
    config = _config(*feeds, per_host=2, concurrency=8)
    report = await poll(config, _history(tmp_path), Matcher(WATCHLISTS), now=NOW, force=True)
    assert all(r.outcome == "ok" for r in report.feeds)
    assert peak == 2


async def test_a_poll_of_many_unchanged_feeds_reuses_its_connections(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    """Every feed answering 304 (a warm poll): the connections to the host are kept alive
    and reused, not opened and closed once per feed."""
    feeds = []
    for i in range(12):
        feed_server.route(f"/f{i}.xml", rss(_items(f"f{i}", 1)), etag=f'"v{i}"')
        feeds.append(FeedConfig(f"F{i}", feed_server.url(f"/f{i}.xml")))
    config = _config(*feeds, per_host=2, concurrency=8)
    history = _history(tmp_path)
    await poll(config, history, Matcher(WATCHLISTS), now=NOW, force=True)
    before = len(feed_server.requests)
    report = await poll(config, history, Matcher(WATCHLISTS), now=NOW, force=True)
    assert {r.outcome for r in report.feeds} == {"not_modified"}
    warm = feed_server.requests[before:]
    assert len(warm) == 12
    assert len({r.connection for r in warm}) <= 2  # per_host connections, each reused


async def test_last_new_counts_what_the_history_took(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    """Items another process stored during our poll are not new: not in the report, not in last_new."""
    feed_server.route("/a.xml", rss(_items("a", 3)))
    config = _config(FeedConfig("A", feed_server.url("/a.xml")))
    elsewhere = History.open(tmp_path / "elsewhere.json")
    await poll(config, elsewhere, Matcher(WATCHLISTS), now=NOW, force=True)
    history = _history(tmp_path)

    def cron_stores_them_first(*_: object) -> None:  # runs after the fetch, before our write
        History.open(history.path).add_items(elsewhere.items())

    report = await poll(
        config, history, Matcher(WATCHLISTS), now=NOW, force=True, progress=cron_stores_them_first
    )
    assert report.feeds[0].outcome == "ok" and report.feeds[0].new == 0 and report.new_items == []
    assert _history(tmp_path).feed_states()["A"].last_new == 0


def test_next_due_survives_out_of_range_stored_data(tmp_path: Path) -> None:
    """A huge interval or a far-future last attempt means "not due", not an OverflowError."""
    history = _history(tmp_path)
    history.save_feed_states(
        [
            FeedState("Huge", last_attempt=NOW),
            FeedState("Far", last_attempt=datetime(9999, 12, 31, 23, 0, tzinfo=timezone.utc)),
        ]
    )
    config = _config(
        FeedConfig("Huge", "https://example.org/a", interval=float("inf")),
        FeedConfig("Far", "https://example.org/b"),
    )
    due = next_due(config, history, NOW)
    assert due is not None and due.year == 9999


async def test_a_body_identical_to_the_last_one_is_not_parsed_again(
    feed_server: FeedServer, tmp_path: Path, monkeypatch
) -> None:
    """No ETag, no Last-Modified (as from many servers): the same bytes are fetched but not
    parsed; a changed body is; a broken body keeps failing, a partial one keeps its warning."""
    import monitor.parse.pool as pool_module

    monkeypatch.setattr(pool_module, "_use_processes", lambda due, matcher: False)  # see spy
    parsed: list[bytes] = []
    real = pool_module.parse_body
    monkeypatch.setattr(pool_module, "parse_body", lambda b, *a: parsed.append(b) or real(b, *a))
    feed_server.route("/same.xml", rss(_items("s", 3)))
    not_a_feed = b"<?xml version='1.0'?><note><to>not a feed</to></note>"  # fetched, not parsed
    feed_server.route("/broken.xml", not_a_feed)
    partial = b'<rss version="2.0"><channel><item><title>Kept</title><guid>k</guid></item><item>'
    feed_server.route("/partial.xml", partial)
    config = _config(
        FeedConfig("Same", feed_server.url("/same.xml")),
        FeedConfig("Broken", feed_server.url("/broken.xml")),
        FeedConfig("Partial", feed_server.url("/partial.xml")),
    )
    history = _history(tmp_path)

    async def run(days: int) -> dict[str, object]:
        parsed.clear()
        report = await poll(
            config, history, Matcher(WATCHLISTS), force=True, now=NOW + timedelta(days=days)
        )  # past any backoff
        return {r.feed: (r.outcome, r.new, r.warning) for r in report.feeds}

    first = await run(0)
    assert first["Same"] == ("ok", 3, None) and first["Broken"][0] == "error"
    assert first["Partial"][0] == "ok" and first["Partial"][2]  # items and a warning
    assert len(parsed) == 3

    again = await run(1)
    assert again["Same"] == ("ok", 0, None)
    assert again["Partial"] == ("ok", 0, first["Partial"][2])  # its warning still shown
    assert again["Broken"][0] == "error"  # a body that failed is read (and fails) again
    assert parsed == [not_a_feed]
    assert sum(r.path == "/same.xml" for r in feed_server.requests) == 2  # still asked

    feed_server.route("/same.xml", rss(_items("t", 1) + _items("s", 3)))
    changed = await run(2)
    assert changed["Same"] == ("ok", 1, None)
    assert len(parsed) == 2
