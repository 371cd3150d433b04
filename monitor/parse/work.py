"""The worker side of the parse pool (:mod:`.pool`): what runs in a worker process.

Kept apart from the pool's asyncio side so that the fork server, which imports this
module for every worker (see :mod:`.preload`), does not import asyncio (~40 ms) for
processes that never run an event loop.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from monitor.match import Matcher
from monitor.models import FeedConfig, ParserChoice, Watchlist
from monitor.parse.items import ParseResult, body_digest
from monitor.parse.page import parse_page
from monitor.parse.wire import Packed, pack

T = TypeVar("T")

_worker_matchers: dict[tuple[Watchlist, ...], Matcher] = {}  # in each worker process


def parse_body(
    body: bytes,
    headers: Mapping[str, str],
    url: str,
    feed: FeedConfig,
    matcher: Matcher,
    now: datetime,
    parser: ParserChoice = "auto",
    digest: bool = False,
) -> ParseResult:
    """One response body to matched items, by the feed's kind (pure; any thread or process).
    ``parser`` is ``[settings] parser`` (see :func:`monitor.parse.feed.parse_feed`);
    ``digest``: also set ``body_hash`` (hashed here, off the poll's event loop)."""
    if feed.kind == "page":
        parsed = parse_page(body, headers, url, feed.links or ".", feed.name, now)
    else:
        from monitor.parse.feed import parse_feed  # imported here: see monitor/parse/__init__

        parsed = parse_feed(body, headers, url, feed.name, now, parser=parser)
    for item in parsed.items:
        matcher.apply(item)
    if digest:
        parsed.body_hash = body_digest(body)
    return parsed


def worker_parse(
    body: bytes,
    headers: dict[str, str],
    url: str,
    feed: FeedConfig,
    watchlists: tuple[Watchlist, ...],
    now: datetime,
    parser: ParserChoice,
    digest: bool = False,
) -> Packed:
    """Runs in a worker process; the result goes back as tuples (see :mod:`.wire`)."""
    matcher = worker_matcher(watchlists)
    return pack(parse_body(body, headers, url, feed, matcher, now, parser, digest))


def worker_call(
    fn: Callable[..., T], watchlists: tuple[Watchlist, ...], args: tuple[Any, ...]
) -> T:
    """Runs in a worker process: ``fn`` with this worker's Matcher (see BodyParser.run)."""
    return fn(worker_matcher(watchlists), *args)


def worker_matcher(watchlists: tuple[Watchlist, ...]) -> Matcher:
    """This worker's Matcher for these watchlists, built once (its caches stay warm)."""
    matcher = _worker_matchers.get(watchlists)
    if matcher is None:
        if len(_worker_matchers) >= 4:  # watchlists edited many times: drop the old ones
            _worker_matchers.clear()
        matcher = _worker_matchers[watchlists] = Matcher(watchlists)
        matcher.match("", "оборона")  # loads the Ukrainian dictionaries now
    return matcher


def worker_init(nice: int) -> None:
    """Runs in each worker process as it starts (``nice``: see ``pool.worker_nice``)."""
    if nice > 0:
        try:
            os.nice(nice)
        except OSError:  # not allowed here: parse at the usual priority
            pass


def worker_warm(watchlists: tuple[Watchlist, ...]) -> None:
    worker_matcher(watchlists)
