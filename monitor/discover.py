"""What a URL is, for ``monitor add``: a feed, a page advertising one, a news listing, a sitemap.

:func:`discover` fetches the URL once with the feeds' limits and decides:

* an RSS/Atom/RDF document: that feed;
* an HTML page advertising feeds (``<link rel="alternate">``): the first advertised feed that
  really parses (the page itself is not added);
* an HTML listing: a ``kind = "page"`` source whose ``links`` regex is derived from the most
  frequent same-site, article-like URL pattern (:func:`derive_links`), checked by parsing the
  page with it;
* a sitemap or sitemap index (plain or gzip): a ``kind = "sitemap"`` source.

``kind`` forces one reading. Nothing usable raises :class:`NothingFound` (exit status 1),
with the reason.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx

from monitor.errors import MonitorError
from monitor.fetch import FetchResult, fetch, looks_like_html, make_client
from monitor.models import Config, FeedConfig, FeedKind, Settings, utcnow
from monitor.parse import parse_feed, parse_page
from monitor.parse.sitemap import gunzip_capped
from monitor.text import is_http_url, one_line, shorten

__all__ = [
    "AddPlan",
    "AlreadyConfigured",
    "BadUrl",
    "Discovery",
    "NothingFound",
    "add_plan",
    "derive_links",
    "discover",
]

NOT_ARTICLES = r"(?!(?:tags?|category|categories|archive|search|page)(?:[-/?#]|$))"
MIN_ARTICLE_LINKS = 3  # links sharing a pattern before it counts as a listing
_SITEMAP_ROOT = re.compile(rb"<(?:[\w.-]+:)?(?:urlset|sitemapindex)\b", re.IGNORECASE)
_NOT_ARTICLE = re.compile(r"(?:tags?|category|categories|archive|search|page)(?:[-/?#]|$)")
_FILE = re.compile(r"\.(?:css|js|json|png|jpe?g|gif|svg|webp|ico|pdf|xml|rss|zip)$", re.IGNORECASE)
_NUMBER = re.compile(r"\d{4,}")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


class NothingFound(MonitorError):
    """The URL answered, or did not, with nothing ``monitor add`` can poll."""


@dataclass(slots=True)
class Discovery:
    """A source found at a URL, ready to be written as a ``[[feeds]]`` entry."""

    kind: FeedKind
    url: str
    name: str
    links: str | None = None
    samples: list[str] = field(default_factory=list)  # up to three item titles
    count: int = 0  # items the source gives now
    how: str = ""  # one line: what was found, and where

    def entry(self) -> dict[str, Any]:
        """The ``[[feeds]]`` entry, keys in the order feeds.toml documents them."""
        out: dict[str, Any] = {"name": self.name, "url": self.url}
        if self.kind != "feed":
            out["kind"] = self.kind
        if self.links:
            out["links"] = self.links
        return out


def _page_title(body: bytes, fallback: str) -> str:
    found = _TITLE.search(body[:65536].decode("utf-8", "replace"))
    title = html.unescape(one_line(found.group(1))) if found else ""
    for sep in (" | ", " – ", " — ", " - "):  # "Новини | Міністерство оборони": the site part
        if sep in title:
            head, _, tail = title.partition(sep)
            title = f"{tail.strip()}: {head.strip()}" if len(tail) > 3 else head
            break
    return shorten(one_line(title), 80) or fallback


def derive_links(body: bytes, headers: Mapping[str, str], url: str) -> tuple[str, int] | None:
    """A ``links`` regex for the article links of an HTML listing, and how many it takes.

    Same-site ``<a href>`` URLs (and the links of a Next.js ``__NEXT_DATA__`` script) are
    grouped by their path without the last segment; groups whose last segments look like
    article slugs (several hyphenated words, or a long number) are candidates, and the
    largest wins. Tag, category, archive, search and pagination pages under the same path
    are left out, as in the shipped feeds.toml.
    """
    from selectolax.lexbor import LexborHTMLParser

    from monitor.parse.nextdata import next_data_links

    tree = LexborHTMLParser(body[: 4 * 1024 * 1024])
    host = (urlsplit(url).hostname or "").lower()
    groups: Counter[tuple[str, str]] = Counter()
    seen: set[str] = set()
    hrefs = [(node.attributes.get("href") or "").strip() for node in tree.css("a[href]")]
    hrefs += [d.link for d in next_data_links(tree, url, url, re.compile(r"^https?://"))]
    for href in hrefs:
        link = urldefrag(urljoin(url, href))[0] if href else ""
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() != host:
            continue
        if parts.query or link in seen:
            continue
        seen.add(link)
        path = parts.path.rstrip("/")
        directory, _, last = path.rpartition("/")
        if not _article_like(last):
            continue
        groups[(f"{parts.scheme}://{parts.netloc}", directory)] += 1
    if not groups:
        return None
    (origin, directory), count = groups.most_common(1)[0]
    if count < MIN_ARTICLE_LINKS:
        return None
    return f"^{re.escape(origin + directory)}/{NOT_ARTICLES}[^/?#]+/?$", count


def _article_like(segment: str) -> bool:
    """Whether a URL's last path segment looks like one article: a slug of three words or
    more, or a long number (an id), and not a tag/category/archive/search/page or a file."""
    if not segment or _FILE.search(segment) or _NOT_ARTICLE.match(segment):
        return False
    return segment.count("-") >= 2 or bool(_NUMBER.search(segment))


async def discover(
    url: str,
    settings: Settings,
    *,
    kind: FeedKind | None = None,
    client: httpx.AsyncClient | None = None,
    now: datetime | None = None,
) -> Discovery:
    """What ``url`` is (see the module docstring); raises NothingFound."""
    now = now or utcnow()
    own = client is None
    if client is None:
        client = await asyncio.to_thread(make_client, settings)
    try:
        return await _discover(client, url, settings, kind, now)
    finally:
        if own:
            await client.aclose()


async def _get(
    client: httpx.AsyncClient, url: str, settings: Settings, now: datetime
) -> FetchResult:
    probe = FeedConfig("monitor add", url, kind="page")  # kind page: any body is accepted
    result = await fetch(client, probe, None, settings, now=now)
    if result.outcome != "ok" or result.body is None:
        raise NothingFound(f"{url}: {result.error or 'no response'}")
    return result


async def _discover(
    client: httpx.AsyncClient, url: str, settings: Settings, kind: FeedKind | None, now: datetime
) -> Discovery:
    result = await _get(client, url, settings, now)
    body, headers, final = result.body or b"", result.headers, result.final_url or url
    inflated = gunzip_capped(body, settings.max_body_bytes)
    if inflated is None:
        raise NothingFound(f"{url}: larger than {settings.max_body_bytes} bytes once decompressed")
    if kind == "sitemap" or (kind is None and _SITEMAP_ROOT.search(inflated[:4096])):
        return await _as_sitemap(client, url, result, settings, now)
    if not looks_like_html(inflated, headers.get("content-type", "")):
        if kind == "page":
            raise NothingFound(f"{url}: not an HTML page")
        return _as_feed(url, inflated, headers, final, now, how="an RSS/Atom feed")
    if kind in (None, "feed"):
        from monitor.fetch import discover_feeds

        problems = []
        for feed_url in discover_feeds(inflated, final)[:3]:
            try:
                got = await _get(client, feed_url, settings, now)
                return _as_feed(
                    feed_url,
                    got.body or b"",
                    got.headers,
                    got.final_url or feed_url,
                    now,
                    how=f"a feed advertised by {url}",
                )
            except NothingFound as exc:
                problems.append(str(exc))
        if kind == "feed":
            why = problems[0] if problems else "the page advertises no feed"
            raise NothingFound(f"{url}: an HTML page, not a feed ({why})")
    derived = derive_links(inflated, headers, final)
    if derived is None:
        raise NothingFound(
            f"{url}: an HTML page with no feed and no article links "
            f"(fewer than {MIN_ARTICLE_LINKS} same-site links share an article-like pattern)"
        )
    links, _ = derived
    parsed = parse_page(inflated, headers, final, links, "monitor add", now)
    if parsed.error or not parsed.items:
        raise NothingFound(f"{url}: {parsed.error or 'no article links found'}")
    return Discovery(
        kind="page",
        url=url,
        name=_page_title(inflated, urlsplit(url).hostname or url),
        links=links,
        samples=[i.title for i in parsed.items[:3]],
        count=len(parsed.items),
        how=f"a news listing with {len(parsed.items)} article links",
    )


def _as_feed(
    url: str, body: bytes, headers: Mapping[str, str], final: str, now: datetime, *, how: str
) -> Discovery:
    parsed = parse_feed(body, headers, final, "monitor add", now)
    if parsed.error:
        raise NothingFound(f"{url}: {parsed.error}")
    import feedparser

    channel: Any = feedparser.parse(body[:65536]).feed
    title = one_line(str(channel.get("title", "")))
    return Discovery(
        kind="feed",
        url=url,
        name=shorten(title, 80) or (urlsplit(url).hostname or url),
        samples=[i.title for i in parsed.items[:3]],
        count=len(parsed.items),
        how=f"{how} with {len(parsed.items)} items",
    )


async def _as_sitemap(
    client: httpx.AsyncClient, url: str, result: FetchResult, settings: Settings, now: datetime
) -> Discovery:
    from monitor.sitemaps import read_sitemap

    source = FeedConfig("monitor add", url, kind="sitemap")

    async def run(fn: Any, *args: Any) -> Any:
        from monitor.match import Matcher

        return await asyncio.to_thread(fn, Matcher(()), *args)

    parsed = await read_sitemap(client, source, result, settings, now=now, run=run)
    if parsed.error or not parsed.items:
        raise NothingFound(f"{url}: {parsed.error or 'the sitemap lists no URLs'}")
    return Discovery(
        kind="sitemap",
        url=url,
        name=f"{urlsplit(url).hostname or url} (sitemap)",
        samples=[i.title for i in parsed.items[:3]],
        count=len(parsed.items),
        how=f"a sitemap with {len(parsed.items)} URLs",
    )


class BadUrl(MonitorError):
    """``monitor add`` was given something that is not an http(s) URL (exit status 2)."""

    exit_code = 2


class AlreadyConfigured(MonitorError):
    """The URL (after normalisation) is already a source in feeds.toml."""


@dataclass(slots=True)
class AddPlan:
    """What ``monitor add`` would append: the source found, named uniquely."""

    found: Discovery


def _existing(config: Config, url: str) -> str | None:
    from monitor.opml import normalise_url

    key = normalise_url(url)
    return next((f.name for f in config.feeds if normalise_url(f.url) == key), None)


async def add_plan(
    config: Config,
    url: str,
    *,
    name: str | None = None,
    kind: FeedKind | None = None,
    client: httpx.AsyncClient | None = None,
) -> AddPlan:
    """Find the source at ``url`` for ``config``'s feeds.toml; raises BadUrl, NothingFound,
    or AlreadyConfigured (naming the entry that has it) before anything is written."""
    url = url.strip()
    if not is_http_url(url):
        raise BadUrl(f"not an http(s) URL: {one_line(url)!r}")
    if name is not None and not (name.strip() and name.isprintable()):
        raise BadUrl("--name must be a non-empty name on one line")
    if (have := _existing(config, url)) is not None:
        raise AlreadyConfigured(f'{url} is already in feeds.toml as "{have}"')
    found = await discover(url, config.settings, kind=kind, client=client)
    if (have := _existing(config, found.url)) is not None:
        raise AlreadyConfigured(f'{found.url} ({found.how}) is already in feeds.toml as "{have}"')
    taken = {f.name.casefold() for f in config.feeds}
    if name is not None:
        found.name = name.strip()
    elif found.name.casefold() in taken:
        host = urlsplit(found.url).hostname or "new"
        base = f"{found.name} ({host})"
        found.name, n = base, 2
        while found.name.casefold() in taken:
            found.name, n = f"{base} {n}", n + 1
    return AddPlan(found)
