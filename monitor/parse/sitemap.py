"""Sitemaps (``<urlset>``) and sitemap indexes (``<sitemapindex>``), plain or gzip, to items.

Pure and picklable, like the rest of :mod:`monitor.parse`. Sitemaps are simple, often huge
and sometimes broken, so they are read with one linear regular-expression pass rather than
an XML parser (no entity is ever expanded; documents that declare entities are refused).

Bounds: a gzip body is inflated to at most ``max_bytes`` (a gzip bomb stops there, with an
error); at most :data:`MAX_URLS` entries are read of one document (the protocol's own
limit), the rest cut off with a warning.
"""

from __future__ import annotations

import html
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from monitor.models import Item
from monitor.parse.article import parse_time
from monitor.text import is_http_url, one_line, shorten

if TYPE_CHECKING:
    from monitor.match import Matcher

__all__ = [
    "MAX_URLS",
    "Sitemap",
    "gunzip_capped",
    "parse_sitemap",
    "parse_sitemap_matched",
    "slug_title",
]

MAX_URLS = 50_000  # entries of one sitemap or index, as the sitemap protocol allows
_ENTRY = re.compile(
    rb"<(?:[\w.-]+:)?(url|sitemap)\b[^>]*>(.*?)</(?:[\w.-]+:)?\1\s*>", re.IGNORECASE | re.DOTALL
)
_ROOT_INDEX = re.compile(rb"<(?:[\w.-]+:)?sitemapindex\b", re.IGNORECASE)
_ROOT_URLSET = re.compile(rb"<(?:[\w.-]+:)?urlset\b", re.IGNORECASE)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_SLUG_WORDS = re.compile(r"[-_+]+")


def _tag(name: str) -> re.Pattern[bytes]:
    tag = name.encode()
    return re.compile(
        rb"<(?:[\w.-]+:)?" + tag + rb"\b[^>]*>(.*?)</(?:[\w.-]+:)?" + tag + rb"\s*>",
        re.IGNORECASE | re.DOTALL,
    )


_LOC, _LASTMOD = _tag("loc"), _tag("lastmod")
_NEWS_TITLE, _NEWS_DATE = _tag("title"), _tag("publication_date")


@dataclass(slots=True)
class Sitemap:
    """One sitemap document: its items (a urlset) or its child sitemaps (an index)."""

    items: list[Item] = field(default_factory=list)
    children: list[tuple[str, datetime | None]] = field(default_factory=list)  # index only
    is_index: bool = False
    warning: str | None = None
    error: str | None = None


def gunzip_capped(body: bytes, max_bytes: int) -> bytes | None:
    """``body`` inflated when it is gzip data (None when that would exceed ``max_bytes``)."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error:
        return b""
    if len(out) > max_bytes or inflater.unconsumed_tail:
        return None
    return out


def _text(raw: bytes) -> str:
    value = raw.decode("utf-8", "replace")
    value = _CDATA.sub(lambda m: m.group(1), value)
    return html.unescape(value).strip()


def slug_title(url: str) -> str:
    """A stand-in title from a URL's last path segment ("canada-joins" -> "Canada joins")."""
    path = urlsplit(url).path.rstrip("/")
    slug = unquote(path.rsplit("/", 1)[-1]) if path else ""
    slug = re.sub(r"\.\w{2,5}$", "", slug)
    words = " ".join(w for w in _SLUG_WORDS.split(slug) if w)
    words = one_line(words)
    return shorten(words[:1].upper() + words[1:], 200) if words else url


def parse_sitemap(
    body: bytes,
    url: str,
    links_regex: str | None,
    feed_name: str,
    now: datetime,
    *,
    max_bytes: int,
) -> Sitemap:
    """Read one sitemap or index. URLs must be http(s) and match ``links_regex`` when given;
    ``lastmod`` (or a news sitemap's publication date) is the published time."""
    from monitor.parse import item_id, screen_xml

    data = gunzip_capped(body, max_bytes)
    if data is None:
        return Sitemap(
            error=f"sitemap larger than {max_bytes} bytes once decompressed (a gzip bomb?)"
        )
    refused = screen_xml(data)
    if refused:
        return Sitemap(error=refused)
    head = data[:4096]
    is_index = bool(_ROOT_INDEX.search(head))
    if not is_index and not _ROOT_URLSET.search(head):
        return Sitemap(error="not a sitemap (no <urlset> or <sitemapindex>)")
    pattern = re.compile(links_regex) if links_regex else None
    result = Sitemap(is_index=is_index)
    seen: set[str] = set()
    count = 0
    for entry in _ENTRY.finditer(data):
        count += 1
        if count > MAX_URLS:
            result.warning = f"sitemap lists more than {MAX_URLS} entries; the rest were cut off"
            break
        inner = entry.group(2)
        loc_match = _LOC.search(inner)
        loc = _text(loc_match.group(1)) if loc_match else ""
        if not is_http_url(loc) or loc in seen:
            continue
        seen.add(loc)
        date_match = _NEWS_DATE.search(inner) or _LASTMOD.search(inner)
        when = parse_time(_text(date_match.group(1))) if date_match else None
        if is_index:
            result.children.append((loc, when))
            continue
        if pattern is not None and not pattern.search(loc):
            continue
        title_match = _NEWS_TITLE.search(inner) if b"news" in inner else None
        title = shorten(one_line(_text(title_match.group(1))), 500) if title_match else ""
        result.items.append(
            Item(
                id=item_id(feed_name, loc),
                feed=feed_name,
                title=title or slug_title(loc),
                link=loc,
                summary="",
                published=when if when is None or when <= now else now,
                first_seen=now,
            )
        )
    result.items.sort(key=lambda i: i.published or now, reverse=True)
    result.children.sort(key=lambda c: c[1] or now, reverse=True)
    if not is_index and not result.items and pattern is not None and seen:
        result.error = f"no URLs in the sitemap match the links regex {links_regex!r}"
    return result


def parse_sitemap_matched(
    matcher: Matcher,
    body: bytes,
    url: str,
    links_regex: str | None,
    feed_name: str,
    now: datetime,
    max_bytes: int,
) -> Sitemap:
    """:func:`parse_sitemap`, items matched against the watchlists (see ``BodyParser.run``)."""
    result = parse_sitemap(body, url, links_regex, feed_name, now, max_bytes=max_bytes)
    for item in result.items:
        matcher.apply(item)
    return result
