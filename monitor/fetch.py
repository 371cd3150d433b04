"""HTTP fetching with limits against hostile or broken servers (httpx, async).

One :func:`fetch` never raises for network trouble: it returns a :class:`FetchResult` whose
``error`` is a specific one-line message (the caller prefixes the feed name) and whose
``error_kind`` is one of :data:`ErrorKind`. Limits enforced here:

* a deadline for the whole request, body included (``settings.timeout``);
* a body size cap enforced while streaming, *after* decompression, without ever inflating
  more than the cap (``settings.max_body_bytes``; gzip bombs are cut off);
* a redirect cap (``settings.max_redirects``);
* conditional GET (ETag / Last-Modified) and Retry-After.

The body is read by :mod:`monitor.response_body`, sniffed by :mod:`monitor.sniff`; the
feed's next state (backoff, Retry-After) is :mod:`monitor.feed_state`'s. Their public names
are re-exported here.
"""

from __future__ import annotations

import asyncio
import importlib
import re
from collections import defaultdict
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from monitor.feed_state import backoff_delay, next_state, parse_retry_after, validator
from monitor.models import FeedConfig, FeedState, Settings, utcnow
from monitor.response_body import BadEncoding, TooLarge, read_body
from monitor.sniff import discover_feeds, looks_like_html
from monitor.text import clip

# httpx imports its transport (httpcore, h11, anyio's asyncio backend) on the first request.
# Import them now, so that first request does not spend ~100 ms importing inside the TUI's
# event loop. Best effort: a layout change in those packages only costs that delay again.
for _module in ("httpcore", "h11", "anyio", "anyio._backends._asyncio", "certifi"):
    try:
        importlib.import_module(_module)
    except ImportError:  # pragma: no cover - depends on the installed versions
        pass

__all__ = [
    "ErrorKind",
    "FetchOutcome",
    "FetchResult",
    "HostLimiter",
    "backoff_delay",
    "discover_feeds",
    "fetch",
    "looks_like_html",
    "make_client",
    "next_state",
    "parse_retry_after",
]

