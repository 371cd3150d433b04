"""One poll of many feeds: fetch concurrently, parse off the loop, match, store in one write.

The CLI (`monitor poll`) and the TUI both call :func:`poll`. A broken feed never breaks the
others: every failure becomes that feed's :class:`FeedReport`.

Parsing and matching are CPU-bound pure Python (feedparser, pymorphy3), so threads would
serialise on the GIL. They run in a process pool instead (see :func:`_use_processes`): one
pool for the life of the process, started lazily, shut down at exit; each worker keeps a
:class:`Matcher` per watchlists so its word caches stay warm from poll to poll.
"""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import os
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from monitor.fetch import FetchResult, HostLimiter, fetch, make_client, next_state
from monitor.match import Matcher
from monitor.models import Config, FeedConfig, FeedState, Item, Outcome, Watchlist, utcnow
from monitor.parse import ParseResult, parse_feed, parse_page
from monitor.paths import default_history_path
from monitor.store import History


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
    retry_at: datetime | None = None  # skipped or failed: no request before this


@dataclass(slots=True)
class PollReport:
    """Every feed's report, and the items that were new to the history."""

    feeds: list[FeedReport]
    new_items: list[Item]

    @property
    def failed(self) -> bool:
        """A feed failed now, or is skipped because it is still failing (backoff/Retry-After)."""
        return any(r.outcome == "error" or (r.outcome == "skipped" and r.error) for r in self.feeds)


Progress = Callable[[FeedReport, int, int], None]


def open_history(config: Config, db_override: Path | None = None, *, create: bool = True) -> History:
    """The history named by ``--db``, else by ``[settings] history``, else the platform's.

    With ``create=False`` a missing file is a :class:`~monitor.errors.HistoryError`."""
    path = db_override or config.settings.history or default_history_path()
    return History.open(Path(path).expanduser(), create=create)


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
) -> tuple[list[FeedConfig], list[FeedReport]]:
    """Split the feeds into those to fetch now and those skipped for a backoff."""
    wanted = set(only) if only is not None else None
    due: list[FeedConfig] = []
    skipped: list[FeedReport] = []
    for feed in config.feeds:
        if not feed.enabled or (wanted is not None and feed.name not in wanted):
            continue
        state = states.get(feed.name)
        if state is not None and state.retry_at is not None and state.retry_at > now:
            reason = state.last_error or "backoff"
            skipped.append(
                FeedReport(feed.name, "skipped", error=reason, error_kind=state.error_kind,
                           retry_at=state.retry_at)
            )
            continue
        if not force:
            at = next_attempt(feed, state)
            if at is not None and at > now:
                continue
        due.append(feed)
    return due, skipped


def _parse_and_match(
    result: FetchResult, feed: FeedConfig, matcher: Matcher, now: datetime
) -> ParseResult:
    """Runs in a worker thread: bytes to matched items."""
    assert result.body is not None
    return _parse_body(result.body, result.headers, result.final_url or feed.url, feed,
                       matcher, now)


def _parse_body(
    body: bytes, headers: Mapping[str, str], url: str, feed: FeedConfig, matcher: Matcher,
    now: datetime,
) -> ParseResult:
    if feed.kind == "page":
        parsed = parse_page(body, headers, url, feed.links or ".", feed.name, now)
    else:
        parsed = parse_feed(body, headers, url, feed.name, now)
    for item in parsed.items:
        matcher.apply(item)
    return parsed


# --- the process pool ------------------------------------------------------------------

PROCESS_MIN_FEEDS = 4  # fewer due feeds than this do not pay for starting the workers
_CRASHED = "the parser process crashed on this feed"

_WORKERS = os.cpu_count() or 1
_pool: ProcessPoolExecutor | None = None
_pool_unavailable = False  # could not start here (restricted environment): threads only
_pool_lock = threading.Lock()
_worker_matchers: dict[tuple[Watchlist, ...], Matcher] = {}  # in each worker process


def _worker_parse(
    body: bytes, headers: dict[str, str], url: str, feed: FeedConfig,
    watchlists: tuple[Watchlist, ...], now: datetime,
) -> ParseResult:
    """Runs in a worker process."""
    return _parse_body(body, headers, url, feed, _worker_matcher(watchlists), now)


def _worker_matcher(watchlists: tuple[Watchlist, ...]) -> Matcher:
    """This worker's Matcher for these watchlists, built once (its caches stay warm)."""
    matcher = _worker_matchers.get(watchlists)
    if matcher is None:
        if len(_worker_matchers) >= 4:  # watchlists edited many times: drop the old ones
            _worker_matchers.clear()
        matcher = _worker_matchers[watchlists] = Matcher(watchlists)
        matcher.match("", "оборона")  # loads the Ukrainian dictionaries now
    return matcher


def _worker_warm(watchlists: tuple[Watchlist, ...]) -> None:
    _worker_matcher(watchlists)


def _warm_pool(matcher: Matcher) -> None:
    """Start the workers and build their Matchers while the first requests are in flight."""
    pool = _process_pool()
    if pool is None:
        return
    try:
        for _ in range(_WORKERS):
            pool.submit(_worker_warm, matcher.watchlists)
    except BrokenProcessPool:
        _discard_pool(pool)
    except Exception:  # the workers could not be started here
        _discard_pool(pool, unavailable=True)


