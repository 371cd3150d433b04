"""One article page to its title, lead, published time and main text (trafilatura + metadata).

Pure and picklable in and out: the poller runs :func:`extract_article` in the parse pool,
never on the event loop. The main text comes from trafilatura (a kept extractor made for
news pages: boilerplate, menus and related-news lists are left out); the metadata that
sites state precisely is read first from the page's own declarations, because trafilatura's
date (htmldate) keeps only the day:

* title: ``og:title``, JSON-LD ``headline``, then trafilatura's (the ``<h1>``/``<title>``);
* lead: ``og:description``, ``<meta name="description">``, JSON-LD ``description``, then
  the first paragraph of the text;
* published: ``article:published_time``, JSON-LD ``datePublished``, a ``<time datetime>``
  in the article, then htmldate (a day, taken as midnight UTC).

A published time more than a day ahead of ``now`` is not believed (a site's bug or a
placeholder); one less ahead (a local time labelled UTC) becomes ``now``.

Every string is reduced to plain text with :mod:`monitor.text` cleaners: the text keeps
its paragraphs (joined by blank lines), nothing else survives of the markup.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from monitor.models import Item
from monitor.text import one_line, shorten

if TYPE_CHECKING:
    from monitor.match import Matcher

__all__ = [
    "MAX_TEXT",
    "Article",
    "believable",
    "extract_article",
    "is_html",
    "parse_time",
    "read_article",
]

MAX_TEXT = 20_000  # characters of main text kept by default
MAX_LEAD = 1_000
MAX_TITLE = 500
MAX_ARTICLE_HTML = 2 * 1024 * 1024  # characters of markup handed to the extractor
MAX_JSONLD = 256 * 1024  # characters of one JSON-LD script parsed
_FUTURE_SLACK = timedelta(days=1)

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_HTML_SNIFF = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|meta|title|div|p)[\s>]", re.IGNORECASE
)
_ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "blogposting", "webpage"}


@dataclass(slots=True)
class Article:
    """What one article page says about itself; ``error`` set when nothing usable was read."""

    title: str = ""
    lead: str = ""
    published: datetime | None = None
    text: str = ""
    error: str | None = None


def is_html(body: bytes, content_type: str) -> str | None:
    """None when ``body`` is an HTML page, else why not ("a PDF (application/pdf)")."""
    mime = content_type.split(";", 1)[0].strip().lower()
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF"):
        return "not an HTML page: a PDF"
    if mime in _HTML_TYPES or (not mime and _HTML_SNIFF.search(head)):
        return None
    if mime.startswith("image/") or head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return f"not an HTML page: an image ({mime or 'image'})"
    if mime in ("text/plain", "application/octet-stream", "") and _HTML_SNIFF.search(head):
        return None  # mislabelled HTML
    return f"not an HTML page ({mime or 'no content type'})"


def _decode(body: bytes, headers: Mapping[str, str]) -> str:
    charset: str | None = None
    for key, value in headers.items():
        if key.lower() == "content-type" and (declared := _CHARSET.search(value)):
            charset = declared.group(1)
    if charset is None and (in_page := _META_CHARSET.search(body[:4096])):
        charset = in_page.group(1).decode("ascii", "replace")
    # Undeclared and not UTF-8: a Ukrainian site's legacy pages are windows-1251.
    for name in (charset, "utf-8", "windows-1251"):
        if not name:
            continue
        try:
            return body.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", "replace")


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time ("2025-10-01T12:00:00+03:00", "...Z", "2025-10-01") in UTC, or None."""
    if not isinstance(value, str):
        return None
    raw = value.strip()
    if not raw or len(raw) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return None


def believable(when: datetime | None, now: datetime) -> datetime | None:
    """``when`` unless it lies more than a day ahead of ``now``; a little ahead becomes ``now``."""
    if when is None:
        return None
    if when > now + _FUTURE_SLACK:
        return None
    return min(when, now)


