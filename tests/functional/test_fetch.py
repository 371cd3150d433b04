"""monitor.fetch against a real loopback server: conditional GET, errors, hostile servers."""

from __future__ import annotations

import asyncio
import gzip
import socket
import tracemalloc
import zlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from monitor.fetch import (
    HostLimiter,
    backoff_delay,
    fetch,
    looks_like_html,
    make_client,
    next_state,
    parse_retry_after,
)
from monitor.models import FeedConfig, FeedState, Settings
from tests.helpers.feedserver import FeedServer, RequestInfo, atom, rss

NOW = datetime(2025, 10, 1, 12, 0, tzinfo=timezone.utc)
# 3 s, not 1: under a loaded CI machine a 1 s deadline failed healthy redirects now and then.
SETTINGS = Settings(timeout=3.0, connect_timeout=3.0, max_body_bytes=256 * 1024, max_redirects=3)
FEED = rss([{"title": "One", "link": "https://example.org/1", "guid": "1"}])

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
async def client() -> AsyncIterator:
    async with make_client(SETTINGS) as c:
        yield c


def feed(server: FeedServer, path: str = "/feed.xml", **kw: object) -> FeedConfig:
    return FeedConfig(name="Test", url=server.url(path), **kw)  # type: ignore[arg-type]


async def get(client, server, path="/feed.xml", state=None, settings=SETTINGS, **kw):
    return await fetch(
        client, feed(server, path, **kw), state or FeedState("Test"), settings, now=NOW
    )


# --- success and conditional GET ------------------------------------------------------


async def test_ok_returns_body_headers_and_sends_settings_user_agent(client, feed_server):
    feed_server.route("/feed.xml", FEED)
    result = await get(client, feed_server)
    assert result.outcome == "ok"
    assert result.body == FEED
    assert result.status == 200
    assert result.headers["content-type"].startswith("application/rss+xml")
    assert feed_server.requests[0].headers["user-agent"] == SETTINGS.user_agent
    assert feed_server.requests[0].headers["accept-encoding"] == "gzip, deflate"


async def test_etag_gives_not_modified_without_body_on_second_fetch(client, feed_server):
    feed_server.route("/feed.xml", FEED, etag='"v1"')
    first = await get(client, feed_server)
    assert first.outcome == "ok" and first.etag == '"v1"'
    state = next_state(FeedState("Test"), first, NOW)
    second = await get(client, feed_server, state=state)
    assert feed_server.requests[1].headers["if-none-match"] == '"v1"'
    assert second.outcome == "not_modified"
    assert second.body is None
    after = next_state(state, second, NOW)
    assert after.etag == '"v1"' and after.last_outcome == "not_modified" and after.failures == 0


async def test_last_modified_gives_not_modified(client, feed_server):
    stamp = "Wed, 01 Oct 2025 10:00:00 GMT"
    feed_server.route("/feed.xml", FEED, last_modified=stamp)
    first = await get(client, feed_server)
    state = next_state(FeedState("Test"), first, NOW)
    assert state.last_modified == stamp
    second = await get(client, feed_server, state=state)
    assert feed_server.requests[1].headers["if-modified-since"] == stamp
    assert second.outcome == "not_modified" and second.body is None


async def test_gzip_body_is_decoded(client, feed_server):
    feed_server.route("/feed.xml", FEED, gzip=True)
    result = await get(client, feed_server)
    assert result.outcome == "ok" and result.body == FEED
    assert "content-encoding" not in result.headers


async def test_raw_and_zlib_deflate_bodies_are_decoded(client, feed_server):
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    feed_server.route(
        "/raw", raw.compress(FEED) + raw.flush(), headers={"Content-Encoding": "deflate"}
    )
    feed_server.route("/zlib", zlib.compress(FEED), headers={"Content-Encoding": "deflate"})
    assert (await get(client, feed_server, "/raw")).body == FEED
    assert (await get(client, feed_server, "/zlib")).body == FEED


async def test_redirect_is_followed_and_final_url_reported(client, feed_server):
    feed_server.route("/old", status=301, headers={"Location": "/feed.xml"})
    feed_server.route("/feed.xml", FEED)
    result = await get(client, feed_server, "/old")
    assert result.outcome == "ok"
    assert result.final_url == feed_server.url("/feed.xml")


# --- HTTP errors, Retry-After, backoff --------------------------------------------------


