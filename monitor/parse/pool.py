"""Parse + match off the event loop: in worker processes when it pays, else in a thread.

Parsing and matching are CPU-bound pure Python (feedparser, pymorphy3), so threads would
serialise on the GIL. They run in a process pool instead: one pool for the life of the
process, started lazily, shut down at exit; each worker keeps a :class:`Matcher` per
watchlists so its word caches stay warm from poll to poll (the worker side is
:mod:`.work`; the fork server preloads it, see :mod:`.preload`). Where processes cannot
start (sandboxes, no semaphores) everything runs in threads.
"""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from multiprocessing.context import BaseContext
from typing import Any, TypeVar

from monitor.match import Matcher
from monitor.models import FeedConfig, ParserChoice
from monitor.parse.items import ParseResult
from monitor.parse.wire import unpack
from monitor.parse.work import parse_body, worker_call, worker_init, worker_parse, worker_warm

T = TypeVar("T")
PROCESS_MIN_FEEDS = 4  # fewer due feeds than this do not pay for starting the workers
CRASHED = "the parser process crashed on this feed"

_WORKERS = os.cpu_count() or 1
_pool: ProcessPoolExecutor | None = None
_pool_unavailable = False  # could not start here (restricted environment): threads only
_pool_lock = threading.Lock()
# Niceness added to the workers of a pool started from now on (the TUI sets it: its event
# loop, not the parsing, must win the CPU; an idle machine parses just as fast).
worker_nice = 0


class BodyParser:
    """Parses the bodies of one poll: in the shared process pool when ``due`` feeds make it
    worth starting (or it already runs), else in threads.

    The pool starts on the first body that needs parsing, not before: a poll in which every
    feed answers 304 (or fails) costs no worker processes. A poll that knows bodies are
    coming (feeds with no validators cannot answer 304) starts it at once with
    :meth:`start_early`, while the HTTP client is still being made. ``articles`` says the
    poll reads articles: the fork server then imports trafilatura once for every worker.
    """

    def __init__(
        self,
        due: int,
        matcher: Matcher,
        parser: ParserChoice = "auto",
        *,
        articles: bool = False,
    ) -> None:
        self._matcher = matcher
        self._parser = parser
        self._articles = articles
        self._in_processes = _use_processes(due, matcher)
        self._warming: asyncio.Future[None] | None = None

    def _start(self) -> asyncio.Future[None]:
        if self._warming is None:
            # Starting workers blocks until the fork server is up: never on the event loop.
            self._warming = asyncio.ensure_future(
                asyncio.to_thread(_warm_pool, self._matcher, self._articles)
            )
        return self._warming

    def start_early(self, bodies: int) -> None:
        """Start the workers now when at least ``bodies`` responses will need parsing."""
        if self._in_processes and bodies >= PROCESS_MIN_FEEDS:
            self._start()

    async def parse(
        self,
        body: bytes,
        headers: Mapping[str, str],
        url: str,
        feed: FeedConfig,
        now: datetime,
        *,
        digest: bool = False,
    ) -> ParseResult:
        """Parse + match one body; a parser bug or a dead worker becomes this feed's error.
        ``digest``: the result's ``body_hash`` is set too (the hashing done off the loop)."""
        try:
            parsed = None
            if self._in_processes:
                await asyncio.shield(self._start())
                parsed = await _parse_in_process(
                    body, headers, url, feed, self._matcher, now, self._parser, digest
                )
            if parsed is None:
                parsed = await asyncio.to_thread(
                    parse_body, body, headers, url, feed, self._matcher, now, self._parser, digest
                )
        except Exception as exc:  # a parser bug must not take the other feeds down
            parsed = ParseResult([], error=f"could not read the feed: {exc}", error_kind="xml")
        return parsed

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(matcher, *args)`` off the loop, where this poll parses: in a worker process
        (with that worker's warm Matcher) or a thread. ``fn`` must be a module-level
        function and ``args`` picklable. Raises what ``fn`` raises, and RuntimeError when
        the worker process died."""
        if self._in_processes:
            await asyncio.shield(self._start())
            pool = _process_pool()
            if pool is not None:
                loop = asyncio.get_running_loop()
                try:
                    future = loop.run_in_executor(
                        pool, worker_call, fn, self._matcher.watchlists, args
                    )
                except BrokenProcessPool:
                    _discard_pool(pool)
                    raise RuntimeError(CRASHED) from None
                except Exception:  # the workers could not be started here: use a thread
                    _discard_pool(pool, unavailable=True)
                else:
                    try:
                        return await future
                    except BrokenProcessPool:
                        _discard_pool(pool)
                        raise RuntimeError(CRASHED) from None
        return await asyncio.to_thread(fn, self._matcher, *args)

    async def aclose(self) -> None:
        """Wait for the pool start (it runs in a thread) so none outlives the poll."""
        if self._warming is not None:
            await self._warming


def _warm_pool(matcher: Matcher, articles: bool = False) -> None:
    """Start the workers and build their Matchers while the first requests are in flight."""
    pool = _process_pool(articles)
    if pool is None:
        return
    try:
        for _ in range(_WORKERS):
            pool.submit(worker_warm, matcher.watchlists)
    except BrokenProcessPool:
        _discard_pool(pool)
    except Exception:  # the workers could not be started here
        _discard_pool(pool, unavailable=True)


def _process_pool(articles: bool = False) -> ProcessPoolExecutor | None:
    """The shared pool, created on first use; None where processes cannot be used.

    ``articles``: the poll that starts it reads articles, so the fork server imports
    trafilatura (~0.5 s) once for all workers; otherwise it does not wait for that import
    (a worker that later reads an article imports it then, once)."""
    global _pool, _pool_unavailable
    with _pool_lock:
        if _pool is None and not _pool_unavailable:
            try:
                if "forkserver" in multiprocessing.get_all_start_methods():
                    # Never plain fork: the TUI and httpx have threads running.
                    context: BaseContext = multiprocessing.get_context("forkserver")
                    preload = ["monitor.parse.preload"]
                    preload += ["trafilatura"] if articles else []
                    context.set_forkserver_preload(preload)
                else:
                    context = multiprocessing.get_context("spawn")
                _start_resource_tracker()
                _pool = ProcessPoolExecutor(
                    max_workers=_WORKERS,
                    mp_context=context,
                    initializer=worker_init,
                    initargs=(worker_nice,),
                )
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
    body: bytes,
    headers: Mapping[str, str],
    url: str,
    feed: FeedConfig,
    matcher: Matcher,
    now: datetime,
    parser: ParserChoice,
    digest: bool,
) -> ParseResult | None:
    """Parse + match in the pool; None when the pool cannot be used (then use a thread).

    A worker that dies (BrokenProcessPool) makes this feed an error; the pool is replaced
    on the next submit.
    """
    pool = _process_pool()
    if pool is None:
        return None
    loop = asyncio.get_running_loop()
    args = (body, dict(headers), url, feed, matcher.watchlists, now, parser, digest)
    try:
        future = loop.run_in_executor(pool, worker_parse, *args)
    except BrokenProcessPool:
        _discard_pool(pool)
        return ParseResult(error=CRASHED, error_kind="xml")
    except Exception:  # the workers could not be started here
        _discard_pool(pool, unavailable=True)
        return None
    try:
        return unpack(await future)
    except BrokenProcessPool:
        _discard_pool(pool)
        return ParseResult(error=CRASHED, error_kind="xml")