def _ld_objects(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object that describes an article (``@graph`` and lists included)."""
    if depth > 4:
        return
    if isinstance(data, list):
        for value in data[:50]:
            yield from _ld_objects(value, depth + 1)
    elif isinstance(data, dict):
        kinds = data.get("@type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if any(isinstance(k, str) and k.lower() in _ARTICLE_TYPES for k in kinds):
            yield data
        if "@graph" in data:
            yield from _ld_objects(data["@graph"], depth + 1)


def _declared(tree: Any) -> tuple[str, str, datetime | None]:
    """(title, lead, published) the page declares in its ``<head>`` and JSON-LD."""
    meta: dict[str, str] = {}
    for node in tree.css("meta[content]"):
        attrs = node.attributes
        key = (attrs.get("property") or attrs.get("name") or "").strip().lower()
        if key and key not in meta:
            meta[key] = attrs.get("content") or ""
    title = _without_site(meta.get("og:title", ""), meta.get("og:site_name", ""))
    lead = meta.get("og:description") or meta.get("description") or ""
    published = parse_time(meta.get("article:published_time"))
    for script in tree.css('script[type="application/ld+json"]'):
        raw = (script.text() or "")[:MAX_JSONLD]
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        for obj in _ld_objects(data):
            title = title or _str(obj.get("headline")) or _str(obj.get("name"))
            lead = lead or _str(obj.get("description"))
            published = published or parse_time(obj.get("datePublished"))
    if published is None:
        node = tree.css_first("article time[datetime], main time[datetime]")
        if node is not None:
            published = parse_time(node.attributes.get("datetime"))
    return title, lead, published


def _without_site(title: str, site: str) -> str:
    """``title`` without a trailing " | Site name" (some sites' og:title repeats it)."""
    site = site.strip()
    for sep in (" | ", " – ", " — ", " - "):
        if site and title.rstrip().endswith(sep + site):
            return title.rstrip()[: -len(sep + site)].rstrip()
    return title


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _paragraphs(text: str | None) -> list[str]:
    return [p for p in (one_line(line) for line in (text or "").splitlines()) if p]


def extract_article(
    body: bytes,
    headers: Mapping[str, str],
    url: str,
    *,
    now: datetime,
    max_text: int = MAX_TEXT,
) -> Article:
    """Read one article page. Never raises for a bad page (the result's ``error`` says why);
    a bug in the extractor does raise, and the caller reports it as the page's failure."""
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    refused = is_html(body, content_type)
    if refused:
        return Article(error=refused)
    markup = _decode(body, headers)[:MAX_ARTICLE_HTML]

    from selectolax.lexbor import LexborHTMLParser
    from trafilatura import bare_extraction

    title, lead, published = _declared(LexborHTMLParser(markup))
    doc = bare_extraction(
        markup,
        url=url,
        fast=True,  # no second-opinion extractors: ~2x faster, same text on news pages
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        deduplicate=False,
    )
    paragraphs = _paragraphs(getattr(doc, "text", None)) if doc is not None else []
    if doc is not None:
        title = title or _str(getattr(doc, "title", None))
        lead = lead or _str(getattr(doc, "description", None))
        if published is None:
            published = parse_time(_str(getattr(doc, "date", None))[:10] or None)
    if not lead and paragraphs:
        lead = paragraphs[0]
    text = shorten("\n\n".join(paragraphs), max_text) if max_text > 0 else ""
    article = Article(
        title=shorten(one_line(title), MAX_TITLE),
        lead=shorten(one_line(lead), MAX_LEAD),
        published=believable(published, now),
        text=text,
    )
    if not (article.text or article.lead):
        article.error = "no article text found on the page"
    return article


def read_article(
    matcher: Matcher,
    body: bytes,
    headers: Mapping[str, str],
    url: str,
    item: Item,
    authoritative: bool,
    now: datetime,
    max_text: int,
) -> tuple[Item, str | None]:
    """``item`` with its article read in and its watchlists matched again (title, summary
    and text), or ``item`` unchanged and why the page gave nothing.

    ``authoritative``: the article's title, lead and date replace the item's (a listing's
    link text, a sitemap's lastmod); otherwise (a feed's item) they only fill what is empty.
    Runs where the poll parses (see ``BodyParser.run``).
    """
    article = extract_article(body, headers, url, now=now, max_text=max_text)
    if article.error:
        return item, article.error
    if authoritative or not item.title or item.title == "(untitled)":
        item.title = article.title or item.title
    if authoritative or not item.summary:
        item.summary = article.lead or item.summary
    if authoritative or item.published is None:
        item.published = article.published or item.published
    item.text = article.text
    matcher.apply(item)
    return item, None