async def test_429_retry_after_seconds_sets_retry_at(client, feed_server):
    feed_server.route("/feed.xml", status=429, headers={"Retry-After": "120"})
    result = await get(client, feed_server)
    assert result.outcome == "error" and result.error_kind == "http"
    assert result.error == "HTTP 429 Too Many Requests"
    assert result.retry_at == NOW + timedelta(seconds=120)
    state = next_state(FeedState("Test"), result, NOW)
    assert state.retry_at == NOW + timedelta(seconds=120)  # later than the 60 s backoff


async def test_503_retry_after_http_date_sets_retry_at(client, feed_server):
    when = NOW + timedelta(hours=2)
    feed_server.route(
        "/feed.xml", status=503, headers={"Retry-After": format_datetime(when, usegmt=True)}
    )
    result = await get(client, feed_server)
    assert result.error == "HTTP 503 Service Unavailable"
    assert result.retry_at == when


def test_retry_after_is_capped_and_garbage_ignored():
    assert parse_retry_after(str(10 * 86400), NOW) == NOW + timedelta(hours=24)
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after("Wed, 01 Oct 2000 10:00:00 GMT", NOW) == NOW  # in the past: now


async def test_500_is_an_error_and_backoff_grows(client, feed_server):
    feed_server.route("/feed.xml", b"oops", status=500, content_type="text/plain")
    state = FeedState("Test", etag='"old"')
    result = await get(client, feed_server)
    assert (result.outcome, result.error_kind, result.status) == ("error", "http", 500)
    assert result.error == "HTTP 500 Internal Server Error"
    assert result.body is None
    state = next_state(state, result, NOW)
    assert state.failures == 1 and state.last_error == "HTTP 500 Internal Server Error"
    assert state.error_kind == "http" and state.etag == '"old"'
    assert state.retry_at == NOW + timedelta(seconds=60)
    state = next_state(state, result, NOW)
    assert state.retry_at == NOW + timedelta(seconds=120)
    # success resets the count and the error
    feed_server.route("/feed.xml", FEED)
    ok = await get(client, feed_server)
    state = next_state(state, ok, NOW)
    assert (state.failures, state.last_error, state.retry_at, state.last_success) == (
        0,
        None,
        None,
        NOW,
    )


def test_backoff_delay_is_exponential_and_capped():
    assert [backoff_delay(n) for n in range(5)] == [0, 60, 120, 240, 480]
    assert backoff_delay(50) == 6 * 3600


async def test_404_names_status(client, feed_server):
    result = await get(client, feed_server, "/missing.xml")
    assert result.error == "HTTP 404 Not Found" and result.error_kind == "http"


# --- hostile servers --------------------------------------------------------------------


async def test_hanging_server_times_out_at_the_deadline(client, feed_server):
    feed_server.route("/feed.xml", FEED, delay=5)
    result = await get(client, feed_server)
    assert result.error_kind == "timeout"
    assert result.error == "timed out after 3s"


async def test_trickling_body_is_cut_at_the_whole_request_deadline(client, feed_server):
    # One byte every 0.2 s never trips a per-read timeout of 3 s; only a whole-request
    # deadline stops it (the full body would take over 20 s).
    feed_server.route("/feed.xml", b"x" * 100 + FEED, trickle=0.2)
    result = await get(client, feed_server)
    assert result.error_kind == "timeout"
    assert result.body is None


async def test_oversized_body_is_refused(client, feed_server):
    feed_server.route("/feed.xml", b"<rss>" + b" " * (SETTINGS.max_body_bytes + 1))
    result = await get(client, feed_server)
    assert result.error_kind == "too_large"
    assert result.error == "response larger than 256.0 KB"


async def test_oversized_body_without_content_length_is_refused(client, feed_server):
    big = b"<rss>" + b" " * (2 * SETTINGS.max_body_bytes)
    feed_server.route("/feed.xml", big, headers={"Transfer-Encoding": "chunked"})
    result = await get(client, feed_server)
    assert result.error_kind == "too_large" and result.body is None


async def test_chunked_body_within_the_cap_is_read(client, feed_server):
    feed_server.route("/feed.xml", FEED * 3, headers={"Transfer-Encoding": "chunked"})
    result = await get(client, feed_server)
    assert result.outcome == "ok" and result.body == FEED * 3


def _gzip_single(size: int) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    return b"".join([c.compress(chunk) for _ in range(size >> 20)] + [c.flush()])


