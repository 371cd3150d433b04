"""One poll of many feeds: fetch concurrently, parse off the loop, match, store in one write.

The CLI (`monitor poll`) and the TUI both call :func:`poll`. A broken feed never breaks the
others: every failure becomes that feed's :class:`FeedReport`.

Parsing and matching run off the loop, in worker processes when it pays
(:mod:`monitor.parse.pool`).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import httpx

from monitor.fetch import HostLimiter, fetch, make_client, next_state
from monitor.history import History
from monitor.models import Config, FeedConfig, FeedState, Item, Outcome, Settings, utcnow

if TYPE_CHECKING:
    from monitor.match import Matcher
    from monitor.parse import ParseResult
    from monitor.parse.pool import BodyParser

# Parsing, articles and sitemaps are imported by the first feed that returns a body: a
# poll in which every feed answers 304 (most polls) never loads feedparser, selectolax
# or the worker pool (a `monitor poll` process is mostly imports otherwise).


@dataclass(slots=True)
class FeedReport:
    """What happened to one feed in one poll."""

    feed: str
    outcome: Outcome
    new: int = 0
    matched: int = 0  # new items tagged by a watchlist
    watchlist_counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None  # one line
    error_kind: str | None = None
    warning: str | None = None  # e.g. an XML error after which some items were kept
    deferred: int = 0  # new items whose article waits for the next poll (max_articles)
    retry_at: datetime | None = None  # skipped or failed: no request before this
    server_pause: bool = False  # skipped because the server's Retry-After asked for a pause


@dataclass(slots=True, repr=False)
class PollReport:
    """Every feed's report, and the items that were new to the history."""

    feeds: list[FeedReport]
    new_items: list[Item]

    def __repr__(self) -> str:
        # Short on purpose: asyncio.run() formats its main task, result included, twice as it
        # restores the SIGINT handler; the full repr of a 10,000-item cold poll cost 0.3 s.
        return f"PollReport(<{len(self.feeds)} feeds>, <{len(self.new_items)} new items>)"

    @property
    def failed(self) -> bool:
        """A feed failed now, or is skipped because it is still failing (backoff/Retry-After)."""
        return any(r.outcome == "error" or (r.outcome == "skipped" and r.error) for r in self.feeds)


Progress = Callable[[FeedReport, int, int], None]


_NEVER = datetime.max.replace(tzinfo=timezone.utc)


def _after(start: datetime, seconds: float) -> datetime:
    """``start + seconds``, or the end of the calendar when that overflows (bad stored data)."""
    try:
        return start + timedelta(seconds=seconds)
    except (OverflowError, ValueError):  # past year 9999, or an infinite/NaN interval
        return _NEVER


def next_attempt(feed: FeedConfig, state: FeedState | None) -> datetime | None:
    """When a scheduled poll next asks this feed: its interval after the last attempt, or
    later if a server's Retry-After or the error backoff says so (None: now)."""
    if state is None:
        return None
    times = [t for t in (state.retry_at,) if t is not None]
    if state.last_attempt is not None:
        times.append(_after(state.last_attempt, feed.interval))
    return max(times) if times else None


def next_due(config: Config, history: History, now: datetime | None = None) -> datetime | None:
    """The earliest time any enabled feed is due (``now`` if one is due already)."""
    now = now or utcnow()
    states = history.feed_states()
    due: datetime | None = None
    for feed in config.feeds:
        if not feed.enabled:
            continue
        at = next_attempt(feed, states.get(feed.name)) or now
        at = max(at, now)
        due = at if due is None else min(due, at)
    return due


def _plan(
    config: Config,
    states: dict[str, FeedState],
    now: datetime,
    force: bool,
    only: Iterable[str] | None,
    retry: bool = False,
) -> tuple[list[FeedConfig], list[FeedReport]]:
    """Split the feeds into those to fetch now and those skipped for a backoff.

    With ``retry`` a failing feed is asked again at once, its error backoff skipped; a
    server's own Retry-After is still honoured (and said, in the report's ``error``)."""
    wanted = set(only) if only is not None else None
    due: list[FeedConfig] = []
    skipped: list[FeedReport] = []
    for feed in config.feeds:
        if not feed.enabled or (wanted is not None and feed.name not in wanted):
            continue
        state = states.get(feed.name)
        waiting_until = state.retry_at if state is not None else None
        if retry and state is not None:
            waiting_until = state.retry_after
        if state is not None and waiting_until is not None and waiting_until > now:
            reason = state.last_error or state.last_warning or "backoff"
            skipped.append(
                FeedReport(
                    feed.name,
                    "skipped",
                    error=reason,
                    error_kind=state.error_kind,
                    retry_at=waiting_until,
                    server_pause=waiting_until == state.retry_after,
                )
            )
            continue
        if retry and state is not None and state.failures:
            due.append(feed)  # failing: asked again now, whatever its interval says
            continue
        if not force:
            at = next_attempt(feed, state)
            if at is not None and at > now:
                continue
        due.append(feed)
    return due, skipped


