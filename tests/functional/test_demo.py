"""`monitor demo`: bundled sample feeds served from 127.0.0.1 drive the real core offline."""

from __future__ import annotations

import io
import re
import socket
from datetime import timedelta
from pathlib import Path

import feedparser
import httpx
import pytest

from monitor.config import load_config
from monitor.demo import RETRY_AFTER_SECONDS, DemoServer, prepare_demo, run_demo
from monitor.history import History
from monitor.match import Matcher
from monitor.models import Config, Item, utcnow
from monitor.poll import poll

UNAVAILABLE = "Demo: unavailable feed"
CYRILLIC = re.compile(r"[а-яіїєґ]", re.IGNORECASE)
NEAR_MISSES = ("drone dealer", "purl stitch", "Purl Street", "knit and purl", "закупівлі дронів")


@pytest.fixture
def demo(tmp_path: Path):
    config_path, history_path, server = prepare_demo(tmp_path)
    try:
        yield load_config(config_path), history_path, server
    finally:
        server.stop()


def _tagged(items: list[Item], watchlist: str) -> list[Item]:
    return [i for i in items if watchlist in i.tags]


def test_the_demo_config_names_only_loopback_feeds_and_the_sample_watchlists(demo) -> None:
    config, history_path, server = demo
    assert [f.name for f in config.feeds] == [
        "UNN (English)",
        "UNN (Українською)",
        "Ministry of Defence",
        UNAVAILABLE,
    ]
    assert all(f.url.startswith(server.base + "/") for f in config.feeds)
    assert server.base.startswith("http://127.0.0.1:")
    assert config.feed("Ministry of Defence").kind == "page"
    assert {w.name for w in config.watchlists} == {"Drone Deal", "PURL"}
    assert config.settings.history == history_path
    assert not history_path.exists()  # a fresh history, never the user's


def test_demo_documents_are_served_with_etags_and_parse_as_rss(demo) -> None:
    config, _, server = demo
    with httpx.Client(timeout=5) as client:
        for feed in config.feeds[:2]:
            first = client.get(feed.url)
            assert first.status_code == 200
            parsed = feedparser.parse(first.content, response_headers=dict(first.headers))
            assert not parsed.bozo, feed.name
            assert 15 <= len(parsed.entries) <= 25
            again = client.get(feed.url, headers={"If-None-Match": first.headers["etag"]})
            assert again.status_code == 304 and again.content == b""
        uk = client.get(config.feed("UNN (Українською)").url)
        assert "windows-1251" in uk.headers["content-type"]
        assert "Угоду про дрони".encode("cp1251") in uk.content
        page = client.get(config.feed("Ministry of Defence").url)
        assert page.status_code == 200 and 'href="/news/' in page.text
        down = client.get(config.feed(UNAVAILABLE).url)
        assert down.status_code == 503
        assert down.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
        assert client.get(server.url("/no-such-feed.xml")).status_code == 404