def _gzip_members(size: int) -> bytes:
    member = gzip.compress(bytes(16 << 20), compresslevel=9)
    return member * (size // (16 << 20))


@pytest.mark.parametrize(
    "bomb", [lambda: _gzip_single(64 << 20), lambda: _gzip_members(1 << 30)], ids=["64MB", "1GB"]
)
async def test_gzip_bomb_is_refused_without_inflating(client, feed_server, bomb):
    body = bomb()
    assert len(body) < 2 << 20
    feed_server.route("/feed.xml", body, headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        result = await get(client, feed_server)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.error_kind == "too_large"
    assert result.body is None
    # Never more than a few times the 256 KB cap was allocated, not tens of MB.
    assert peak < 16 << 20


async def test_redirect_loop_is_cut(client, feed_server):
    feed_server.route("/a", status=302, headers={"Location": "/b"})
    feed_server.route("/b", status=302, headers={"Location": "/a"})
    result = await get(client, feed_server, "/a")
    assert result.error_kind == "redirects"
    assert result.error == "too many redirects (more than 3)"
    assert feed_server.hits("/a") + feed_server.hits("/b") == SETTINGS.max_redirects + 1


async def test_connection_refused_is_a_network_error(client):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = FeedConfig(name="Test", url=f"http://127.0.0.1:{port}/feed.xml")
    result = await fetch(client, cfg, FeedState("Test"), SETTINGS, now=NOW)
    assert result.error_kind == "network"
    assert result.error.startswith("could not connect to 127.0.0.1")
    assert "\n" not in result.error


async def test_server_closing_mid_response_is_a_network_error(client, feed_server):
    def lying(_: RequestInfo) -> tuple[int, dict[str, str], bytes]:
        headers = {
            "Content-Type": "application/rss+xml",
            "Content-Length": "5000",
            "Connection": "close",
        }
        return 200, headers, FEED

    feed_server.route("/feed.xml", handler=lying)
    result = await get(client, feed_server)
    assert result.error_kind == "network"
    assert result.error.startswith("server closed the connection")
    assert result.body is None


# --- not a feed ---------------------------------------------------------------------------


async def test_html_page_names_the_advertised_feed(client, feed_server):
    page = (
        b"<!DOCTYPE html><html><head><title>News</title>"
        b'<link rel="alternate" type="application/rss+xml" title="RSS" href="/rss.xml">'
        b"</head><body>hello</body></html>"
    )
    feed_server.route("/news", page, content_type="text/html; charset=utf-8")
    result = await get(client, feed_server, "/news")
    assert result.error_kind == "not_a_feed"
    assert result.error == (
        f"not a feed: an HTML page (it advertises a feed at {feed_server.url('/rss.xml')})"
    )
    assert result.discovered == feed_server.url("/rss.xml")


async def test_html_page_without_feed_link(client, feed_server):
    feed_server.route("/news", b"<html><body>hi</body></html>", content_type="text/html")
    result = await get(client, feed_server, "/news")
    assert result.error_kind == "not_a_feed"
    assert "no feed link" in result.error


async def test_page_kind_accepts_html(client, feed_server):
    page = b"<html><body><a href='/news/a'>A</a></body></html>"
    feed_server.route("/news", page, content_type="text/html")
    result = await get(client, feed_server, "/news", kind="page", links="/news/")
    assert result.outcome == "ok" and result.body == page


async def test_feed_served_as_text_html_is_still_a_feed(client, feed_server):
    feed_server.route("/feed.xml", FEED, content_type="text/html; charset=utf-8")
    assert (await get(client, feed_server)).outcome == "ok"


def test_looks_like_html_sniffs_the_body_first():
    assert looks_like_html(b"\xef\xbb\xbf  <!doctype html><html>", "application/xml")
    assert looks_like_html(b'<?xml version="1.0"?><!DOCTYPE html><html xmlns="x">', "")
    assert not looks_like_html(atom([]), "text/html")
    assert not looks_like_html(b'<rdf:RDF xmlns:rdf="x">', "text/html")
    assert looks_like_html(b"<div>hi</div>", "text/html")


async def test_empty_body_is_an_error(client, feed_server):
    feed_server.route("/feed.xml", b"  \n ")
    result = await get(client, feed_server)
    assert (result.error_kind, result.error) == ("empty", "empty response")


# --- per-host limit ----------------------------------------------------------------------


async def test_host_limiter_bounds_requests_in_flight(feed_server):
    in_flight = 0
    peak = 0
    lock = asyncio.Lock()
    limiter = HostLimiter(2)

    async def one() -> None:
        nonlocal in_flight, peak
        async with limiter(feed_server.url("/x")):
            async with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            await asyncio.sleep(0.01)
            async with lock:
                in_flight -= 1

    await asyncio.gather(*(one() for _ in range(8)))
    assert peak == 2
    assert limiter(feed_server.url("/a")) is limiter(feed_server.url("/b"))
    assert limiter("http://other.example/") is not limiter(feed_server.url("/a"))


async def test_fetch_respects_host_limits(client, feed_server):
    feed_server.route("/feed.xml", FEED)
    limiter = HostLimiter(1)
    cfg = feed(feed_server)
    results = await asyncio.gather(
        *(
            fetch(client, cfg, FeedState("Test"), SETTINGS, now=NOW, host_limits=limiter)
            for _ in range(4)
        )
    )
    assert [r.outcome for r in results] == ["ok"] * 4


# --- hostile validators, headers and redirects (one feed never takes a poll down) --------


async def test_non_ascii_validators_are_neither_kept_nor_sent_back(client, feed_server):
    # "\xc3\xa9" goes on the wire as the UTF-8 bytes of "é"; httpx reads it back as "é".
    feed_server.route(
        "/feed.xml", FEED, etag='"v\xc3\xa9"', last_modified="Wed, 01 Oct 2025 \xc3\xa9"
    )
    first = await get(client, feed_server)
    assert first.outcome == "ok" and first.etag is None and first.last_modified is None
    state = next_state(FeedState("Test"), first, NOW)
    again = await get(client, feed_server, state=state)
    assert again.outcome == "ok"
    # A bad validator already in the history (written by an older version) is not sent either.
    old = FeedState("Test", etag='"vé"', last_modified="Wed, 01 Oct 2025 é")
    third = await get(client, feed_server, state=old)
    assert third.outcome == "ok"
    assert "if-none-match" not in feed_server.requests[-1].headers
    assert "if-modified-since" not in feed_server.requests[-1].headers
    assert next_state(old, third, NOW).etag is None


async def test_superscript_retry_after_is_ignored_not_raised(client, feed_server):
    feed_server.route("/feed.xml", status=429, headers={"Retry-After": "²"})
    result = await get(client, feed_server)
    assert result.error == "HTTP 429 Too Many Requests"
    assert result.retry_at is None  # the ordinary backoff applies
    assert parse_retry_after("٣", NOW) is None  # Arabic-Indic digit: isdigit() but not a delay


async def test_an_unexpected_exception_becomes_a_one_line_network_error(client, feed_server):
    # An unbalanced IPv6 bracket makes urlsplit raise ValueError in the host limiter.
    cfg = FeedConfig(name="Test", url="http://[127.0.0.1/feed.xml")
    result = await fetch(
        client, cfg, FeedState("Test"), SETTINGS, now=NOW, host_limits=HostLimiter(2)
    )
    assert result.outcome == "error" and result.error_kind == "network"
    assert result.error.startswith("unexpected error: ValueError") and "\n" not in result.error


async def test_redirect_body_is_never_read_even_a_gzip_bomb(client, feed_server):
    import resource

    bomb = _gzip_single(256 << 20)  # 256 MB of zeros in ~250 KB
    feed_server.route(
        "/moved", bomb, status=302, headers={"Location": "/feed.xml", "Content-Encoding": "gzip"}
    )
    feed_server.route("/feed.xml", FEED)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    tracemalloc.start()
    try:
        result = await get(client, feed_server, "/moved")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024
    assert result.outcome == "ok" and result.body == FEED
    assert result.final_url == feed_server.url("/feed.xml")
    assert rss_growth < 100 << 20
    assert peak < 16 << 20


async def test_redirect_to_a_non_http_scheme_is_refused(client, feed_server):
    feed_server.route("/moved", status=301, headers={"Location": "file:///etc/passwd"})
    result = await get(client, feed_server, "/moved")
    assert result.error_kind == "redirects"
    assert result.error == "redirected to a non-http(s) URL: file:///etc/passwd"


async def test_relative_redirects_resolve_against_each_hop(client, feed_server):
    feed_server.route("/a/start", status=302, headers={"Location": "../b/next"})
    feed_server.route("/b/next", status=307, headers={"Location": "feed.xml"})
    feed_server.route("/b/feed.xml", FEED)
    result = await get(client, feed_server, "/a/start")
    assert result.outcome == "ok" and result.final_url == feed_server.url("/b/feed.xml")