async def poll(
    config: Config,
    history: History,
    matcher: Matcher,
    *,
    now: datetime | None = None,
    force: bool = False,
    only: Iterable[str] | None = None,
    progress: Progress | None = None,
    client: httpx.AsyncClient | None = None,
    retry: bool = False,
) -> PollReport:
    """Poll the due feeds (every feed with ``force``), store what is new in one write.

    Feeds whose server asked for a pause (Retry-After) or that are in error backoff are
    skipped even with ``force``; they come back as ``skipped`` reports with ``retry_at``.
    ``retry`` asks failing feeds again at once (``r`` in the UI, ``poll --retry``): only a
    server's Retry-After still holds them back.
    ``progress(report, done, total)`` is called on the event loop as each feed finishes.
    """
    now = now or utcnow()
    await asyncio.to_thread(history.refresh)
    states = history.feed_states()
    due, reports = _plan(config, states, now, force, only, retry)
    total = len(due) + len(reports)
    done = 0
    for report in reports:
        done += 1
        if progress:
            progress(report, done, total)

    overall = asyncio.Semaphore(max(1, config.settings.concurrency))
    host_limits = HostLimiter(config.settings.per_host)
    found: list[Item] = []
    new_states: list[FeedState] = []
    parsers: list[BodyParser] = []  # made by the first body to parse

    def body_parser() -> BodyParser:
        if not parsers:
            from monitor.parse.pool import PROCESS_MIN_FEEDS, BodyParser

            # A source whose articles are read is a parse per article: as much work as
            # several feeds.
            work = len(due) + sum(PROCESS_MIN_FEEDS for f in due if f.fetches_articles)
            articles = any(f.fetches_articles for f in due)
            parsers.append(BodyParser(work, matcher, config.settings.parser, articles=articles))
        return parsers[0]

    # A feed never read (no validators, no body kept) sends a body to parse: with enough of
    # them the workers start now, while the client is made and the first requests are out.
    never_read = sum(1 for f in due if _never_read(states.get(f.name)))
    if never_read:
        body_parser().start_early(never_read)
    own_client = client is None
    if client is None:  # loading the CA bundle holds the GIL for tens of ms: not on the loop
        try:
            client = await asyncio.to_thread(make_client, config.settings)
        except BaseException:
            for parser in parsers:
                await parser.aclose()
            raise

    async def one(feed: FeedConfig) -> FeedReport:
        state = states.get(feed.name) or FeedState(feed.name)
        failure: ParseResult | None = None
        async with overall:
            result = await fetch(
                client, feed, state, config.settings, now=now, host_limits=host_limits
            )
        report = FeedReport(
            feed.name,
            result.outcome,
            error=result.error,
            error_kind=result.error_kind,
            retry_at=result.retry_at,
        )
        pause: datetime | None = None  # an article server's Retry-After
        parsed_hash: str | None = None  # the body's digest, when the parse made it
        # Many servers send no validators: a body byte-identical to the last one read gives
        # the same items, so it is not parsed again. Only a feed with a hash kept can be
        # unchanged: a first body is hashed where it is parsed, off the loop.
        body = result.body if result.outcome == "ok" else None
        digest = None
        if body and _read_once(feed) and state.body_hash is not None:
            from monitor.parse.items import body_digest

            digest = body_digest(body)
        if digest is not None and digest == state.body_hash:
            report.warning = state.last_warning
        elif result.outcome == "ok":
            assert result.body is not None
            parser = body_parser()
            limits: dict[str, Any] = dict(
                now=now, run=parser.run, host_limits=host_limits, overall=overall
            )
            if feed.kind == "sitemap":
                from monitor.sitemaps import read_sitemap

                parsed = await read_sitemap(client, feed, result, config.settings, **limits)
            else:
                url = result.final_url or feed.url
                hash_it = digest is None and _read_once(feed)
                parsed = await parser.parse(
                    result.body, result.headers, url, feed, now, digest=hash_it
                )
            if parsed.error:
                report.outcome, report.error, report.error_kind = (
                    "error",
                    parsed.error,
                    parsed.error_kind,
                )
                failure = parsed
                result = replace(result, outcome="error")  # so the backoff applies
            else:
                report.warning = parsed.warning
                fresh = [i for i in parsed.items if i.id not in history]
                if fresh and (feed.fetches_articles or feed.kind == "sitemap"):
                    fresh, report.deferred, warning, pause = await _with_articles(
                        client, feed, fresh, config.settings, limits
                    )
                    report.warning = "; ".join(w for w in (parsed.warning, warning) if w) or None
                    old = [i for i in parsed.items if i.id in history]
                    parsed.items = old + fresh
                found.extend(parsed.items)
                parsed_hash = parsed.body_hash
                _count(report, fresh)
        new_state = next_state(state, result, now)
        if failure is not None:  # a parse failure's kind is not a fetch kind: set it here
            new_state = replace(new_state, last_error=failure.error, error_kind=failure.error_kind)
        if report.outcome == "error":
            report.retry_at = new_state.retry_at
        elif result.outcome == "ok":
            new_state.last_warning = report.warning
            new_state.retry_at = new_state.retry_after = pause  # an article server asked
            new_state.body_hash = digest if digest is not None else parsed_hash
        new_states.append(new_state)
        return report

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(feed)) for feed in due]
            for next_done in asyncio.as_completed(tasks):
                report = await next_done
                reports.append(report)
                done += 1
                if progress:
                    progress(report, done, total)
    finally:
        if own_client:
            await client.aclose()
        for parser in parsers:
            await parser.aclose()

    def final_states(added: list[Item]) -> list[FeedState]:
        # Inside the write: the counts are what the history took (another process may
        # have stored some of these items since our refresh), and last_new is set from them.
        _recount(reports, added)
        ok = {r.feed: r.new for r in reports if r.outcome == "ok"}
        for new_state in new_states:
            if new_state.name in ok:
                new_state.last_new = ok[new_state.name]
        return new_states

    if found or new_states:
        new_items = await asyncio.to_thread(history.commit, found, final_states)
    else:
        new_items = []
    order = {f.name: i for i, f in enumerate(config.feeds)}
    reports.sort(key=lambda r: order.get(r.feed, len(order)))
    return PollReport(reports, new_items)


