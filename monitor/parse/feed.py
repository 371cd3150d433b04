"""RSS/Atom/RDF bytes to Items via feedparser, after screening out XML entity attacks."""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from xml.sax import SAXParseException

import feedparser
import feedparser.mixin

from monitor.models import Item, ParserChoice
from monitor.parse.dates import struct_to_datetime
from monitor.parse.fast import fast_items
from monitor.parse.items import ParseResult, build_item

# --- XML screening ---------------------------------------------------------------------

_PROLOG_DOCTYPE = re.compile(
    rb"^(?:\xef\xbb\xbf)?(?:\s|<\?.*?\?>|<!--.*?-->)*<!DOCTYPE", re.IGNORECASE | re.DOTALL
)
_DOCTYPE_WORD = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY_DECL = re.compile(rb"<!ENTITY\b[^>]*>", re.IGNORECASE)
# Harmless: a named character reference, e.g. <!ENTITY nbsp "&#160;">
_SAFE_ENTITY = re.compile(
    rb"""<!ENTITY\s+[\w.-]+\s+(["'])(?:&\#\d{1,7};|&\#x[0-9a-fA-F]{1,6};)\1\s*>""", re.IGNORECASE
)


def _sniff_bytes(body: bytes) -> bytes:
    """The head of ``body`` as ASCII-compatible bytes (UTF-16/32 transcoded) for screening."""
    if body[:4] in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00") or body[:4].count(b"\0") >= 3:
        for enc in (
            ("utf-32",)
            if body[:4] in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")
            else ("utf-32-be", "utf-32-le")
        ):
            try:
                return body.decode(enc).encode("utf-8")
            except UnicodeError:
                continue
    if body[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\0" in body[:4]:
        for enc in (
            ("utf-16",) if body[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-16-be", "utf-16-le")
        ):
            try:
                return body.decode(enc, errors="ignore").encode("utf-8")
            except UnicodeError:
                continue
    return body


def screen_xml(body: bytes) -> str | None:
    """Why ``body`` must not be parsed (entity declarations: XXE, billion laughs), or None."""
    data = _sniff_bytes(body)
    # The prolog pattern backtracks through the whole body when it fails; only a document
    # holding the word can match it, and almost none does.
    if _DOCTYPE_WORD.search(data) is None or not _PROLOG_DOCTYPE.match(data):
        return None  # entities can only be declared in a DOCTYPE before the root element
    for decl in _ENTITY_DECL.finditer(data):
        if not _SAFE_ENTITY.fullmatch(decl.group(0)):
            return (
                "refused: the document declares XML entities (<!ENTITY>), "
                "a known attack on feed readers"
            )
    return None


# --- feeds -----------------------------------------------------------------------------


def _memoise_feedparser_urljoin() -> None:
    """Cache feedparser's URL joins: it re-joins the base URI on every element it opens
    (about a sixth of its parse time), always with the same few strings. Both functions
    are pure functions of their string arguments, so results are unchanged."""
    for name in ("make_safe_absolute_uri", "_urljoin"):
        fn = getattr(feedparser.mixin, name, None)
        if callable(fn) and not hasattr(fn, "cache_info"):
            setattr(feedparser.mixin, name, functools.lru_cache(maxsize=2048)(fn))


_memoise_feedparser_urljoin()


def _feed_headers(headers: Mapping[str, str], url: str) -> dict[str, str]:
    out = {k.lower(): v for k, v in headers.items()}
    out.pop("content-encoding", None)  # fetch already decoded the body
    out["content-location"] = url
    ctype = out.get("content-type", "")
    mime, _, params = ctype.partition(";")
    charset = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", params, re.IGNORECASE)
    # Servers often send feeds as text/html or text/plain, and RFC 3023 makes a charset-less
    # text/xml mean us-ascii. Say "XML" and keep only an explicit charset, so an encoding
    # declared in the XML prolog (windows-1251...) is honoured.
    if mime.strip().lower() not in (
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
    ):
        mime = "application/xml"
    out["content-type"] = mime.strip() + (f"; charset={charset.group(1)}" if charset else "")
    return out


def _xml_problem(exc: BaseException | None) -> str:
    if exc is None:
        return "unreadable document"
    if isinstance(exc, SAXParseException):
        return f"XML error at line {exc.getLineNumber()}: {exc.getMessage()}"
    message = " ".join(str(exc).split()) or type(exc).__name__
    return f"XML error: {message}"


def _is_benign(exc: BaseException | None) -> bool:
    """feedparser's bozo flags that say nothing about lost content."""
    return exc is not None and type(exc).__name__ in (
        "CharacterEncodingOverride",
        "NonXMLContentType",
    )


def _entry_item(entry: Any, feed_name: str, now: datetime) -> Item:
    summary_html = entry.get("summary")
    if not summary_html and entry.get("content"):
        summary_html = entry["content"][0].get("value")
    published = struct_to_datetime(entry.get("published_parsed") or entry.get("updated_parsed"))
    return build_item(
        feed_name,
        now,
        entry.get("title"),
        summary_html,
        entry.get("link"),
        entry.get("id"),
        entry.get("published") or entry.get("updated") or "",
        published,
    )


def _unique_items(entries: Iterable[Any], feed_name: str, now: datetime) -> list[Item]:
    """Items of the entries in document order, the first of each id kept."""
    items: list[Item] = []
    seen: set[str] = set()
    for entry in entries:
        item = _entry_item(entry, feed_name, now)
        if item.id not in seen:
            seen.add(item.id)
            items.append(item)
    return items


def parse_feed(
    body: bytes,
    headers: Mapping[str, str],
    url: str,
    feed_name: str,
    now: datetime,
    *,
    parser: ParserChoice = "auto",
) -> ParseResult:
    """Items of an RSS/Atom/RDF document; a broken document that still yields items gives
    them plus a ``warning``; one that yields nothing gives an ``error``.

    ``parser="auto"`` reads plain documents with the fast path (:mod:`monitor.parse.fast`,
    proven to give the same items) and everything else with feedparser;
    ``parser="feedparser"`` always uses feedparser."""
    refused = screen_xml(body)
    if refused:
        return ParseResult(error=refused, error_kind="xml")
    if parser == "auto":
        items = fast_items(body, headers, url, feed_name, now)
        if items is not None:
            return ParseResult(items=items)
    parsed = feedparser.parse(
        io.BytesIO(body),  # never a str: feedparser would treat it as a URL or path
        response_headers=_feed_headers(headers, url),
        # Entry links are still resolved (xml:base, then the feed URL): feedparser does
        # that regardless. These two only rewrite/sanitise embedded HTML, which
        # html_to_text reduces to plain text anyway; they cost about half the parse time.
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    exc = parsed.get("bozo_exception") if parsed.get("bozo") else None
    items = _unique_items(parsed.entries, feed_name, now)
    if items:
        warning = None
        if exc is not None and not _is_benign(exc):
            n = len(items)
            warning = f"{_xml_problem(exc)}; {n} item{'s' if n != 1 else ''} kept"
        return ParseResult(items=items, warning=warning)
    if exc is not None and not _is_benign(exc):
        return ParseResult(error=f"not a readable feed: {_xml_problem(exc)}", error_kind="xml")
    if parsed.get("version"):
        return ParseResult()  # a valid feed with no items right now
    return ParseResult(
        error="no feed items found (not an RSS or Atom document)", error_kind="empty"
    )
