"""Sitemaps (``<urlset>``) and sitemap indexes (``<sitemapindex>``), plain or gzip, to items.

Pure and picklable, like the rest of :mod:`monitor.parse`. Sitemaps are simple, often huge
and sometimes broken, so they are read with one linear pass of a tag regular expression
rather than an XML parser (no entity is ever expanded; documents that declare entities are
refused). An entry is a ``<url>``/``<sitemap>`` start tag and the first end tag of the same
name after it; inside it, the first ``<loc>`` (etc.) with its end. Tags are paired by walking
the list of tags once, never by a search that rescans the rest of the document from every
unclosed tag (which made a broken sitemap quadratic: 120 KB of unclosed ``<url>`` took 4 s).

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
_ENTRY_NAMES = (b"url", b"sitemap")
# Start tags (group 1: the name) and end tags (group 2), with any namespace prefix. Tag
# attributes hold no "<" (XML forbids it), so one tag never hides another.
_TAG = re.compile(
    rb"<(?:[\w.-]+:)?(url|sitemap|loc|lastmod|title|publication_date)\b[^<>]*>"
    rb"|</(?:[\w.-]+:)?(url|sitemap|loc|lastmod|title|publication_date)\s*>",
    re.IGNORECASE,
)
_ROOT_INDEX = re.compile(rb"<(?:[\w.-]+:)?sitemapindex\b", re.IGNORECASE)
_ROOT_URLSET = re.compile(rb"<(?:[\w.-]+:)?urlset\b", re.IGNORECASE)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_SLUG_WORDS = re.compile(r"[-_+]+")

# One tag: (start offset, end offset, name lowercased, True for an end tag).
_Tag = tuple[int, int, bytes, bool]
# One element: (index of its start tag, content start, content end, index of its end tag).
_Element = tuple[int, int, int, int]


def _tags(data: bytes) -> list[_Tag]:
    tags: list[_Tag] = []
    for m in _TAG.finditer(data):
        start_name, end_name = m.group(1), m.group(2)
        if start_name is not None:
            tags.append((m.start(), m.end(), start_name.lower(), False))
        else:
            tags.append((m.start(), m.end(), end_name.lower(), True))
    return tags


def _elements(tags: list[_Tag], lo: int, hi: int, names: tuple[bytes, ...]) -> list[_Element]:
    """The elements among ``tags[lo:hi]`` named ``names``: each a start tag paired with the
    first end tag of its name after it (what a lazy ``<x>(.*?)</x>`` search finds); a start
    tag with none is skipped, and the walk resumes after each end tag. Linear: every tag is
    looked at twice at most."""
    last_end: dict[bytes, int] = {}
    for k in range(lo, hi):
        if tags[k][3]:
            last_end[tags[k][2]] = k
    found: list[_Element] = []
    k = lo
    while k < hi:
        _, open_end, name, is_end = tags[k]
        if is_end or name not in names or last_end.get(name, -1) < k:
            k += 1
            continue
        j = k + 1
        while not (tags[j][3] and tags[j][2] == name):
            j += 1
        found.append((k, open_end, tags[j][0], j))
        k = j + 1
    return found


def _field(data: bytes, tags: list[_Tag], entry: _Element, name: bytes) -> str | None:
    """The text of the first ``name`` element inside ``entry`` (None when there is none):
    its first start tag and the first end tag after it (no end: no later start has one)."""
    first, _, _, last = entry
    for k in range(first + 1, last):
        _, open_end, tag_name, is_end = tags[k]
        if tag_name == name and not is_end:
            for j in range(k + 1, last):
                close_start, _, close_name, close = tags[j]
                if close and close_name == name:
                    return _text(data[open_end:close_start])
            return None
    return None


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
    tags = _tags(data)
    for entry in _elements(tags, 0, len(tags), _ENTRY_NAMES):
        count += 1
        if count > MAX_URLS:
            result.warning = f"sitemap lists more than {MAX_URLS} entries; the rest were cut off"
            break
        loc = _field(data, tags, entry, b"loc") or ""
        if not is_http_url(loc) or loc in seen:
            continue
        seen.add(loc)
        date = _field(data, tags, entry, b"publication_date")
        if date is None:
            date = _field(data, tags, entry, b"lastmod")
        when = parse_time(date) if date is not None else None
        if is_index:
            result.children.append((loc, when))
            continue
        if pattern is not None and not pattern.search(loc):
            continue
        _, start, end, _ = entry
        title = _field(data, tags, entry, b"title") if data.find(b"news", start, end) >= 0 else None
        title = shorten(one_line(title), 500) if title is not None else ""
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