def _process_pool() -> ProcessPoolExecutor | None:
    """The shared pool, created on first use; None where processes cannot be used."""
    global _pool, _pool_unavailable
    with _pool_lock:
        if _pool is None and not _pool_unavailable:
            try:
                if "forkserver" in multiprocessing.get_all_start_methods():
                    # Never plain fork: the TUI and httpx have threads running.
                    context = multiprocessing.get_context("forkserver")
                    context.set_forkserver_preload(["monitor.parse", "monitor.match", "monitor.poll"])
                else:
                    context = multiprocessing.get_context("spawn")
                _start_resource_tracker()
                _pool = ProcessPoolExecutor(max_workers=_WORKERS, mp_context=context)
            except Exception:  # no semaphores, no /dev/shm, sandboxed: use threads
                _pool_unavailable = True
        return _pool


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with the real stderr.

    The tracker inherits ``sys.stderr`` by file descriptor; inside the TUI, Textual has
    replaced ``sys.stderr`` with a capture object that has none, and the start fails.
    """
    from multiprocessing import resource_tracker

    saved = sys.stderr
    try:
        try:
            usable = saved.fileno() >= 0  # Textual's capture answers -1
        except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation and the like
            usable = False
        if not usable and sys.__stderr__ is not None:
            sys.stderr = sys.__stderr__  # process-wide, so only for this call
        resource_tracker.ensure_running()
    finally:
        sys.stderr = saved


def _discard_pool(pool: ProcessPoolExecutor, *, unavailable: bool = False) -> None:
    """Forget a broken pool (the next submit starts a new one) or give up on processes."""
    global _pool, _pool_unavailable
    with _pool_lock:
        if _pool is pool:
            _pool = None
        _pool_unavailable = _pool_unavailable or unavailable
    pool.shutdown(wait=False, cancel_futures=True)


@atexit.register
def shutdown_pool() -> None:
    """Stop the worker processes (also run at interpreter exit)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def _use_processes(due: int, matcher: Matcher) -> bool:
    """Whether to parse and match in worker processes rather than threads.

    Yes when the pool is already running (its cost is paid) or when at least
    :data:`PROCESS_MIN_FEEDS` feeds are due (starting the workers costs more than parsing a
    few feeds in a thread). Never where the pool could not start, and only for a plain
    :class:`Matcher`, which the workers rebuild from its watchlists.
    """
    if _pool_unavailable or type(matcher) is not Matcher:
        return False
    return _pool is not None or due >= PROCESS_MIN_FEEDS


async def _parse_in_process(
    result: FetchResult, feed: FeedConfig, matcher: Matcher, now: datetime
) -> ParseResult | None:
    """Parse + match in the pool; None when the pool cannot be used (then use a thread).

    A worker that dies (BrokenProcessPool) makes this feed an error; the pool is replaced
    on the next submit.
    """
    pool = _process_pool()
    if pool is None:
        return None
    assert result.body is not None
    loop = asyncio.get_running_loop()
    args = (result.body, dict(result.headers), result.final_url or feed.url, feed,
            matcher.watchlists, now)
    try:
        future = loop.run_in_executor(pool, _worker_parse, *args)
    except BrokenProcessPool:
        _discard_pool(pool)
        return ParseResult(error=_CRASHED, error_kind="xml")
    except Exception:  # the workers could not be started here
        _discard_pool(pool, unavailable=True)
        return None
    try:
        return await future
    except BrokenProcessPool:
        _discard_pool(pool)
        return ParseResult(error=_CRASHED, error_kind="xml")


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
) -> PollReport:
    """Poll the due feeds (every feed with ``force``), store what is new in one write.

    Feeds whose server asked for a pause (Retry-After) or that are in error backoff are
    skipped even with ``force``; they come back as ``skipped`` reports with ``retry_at``.
    ``progress(report, done, total)`` is called on the event loop as each feed finishes.
    """
    now = now or utcnow()
    await asyncio.to_thread(history.refresh)
    states = history.feed_states()
    due, reports = _plan(config, states, now, force, only)
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
    own_client = client is None
    if client is None:  # loading the CA bundle holds the GIL for tens of ms: not on the loop
        client = await asyncio.to_thread(make_client, config.settings)

    in_processes = _use_processes(len(due), matcher)
    # Starting workers blocks until the fork server is up: never on the event loop.
    warming = asyncio.ensure_future(asyncio.to_thread(_warm_pool, matcher)) if in_processes else None

    async def one(feed: FeedConfig) -> FeedReport:
        state = states.get(feed.name) or FeedState(feed.name)
        async with overall:
            result = await fetch(client, feed, state, config.settings, now=now,
                                 host_limits=host_limits)
        report = FeedReport(feed.name, result.outcome, error=result.error,
                            error_kind=result.error_kind, retry_at=result.retry_at)
        if result.outcome == "ok":
            try:
                parsed = None
                if warming is not None:
                    await asyncio.shield(warming)
                    parsed = await _parse_in_process(result, feed, matcher, now)
                if parsed is None:
                    parsed = await asyncio.to_thread(_parse_and_match, result, feed, matcher, now)
            except Exception as exc:  # a parser bug must not take the other feeds down
                parsed = ParseResult([], error=f"could not read the feed: {exc}", error_kind="xml")
            if parsed.error:
                report.outcome, report.error, report.error_kind = "error", parsed.error, parsed.error_kind
                result = _failed(result, parsed)
            else:
                report.warning = parsed.warning
                found.extend(parsed.items)
                fresh = [i for i in parsed.items if history.get(i.id) is None]
                _count(report, fresh)
        new_state = next_state(state, result, now)
        if report.outcome == "error":
            report.retry_at = new_state.retry_at
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
        if warming is not None:
            await warming

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


def _failed(result: FetchResult, parsed: ParseResult) -> FetchResult:
    """The fetch result re-labelled as the parse failure, so the backoff applies."""
    return replace(result, outcome="error", error=parsed.error, error_kind=parsed.error_kind)


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