async def test_a_poll_of_the_demo_shows_every_part_of_the_product(demo) -> None:
    config, history_path, server = demo
    history = History.open(history_path)
    matcher = Matcher(config.watchlists)
    before = utcnow()

    report = await poll(config, history, matcher)

    by_feed = {r.feed: r for r in report.feeds}
    for feed in config.feeds:
        if feed.name == UNAVAILABLE:
            continue
        assert by_feed[feed.name].outcome == "ok", by_feed[feed.name]
        assert by_feed[feed.name].new >= 15
        assert by_feed[feed.name].warning is None
    failing = by_feed[UNAVAILABLE]
    assert failing.outcome == "error" and failing.error
    assert failing.retry_at is not None
    assert failing.retry_at >= before + timedelta(seconds=RETRY_AFTER_SECONDS - 5)

    items = history.items()
    assert {i.feed for i in items} == {f.name for f in config.feeds if f.name != UNAVAILABLE}
    # Fresh news: dated relative to start-up, none in the future.
    dated = [i.published for i in items if i.published is not None]
    assert dated and all(before - timedelta(days=4) < t <= utcnow() for t in dated)

    for watchlist in ("Drone Deal", "PURL"):
        tagged = _tagged(items, watchlist)
        ukrainian = [i for i in tagged if CYRILLIC.search(i.title)]
        english = [i for i in tagged if not CYRILLIC.search(i.title)]
        assert len(ukrainian) >= 3 and len(english) >= 3, watchlist
        assert {i.feed for i in tagged} == {f.name for f in config.feeds[:3]}
    inflected = " ".join(i.title for i in _tagged(items, "Drone Deal"))
    assert "угоди щодо дронів" in inflected and "дронову угоду" in inflected
    assert "Переліку пріоритетних потреб України" in " ".join(
        i.title for i in _tagged(items, "PURL")
    )

    for phrase in NEAR_MISSES:
        hits = [i for i in items if phrase in i.title or phrase in i.summary]
        assert hits, f"sample data lost its near miss {phrase!r}"
        assert not any(i.matches for i in hits), phrase

    # Feed text is data: markup stays literal, terminal escapes never reach the UI.
    assert any(i.title.startswith("[bold red]ALERT[/] ") for i in items)
    assert not any("\x1b" in i.title or "\x1b" in i.summary for i in items)
    # Navigation links on the listing page are not news.
    mod_links = [i.link for i in items if i.feed == "Ministry of Defence"]
    assert len(mod_links) == 19 and all(re.search(r"/news/[a-z0-9-]+$", u) for u in mod_links)

    second = await poll(config, History.open(history_path), matcher, force=True)
    again = {r.feed: r for r in second.feeds}
    for feed in config.feeds:
        if feed.name != UNAVAILABLE:
            assert again[feed.name].outcome == "not_modified", again[feed.name]
    assert again[UNAVAILABLE].outcome in ("skipped", "error")
    assert again[UNAVAILABLE].retry_at is not None
    assert second.new_items == []


def _port_open(base: str) -> bool:
    host, port = base.removeprefix("http://").split(":")
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, int(port))) == 0


def test_run_demo_serves_while_the_app_runs_then_cleans_up(capsys) -> None:
    seen: dict[str, object] = {}

    def fake_app(config_path: Path, history_path: Path) -> int:
        config: Config = load_config(config_path)
        url = config.feed("UNN (English)").url
        status = httpx.get(url, timeout=5).status_code
        seen.update(config=config_path, history=history_path, status=status)
        seen["base"] = url.split("/en/", 1)[0]
        return 7

    assert run_demo(runner=fake_app) == 7
    assert seen["status"] == 200
    assert not Path(seen["config"]).exists()  # the temporary directory is gone
    assert not Path(seen["config"]).parent.exists()
    assert not _port_open(seen["base"])  # the server stopped
    line = capsys.readouterr().out.strip()
    assert "demo" in line and str(seen["history"]) in line and "\n" not in line


def test_run_demo_stops_the_server_when_the_app_crashes(tmp_path: Path) -> None:
    bases: list[str] = []

    def crashing_app(config_path: Path, history_path: Path) -> int:
        bases.append(load_config(config_path).feeds[0].url.split("/en/", 1)[0])
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        run_demo(directory=tmp_path, runner=crashing_app, out=open(tmp_path / "out.txt", "w"))
    assert bases and not _port_open(bases[0])
    assert (tmp_path / "feeds.toml").exists()  # an explicit directory is kept


def test_demo_server_answers_conditional_requests_by_date() -> None:
    with DemoServer() as server:
        url = server.url("/rss/news_uk.xml")
        first = httpx.get(url, timeout=5)
        since = {"If-Modified-Since": first.headers["last-modified"]}
        later = httpx.get(url, headers=since, timeout=5)
        assert later.status_code == 304
        assert server.hits("/rss/news_uk.xml") == 2


def test_run_demo_in_a_given_directory_makes_no_temporary_one(tmp_path: Path, monkeypatch) -> None:
    import monitor.demo as demo_module

    def no_temp_dir(*args, **kwargs):
        raise AssertionError("a temporary directory was created although one was given")

    monkeypatch.setattr(demo_module.tempfile, "TemporaryDirectory", no_temp_dir)
    seen: list[Path] = []
    code = run_demo(
        directory=tmp_path,
        runner=lambda config, history: seen.append(history) or 0,
        out=io.StringIO(),
    )
    assert code == 0 and [p.parent for p in seen] == [tmp_path]