async def _with_articles(
    client: httpx.AsyncClient,
    feed: FeedConfig,
    fresh: list[Item],
    settings: Settings,
    limits: dict[str, Any],
) -> tuple[list[Item], int, str | None, datetime | None]:
    """The new items to store now (articles read in), how many wait, the warning, a pause."""
    from monitor.articles import choose, fetch_articles

    if not feed.fetches_articles or feed.max_articles == 0:  # a sitemap without articles
        take, rest = choose(fresh, feed.max_articles or len(fresh), limits["now"])
        return take, len(rest), None, None
    run = await fetch_articles(client, feed, fresh, settings, **limits)
    return run.items, len(run.deferred), run.warning(), run.retry_at


def _never_read(state: FeedState | None) -> bool:
    """No validators to send (no 304 possible) and no body read before (nothing to skip)."""
    return state is None or not (state.etag or state.last_modified or state.body_hash)


def _read_once(feed: FeedConfig) -> bool:
    """Whether an unchanged body may be skipped: not for sources that fetch articles, whose
    items left for the next poll (``max_articles``) come from that same body."""
    return feed.kind != "sitemap" and not feed.fetches_articles


def _count(report: FeedReport, items: Iterable[Item]) -> None:
    counts: Counter[str] = Counter()
    new = matched = 0
    for item in items:
        new += 1
        if item.matches:
            matched += 1
            counts.update(item.tags)
    report.new, report.matched, report.watchlist_counts = new, matched, dict(counts)


def _recount(reports: list[FeedReport], new_items: list[Item]) -> None:
    """Make each report's counts agree with what the history actually took."""
    by_feed: dict[str, list[Item]] = {}
    for item in new_items:
        by_feed.setdefault(item.feed, []).append(item)
    for report in reports:
        if report.outcome == "ok":
            _count(report, by_feed.get(report.feed, ()))
