"""The article page behind each new item: fetched with the feeds' limits, read in the parse pool.

For a source that fetches articles (``kind = "page"`` and ``"sitemap"`` by default,
``full_text = true`` feeds), :func:`fetch_articles` takes the poll's new items, newest
first, at most ``max_articles`` of them (the rest wait for the next poll: they are not
stored yet, so they are still new then), fetches each link once through :func:`fetch`
(deadline, size cap, redirect cap, per-host and overall limits) and hands the body to
:func:`monitor.parse.article.read_article` off the event loop.

A page that fails (404, a PDF, no text, a timeout) keeps its item as the bare link, and the
source's warning says why. When the server asks for a pause (429/503 with Retry-After) or
three pages in a row time out, the articles not yet asked for wait for the next poll.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime

import httpx

from monitor.fetch import HostLimiter, fetch
from monitor.models import FeedConfig, Item, Settings
from monitor.parse.article import read_article
from monitor.text import shorten

__all__ = ["ArticleRun", "choose", "fetch_articles"]

STOP_AFTER_TIMEOUTS = 3  # consecutive timeouts or network errors before the rest wait

# (fn, *args) run where the poll parses: BodyParser.run
Runner = Callable[..., Awaitable[tuple[Item, str | None]]]


@dataclass(slots=True)
class ArticleRun:
    """What fetching one source's articles gave."""

    items: list[Item] = field(default_factory=list)  # to store: read, or kept as bare links
    deferred: list[Item] = field(default_factory=list)  # not asked for: the next poll's
    failures: list[tuple[str, str]] = field(default_factory=list)  # (link, why)
    read: int = 0  # articles whose text was read
    retry_at: datetime | None = None  # a server's Retry-After

    def warning(self) -> str | None:
        """One line for the source's health, or None when every article was read."""
        parts: list[str] = []
        if self.failures:
            n = len(self.failures)
            link, why = self.failures[0]
            more = f" (and {n - 1} more)" if n > 1 else ""
            parts.append(
                f"{n} of {n + self.read} article{'s' if n + self.read != 1 else ''} unread: "
                f"{why} at {shorten(link, 100)}{more}"
            )
        if self.deferred:
            parts.append(f"{len(self.deferred)} wait for the next poll")
        return "; ".join(parts) or None


def choose(items: list[Item], limit: int, now: datetime) -> tuple[list[Item], list[Item]]:
    """The newest ``limit`` items and the rest. Undated items count as new (a listing's
    top links carry no date until their article is read) and keep their page order."""
    order = sorted(items, key=lambda i: i.published or now, reverse=True)
    return order[:limit], order[limit:]


async def fetch_articles(
    client: httpx.AsyncClient,
    feed: FeedConfig,
    items: list[Item],
    settings: Settings,
    *,
    now: datetime,
    run: Runner,
    host_limits: HostLimiter | None = None,
    overall: asyncio.Semaphore | None = None,
) -> ArticleRun:
    """Fetch and read the articles of ``items`` (a source's new items), as described above."""
    take, rest = choose(items, feed.max_articles, now)
    outcome = ArticleRun(deferred=rest)
    authoritative = feed.kind != "feed"
    timeouts = 0
    stopped = False
    gate = overall or asyncio.Semaphore(max(1, settings.concurrency))

    async def one(item: Item) -> None:
        nonlocal timeouts, stopped
        if stopped or not item.link:
            if stopped:
                outcome.deferred.append(item)
            else:
                outcome.items.append(item)
            return
        page = replace(feed, url=item.link, kind="page")  # kind page: HTML is what we want
        host_gate: AbstractAsyncContextManager[object] = (
            host_limits(item.link) if host_limits is not None else nullcontext()
        )
        async with gate, host_gate:  # the limits fetch() would apply, taken here so that
            if stopped:  # a pause asked for while this waited is honoured
                outcome.deferred.append(item)
                return
            result = await fetch(client, page, None, settings, now=now)
        if result.outcome != "ok" or result.body is None:
            failure = result.error or "no response body"
            if result.retry_at is not None:  # 429/503: the server asked for a pause
                stopped = True
                outcome.retry_at = max(outcome.retry_at or result.retry_at, result.retry_at)
                outcome.deferred.append(item)
                return
            if result.error_kind in ("timeout", "network"):
                timeouts += 1
                stopped = stopped or timeouts >= STOP_AFTER_TIMEOUTS
            outcome.failures.append((item.link, failure))
            outcome.items.append(item)
            return
        timeouts = 0
        problem: str | None
        try:
            read, problem = await run(
                read_article,
                result.body,
                result.headers,
                result.final_url or item.link,
                item,
                authoritative,
                now,
                settings.max_text_chars,
            )
        except Exception as exc:  # an extractor bug costs this article, nothing else
            read, problem = item, f"could not extract the article ({type(exc).__name__}: {exc})"
        if problem:
            outcome.failures.append((item.link, shorten(problem, 160)))
        else:
            outcome.read += 1
        outcome.items.append(read)

    if take:
        async with asyncio.TaskGroup() as group:
            for item in take:
                group.create_task(one(item))
    return outcome