def _demo_in_a_terminal(tmp_path: Path):  # type: ignore[no-untyped-def]
    """``monitor demo`` on a real pseudo-terminal: (process, its temporary folder)."""
    import os
    import pty
    import subprocess
    import sys
    import time

    main_fd, child_fd = pty.openpty()
    env = dict(os.environ, TMPDIR=str(tmp_path), TERM="xterm-256color", HOME=str(tmp_path))
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "demo"],
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
        env=env,
        cwd=tmp_path,
        start_new_session=True,
    )
    os.close(child_fd)
    seen = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and b"(deleted when you quit)" not in seen:
        try:
            seen += os.read(main_fd, 4096)
        except OSError:
            break
    folder = re.search(rb"temporary history at (\S+)/history\.json", seen)
    assert folder, seen[-500:]
    path = Path(folder[1].decode())
    # let the UI start and poll (the history appears) before the terminal goes away
    while time.monotonic() < deadline and not (path / "history.json").exists():
        time.sleep(0.1)
    return proc, path, main_fd


@pytest.mark.parametrize("signame", ["SIGHUP", "SIGTERM"])
def test_the_demo_cleans_up_when_its_terminal_closes(tmp_path: Path, signame: str) -> None:
    import os
    import signal

    proc, folder, main_fd = _demo_in_a_terminal(tmp_path)
    try:
        assert folder.is_dir() and folder.parent == tmp_path
        proc.send_signal(getattr(signal, signame))
        proc.wait(timeout=30)
        assert not folder.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main_fd)


def test_the_english_demo_feed_gains_an_item_every_interval() -> None:
    ticks = [0.0]
    server = DemoServer(live_every=90.0, clock=lambda: ticks[0]).start()
    try:
        url = server.url("/en/rss/politics_en.xml")
        with httpx.Client(timeout=5) as client:
            first = client.get(url)
            titles = [e.title for e in feedparser.parse(first.content).entries]
            ticks[0] = 100.0  # a poll later: one new item, and a new ETag
            second = client.get(url, headers={"If-None-Match": first.headers["etag"]})
            assert second.status_code == 200
            entries = feedparser.parse(second.content).entries
            assert [e.title for e in entries[1:]] == titles
            assert entries[0].title == "Drone Deal: partners agree on the first production site"
            third = client.get(url, headers={"If-None-Match": second.headers["etag"]})
            assert third.status_code == 304  # nothing more until the next interval
            ticks[0] = 200.0
            fourth = client.get(url)
            assert len(feedparser.parse(fourth.content).entries) == len(titles) + 2
    finally:
        server.stop()


async def test_demo_ministry_items_carry_dates_leads_and_text_matched_in_the_body(demo) -> None:
    config, history_path, server = demo
    history = History.open(history_path)

    report = await poll(config, history, Matcher(config.watchlists))

    ministry = next(r for r in report.feeds if r.feed == "Ministry of Defence")
    assert ministry.outcome == "ok" and ministry.new >= 18 and ministry.warning is None
    items = [i for i in history.items() if i.feed == "Ministry of Defence"]
    assert all(i.published is not None and i.summary and i.text for i in items)
    assert not any("Головна" in i.text or "\x1b" in i.title + i.text for i in items)
    body_only = [i for i in items if i.matches and all(m.field == "text" for m in i.matches)]
    slugs = {i.link.rsplit("/", 1)[-1]: i for i in body_only}
    assert {
        "provedeno-naradu-shchodo-rozvytku-ppo",
        "rezultaty-konkursu-oboronnykh-startapiv",
        "ministr-oborony-proviv-zustrich-z-ministrom-oborony-norvehii",
    } <= set(slugs)
    assert {i.tags[0] for i in body_only} == {"PURL", "Drone Deal"}
    for item in body_only:  # a term's hit sits in its snippet (a rule's may span paragraphs)
        assert any(item.text[h.start : h.end] in h.snippet for h in item.matches)
    assert all(server.hits(f"/news/{i.link.rsplit('/', 1)[-1]}") == 1 for i in items)