ErrorKind = Literal["timeout", "network", "http", "too_large", "not_a_feed", "empty", "redirects"]
FetchOutcome = Literal["ok", "not_modified", "error"]

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.5, */*;q=0.1"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(slots=True)
class FetchResult:
    """What one fetch produced. ``body`` is decoded (no gzip/deflate left) when outcome is "ok"."""

    feed: str
    outcome: FetchOutcome
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lowercased keys
    final_url: str = ""
    status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None  # one line, without the feed name
    error_kind: ErrorKind | None = None
    retry_at: datetime | None = None  # from Retry-After (429/503), capped at 24 h
    discovered: str | None = None  # feed URL advertised by an HTML page (not_a_feed)


class HostLimiter:
    """At most ``per_host`` requests in flight per host (one semaphore per host name)."""

    def __init__(self, per_host: int) -> None:
        self.per_host = max(1, per_host)
        self._sems: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(self.per_host)
        )

    def __call__(self, url: str) -> asyncio.Semaphore:
        return self._sems[(urlsplit(url).hostname or "").lower()]


def make_client(settings: Settings) -> httpx.AsyncClient:
    """An AsyncClient configured from the settings (caller closes it: ``async with``)."""
    client = httpx.AsyncClient(
        headers={
            "User-Agent": settings.user_agent,
            "Accept": ACCEPT,
            # Only what we decode ourselves, incrementally and under the size cap.
            "Accept-Encoding": "gzip, deflate",
        },
        timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
        # Redirects are followed by fetch itself: httpx would read (and inflate) every
        # redirect body in full, outside the size cap.
        follow_redirects=False,
        limits=httpx.Limits(
            max_connections=max(1, settings.concurrency),
            max_keepalive_connections=max(1, settings.concurrency),
        ),
    )
    use_asyncio_streams(client)
    return client


def use_asyncio_streams(client: httpx.AsyncClient) -> None:
    """The client's connections on :mod:`monitor.net` (asyncio streams) instead of anyio's.

    httpx offers no argument for httpcore's ``network_backend`` (and a ``transport=`` of our
    own would turn off its proxies from the environment), so the pool it made is given the
    backend before its first connection. Best effort: should httpx or httpcore name these
    differently one day, the client keeps anyio's backend and works as before."""
    from monitor.net import AsyncioBackend

    pool = getattr(getattr(client, "_transport", None), "_pool", None)
    if isinstance(pool, httpcore.AsyncConnectionPool) and hasattr(pool, "_network_backend"):
        pool._network_backend = AsyncioBackend()


def _fmt_seconds(seconds: float) -> str:
    return f"{seconds:g}s"


def _fmt_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} bytes"


def _error(feed: FeedConfig, kind: ErrorKind, message: str, **extra: object) -> FetchResult:
    return FetchResult(
        feed=feed.name,
        outcome="error",
        error=clip(message, 200),
        error_kind=kind,
        final_url=str(extra.pop("final_url", feed.url)),
        **extra,  # type: ignore[arg-type]
    )


def _network_message(exc: httpx.HTTPError) -> str:
    detail = re.sub(r"\[Errno -?\d+\]\s*", "", str(exc)).strip()
    host = ""
    try:
        host = exc.request.url.host
    except RuntimeError:
        pass
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect to {host}: {detail or 'connection failed'}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return (
            f"server closed the connection or sent a broken response: {detail or 'protocol error'}"
        )
    if isinstance(exc, httpx.UnsupportedProtocol):
        return f"unsupported URL: {detail}"
    return f"network error: {detail or type(exc).__name__}"


async def fetch(
    client: httpx.AsyncClient,
    feed: FeedConfig,
    state: FeedState | None,
    settings: Settings,
    *,
    now: datetime | None = None,
    host_limits: HostLimiter | None = None,
) -> FetchResult:
    """GET ``feed.url`` with every limit applied; never raises (an unexpected exception
    becomes a "network" error result, so one feed cannot take a poll down)."""
    try:
        return await _guarded_fetch(client, feed, state, settings, now or utcnow(), host_limits)
    except Exception as exc:
        return _error(feed, "network", f"unexpected error: {type(exc).__name__}: {exc}")


async def _guarded_fetch(
    client: httpx.AsyncClient,
    feed: FeedConfig,
    state: FeedState | None,
    settings: Settings,
    now: datetime,
    host_limits: HostLimiter | None,
) -> FetchResult:
    headers: dict[str, str] = {}
    if state is not None and (etag := validator(state.etag)):
        headers["If-None-Match"] = etag
    if state is not None and (last_modified := validator(state.last_modified)):
        headers["If-Modified-Since"] = last_modified
    gate: AbstractAsyncContextManager[object] = (
        host_limits(feed.url) if host_limits is not None else nullcontext()
    )
    async with gate:
        try:
            async with asyncio.timeout(settings.timeout):
                return await _fetch(client, feed, state, settings, headers, now)
        except TimeoutError:
            return _error(feed, "timeout", f"timed out after {_fmt_seconds(settings.timeout)}")
        except httpx.ConnectTimeout:
            return _error(
                feed,
                "timeout",
                f"timed out connecting after {_fmt_seconds(settings.connect_timeout)}",
            )
        except httpx.TimeoutException:
            return _error(feed, "timeout", f"timed out after {_fmt_seconds(settings.timeout)}")
        except httpx.InvalidURL as exc:
            return _error(feed, "network", f"invalid URL: {exc}")
        except httpx.HTTPError as exc:
            return _error(feed, "network", _network_message(exc))
        except OSError as exc:  # e.g. a socket error httpx did not wrap
            return _error(feed, "network", f"network error: {exc.strerror or exc}")


async def _send(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], settings: Settings
) -> httpx.Response | FetchResult:
    """GET ``url``, following at most ``max_redirects`` redirects by hand: a redirect's body is
    never read (the connection is closed instead). Returns the final streaming response
    (caller closes it), or a FetchResult-shaped error for a bad redirect."""
    for _hop in range(settings.max_redirects + 1):
        request = client.build_request("GET", url, headers=headers)
        response = await client.send(request, stream=True, follow_redirects=False)
        location = response.headers.get("location", "").strip()
        if response.status_code not in _REDIRECTS or not location:
            return response
        await response.aclose()  # body unread: a redirect body may be a gzip bomb
        url = urljoin(str(response.url), location)
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            return FetchResult(
                feed="",
                outcome="error",
                final_url=str(response.url),
                status=response.status_code,
                error=clip(f"redirected to a non-http(s) URL: {url}", 200),
                error_kind="redirects",
            )
    return FetchResult(
        feed="",
        outcome="error",
        final_url=url,
        error=f"too many redirects (more than {settings.max_redirects})",
        error_kind="redirects",
    )


async def _fetch(
    client: httpx.AsyncClient,
    feed: FeedConfig,
    state: FeedState | None,
    settings: Settings,
    headers: dict[str, str],
    now: datetime,
) -> FetchResult:
    sent = await _send(client, feed.url, headers, settings)
    if isinstance(sent, FetchResult):
        return replace(sent, feed=feed.name)
    response = sent
    try:
        final_url = str(response.url)
        resp_headers = {k.lower(): v for k, v in response.headers.items()}
        etag = validator(resp_headers.get("etag"))
        last_modified = validator(resp_headers.get("last-modified"))
        common = dict(final_url=final_url, status=response.status_code, headers=resp_headers)
        if response.status_code == 304:
            # A 304 has no body, but the connection goes back to the pool only once its
            # end is read: without this, every 304 closed its connection (a warm poll of
            # 200 feeds opened 200 connections to one host instead of ~4).
            await response.aread()
            return FetchResult(
                feed=feed.name,
                outcome="not_modified",
                etag=etag or (validator(state.etag) if state else None),
                last_modified=last_modified or (validator(state.last_modified) if state else None),
                **common,  # type: ignore[arg-type]
            )
        if not 200 <= response.status_code < 300:
            retry_at = None
            if response.status_code in (429, 503):
                retry_at = parse_retry_after(resp_headers.get("retry-after"), now)
            reason = response.reason_phrase or httpx.codes.get_reason_phrase(response.status_code)
            return _error(
                feed,
                "http",
                f"HTTP {response.status_code} {reason}".strip(),
                retry_at=retry_at,
                **common,
            )
        try:
            body = await read_body(response, settings.max_body_bytes)
        except TooLarge:
            return _error(
                feed,
                "too_large",
                f"response larger than {_fmt_size(settings.max_body_bytes)}",
                **common,
            )
        except BadEncoding as exc:
            return _error(feed, "network", str(exc), **common)
    finally:
        await response.aclose()
    # The body is decoded: these headers no longer describe it.
    resp_headers.pop("content-encoding", None)
    resp_headers.pop("content-length", None)
    if not body.strip():
        return _error(feed, "empty", "empty response", **common)
    if feed.kind != "page" and looks_like_html(body, resp_headers.get("content-type", "")):
        found = discover_feeds(body, final_url)
        if found:
            message = f"not a feed: an HTML page (it advertises a feed at {found[0]})"
        else:
            message = "not a feed: an HTML page (no feed link found on it)"
        return _error(feed, "not_a_feed", message, discovered=found[0] if found else None, **common)
    return FetchResult(
        feed=feed.name,
        outcome="ok",
        body=body,
        etag=etag,
        last_modified=last_modified,
        **common,  # type: ignore[arg-type]
    )
