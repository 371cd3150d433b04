"""A ``kind = "sitemap"`` source: the sitemap, or an index and its newest child sitemaps.

The parsing is :mod:`monitor.parse.sitemap` (in the parse pool); this module follows an
index with the feeds' limits, bounded: at most :data:`MAX_CHILDREN` children per poll (the
newest by ``lastmod``), one level of nested index, and never a sitemap already read in
this poll (an index that lists itself is cut off with a warning). Entries older than the
history's retention are left out: they would be pruned on arrival.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta

import httpx

from monitor.fetch import FetchResult, HostLimiter, fetch
from monitor.models import FeedConfig, Item, Settings
from monitor.parse import ParseResult
from monitor.parse.sitemap import Sitemap, parse_sitemap_matched

__all__ = ["MAX_CHILDREN", "read_sitemap"]

MAX_CHILDREN = 20  # child sitemaps fetched in one poll
MAX_DEPTH = 2  # an index may list indexes; those may not

Runner = Callable[..., Awaitable[Sitemap]]


async def read_sitemap(
    client: httpx.AsyncClient,
    feed: FeedConfig,
    result: FetchResult,
    settings: Settings,
    *,
    now: datetime,
    run: Runner,
    host_limits: HostLimiter | None = None,
    overall: asyncio.Semaphore | None = None,
) -> ParseResult:
    """The items of the sitemap in ``result`` (a fetched ``kind = "sitemap"`` source)."""
    assert result.body is not None
    warnings: list[str] = []
    seen = {feed.url, result.final_url or feed.url}
    items: dict[str, Item] = {}
    gate = overall or asyncio.Semaphore(max(1, settings.concurrency))

    async def parse(body: bytes, url: str) -> Sitemap:
        try:
            return await run(
                parse_sitemap_matched,
                body,
                url,
                feed.links,
                feed.name,
                now,
                settings.max_body_bytes,
            )
        except Exception as exc:  # a parser bug costs this sitemap only
            return Sitemap(error=f"could not read the sitemap ({type(exc).__name__}: {exc})")

    async def child(url: str, depth: int) -> None:
        async with gate:
            got = await fetch(
                client, replace(feed, url=url), None, settings, now=now, host_limits=host_limits
            )
        if got.outcome != "ok" or got.body is None:
            warnings.append(f"child sitemap {url}: {got.error or 'no body'}")
            return
        await take(await parse(got.body, got.final_url or url), url, depth)

    async def take(doc: Sitemap, url: str, depth: int) -> None:
        if doc.error:
            if depth:
                warnings.append(f"child sitemap {url}: {doc.error}")
            return
        if doc.warning:
            warnings.append(doc.warning if not depth else f"child sitemap {url}: {doc.warning}")
        for item in doc.items:
            items.setdefault(item.id, item)
        if not doc.is_index:
            return
        if depth >= MAX_DEPTH:
            warnings.append(f"sitemap index {url} nested too deep; not followed")
            return
        children = []
        for loc, _ in doc.children:
            if loc in seen:
                warnings.append(f"sitemap index {url} lists {loc}, already read; cut off")
                continue
            seen.add(loc)
            children.append(loc)
        if len(children) > MAX_CHILDREN:
            warnings.append(
                f"sitemap index {url} lists {len(children)} sitemaps; "
                f"the newest {MAX_CHILDREN} were read"
            )
            children = children[:MAX_CHILDREN]
        async with asyncio.TaskGroup() as group:
            for loc in children:
                group.create_task(child(loc, depth + 1))

    first = await parse(result.body, result.final_url or feed.url)
    if first.error:
        return ParseResult(error=first.error, error_kind="xml")
    await take(first, result.final_url or feed.url, 0)
    kept = list(items.values())
    if settings.retention_days:
        oldest = now - timedelta(days=settings.retention_days)
        kept = [i for i in kept if i.published is None or i.published >= oldest]
    kept.sort(key=lambda i: i.published or now, reverse=True)
    distinct = list(dict.fromkeys(warnings))
    more = f"; and {len(distinct) - 3} more problems" if len(distinct) > 3 else ""
    warning = "; ".join(distinct[:3]) + more if distinct else None
    if first.is_index and not items and warning:  # nothing read: the source failed
        return ParseResult(error=warning, error_kind="empty")
    return ParseResult(items=kept, warning=warning)
