"""Bytes to :class:`~monitor.models.Item`: RSS/Atom via feedparser, HTML listing pages via selectolax.

Everything here is pure, thread-safe and picklable in and out (the poller runs it in worker
processes or threads).
Text from feeds is reduced to plain text: HTML parsed and dropped, entities decoded,
whitespace collapsed, control characters (ANSI escapes included) removed. Nothing is
interpreted downstream, so ``[bold]`` or ``<b>`` written as text stay literal text.
"""

from __future__ import annotations

import calendar
import functools
import hashlib
import html
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from typing import Any, Literal
from urllib.parse import urldefrag, urljoin
from xml.sax import SAXParseException

import feedparser
import feedparser.mixin

from monitor.models import Item
from monitor.text import is_http_url, one_line, shorten, strip_escapes

__all__ = [
    "ParseResult",
    "html_to_text",
    "item_id",
    "parse_feed",
    "parse_page",
    "screen_xml",
]

ParseErrorKind = Literal["xml", "empty"]
MAX_SUMMARY = 4000  # characters kept of a summary
MAX_TITLE = 500
MAX_HTML_INPUT = 64 * 1024  # characters of HTML read for one title or summary
_MAX_TAIL = 2048  # unfinished markup left to html.parser's (quadratic) close()


@dataclass(slots=True)
class ParseResult:
    """Items read from one response, plus a warning (partial read) or an error (nothing read)."""

    items: list[Item] = field(default_factory=list)
    warning: str | None = None
    error: str | None = None
    error_kind: ParseErrorKind | None = None


# --- text ------------------------------------------------------------------------------

_MARKUP = re.compile(r"<[A-Za-z/!?]|&(?:#\d+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);?")

_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table tbody td tfoot th thead tr ul".split()
)
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript", "head", "title"})
# Everything else HTML knows; an unknown "<tag>" in a title ("press <ctrl>") is kept as text.
_HTML_TAGS = _BLOCK_TAGS | _SKIP_TAGS | frozenset(
    "a abbr acronym area audio b base basefont bdi bdo big body button canvas caption center "
    "cite code col colgroup data datalist del details dfn dialog dir em embed fieldset font "
    "form frame frameset html i iframe img input ins kbd label legend link map mark menu meta "
    "meter object optgroup option output param picture progress q rp rt ruby s samp search "
    "select small source span strike strong sub summary sup svg math tt u var video wbr "
    "textarea time track image".split()
)


class _TextExtractor(HTMLParser):
    """Collects text; block tags become spaces; script/style contents are dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            self.handle_data(self.get_starttag_text() or "")
        elif tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            self.handle_data(self.get_starttag_text() or "")
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag not in _HTML_TAGS:
            self.handle_data(f"</{tag}>")
        elif tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)

    def unknown_decl(self, data: str) -> None:
        if data.upper().startswith("CDATA["):
            self.handle_data(data[6:])


def _close(parser: _TextExtractor) -> None:
    """Finish parsing. ``feed`` stops at the first construct it cannot complete (``<a '``
    with no closing quote); ``close`` would then rescan the rest once per ``<`` (quadratic),
    so a long unfinished tail is kept as literal text instead."""
    tail = parser.rawdata
    if len(tail) <= _MAX_TAIL:
        parser.close()
        return
    parser.rawdata = ""
    if not parser.cdata_elem:  # an unclosed <script> or <style> swallows its tail
        parser.handle_data(html.unescape(tail))
    parser.close()


def html_to_text(s: str | None) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, one-space whitespace.

    Text without markup passes through unchanged apart from whitespace and control
    characters (so ``[bold red]ALERT[/]`` or ``a < b`` stay literally).
    """
    if not s:
        return ""
    # Only MAX_SUMMARY characters are kept: never parse more than a bounded prefix.
    s = strip_escapes(s[:MAX_HTML_INPUT])  # before parsing: "\x1b[31m" must not leave "[31m"
    if _MARKUP.search(s):
        parser = _TextExtractor()
        try:
            parser.feed(s)
            _close(parser)
            s = "".join(parser.parts)
        except Exception:  # html.parser is lenient; never let odd markup lose the item
            s = re.sub(r"<[^>]*>", " ", s)
    return one_line(s)


def item_id(feed_name: str, key: str) -> str:
    """A stable short id for an item, scoped by feed (same key in two feeds: two ids)."""
    return hashlib.sha1(f"{feed_name}\0{key}".encode("utf-8", "surrogatepass")).hexdigest()[:20]


def _http_link(url: str | None) -> str:
    url = (url or "").strip()
    return url if is_http_url(url) else ""


# --- XML screening ---------------------------------------------------------------------

_PROLOG_DOCTYPE = re.compile(
    rb"^(?:\xef\xbb\xbf)?(?:\s|<\?.*?\?>|<!--.*?-->)*<!DOCTYPE", re.IGNORECASE | re.DOTALL
)
_ENTITY_DECL = re.compile(rb"<!ENTITY\b[^>]*>", re.IGNORECASE)
# Harmless: a named character reference, e.g. <!ENTITY nbsp "&#160;">
_SAFE_ENTITY = re.compile(
    rb"""<!ENTITY\s+[\w.-]+\s+(["'])(?:&\#\d{1,7};|&\#x[0-9a-fA-F]{1,6};)\1\s*>""", re.IGNORECASE
)


def _sniff_bytes(body: bytes) -> bytes:
    """The head of ``body`` as ASCII-compatible bytes (UTF-16/32 transcoded) for screening."""
    if body[:4] in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00") or body[:4].count(b"\0") >= 3:
        for enc in ("utf-32",) if body[:4] in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00") else ("utf-32-be", "utf-32-le"):
            try:
                return body.decode(enc).encode("utf-8")
            except UnicodeError:
                continue
    if body[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\0" in body[:4]:
        for enc in ("utf-16",) if body[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-16-be", "utf-16-le"):
            try:
                return body.decode(enc, errors="ignore").encode("utf-8")
            except UnicodeError:
                continue
    return body


def screen_xml(body: bytes) -> str | None:
    """Why ``body`` must not be parsed (entity declarations: XXE, billion laughs), or None."""
    data = _sniff_bytes(body)
    if not _PROLOG_DOCTYPE.match(data):
        return None  # entities can only be declared in a DOCTYPE before the root element
    for decl in _ENTITY_DECL.finditer(data):
        if not _SAFE_ENTITY.fullmatch(decl.group(0)):
            return "refused: the document declares XML entities (<!ENTITY>), a known attack on feed readers"
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


def _struct_to_dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


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
    if mime.strip().lower() not in ("application/rss+xml", "application/atom+xml", "application/rdf+xml"):
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
    title = shorten(html_to_text(entry.get("title")), MAX_TITLE)
    summary_html = entry.get("summary")
    if not summary_html and entry.get("content"):
        summary_html = entry["content"][0].get("value")
    summary = shorten(html_to_text(summary_html), MAX_SUMMARY)
    link = _http_link(entry.get("link"))
    published = _struct_to_dt(entry.get("published_parsed") or entry.get("updated_parsed"))
    if not title:
        title = shorten(summary, 120) if summary else "(untitled)"
    key = (entry.get("id") or "").strip() or link
    if not key:
        raw_date = entry.get("published") or entry.get("updated") or ""
        key = "sha1:" + hashlib.sha1(f"{title}\0{raw_date}".encode()).hexdigest()
    return Item(
        id=item_id(feed_name, key),
        feed=feed_name,
        title=title,
        link=link,
        summary=summary,
        published=published,
        first_seen=now,
    )


def parse_feed(
    body: bytes, headers: Mapping[str, str], url: str, feed_name: str, now: datetime
) -> ParseResult:
    """Items of an RSS/Atom/RDF document; a broken document that still yields items gives
    them plus a ``warning``; one that yields nothing gives an ``error``."""
    refused = screen_xml(body)
    if refused:
        return ParseResult(error=refused, error_kind="xml")
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
    items: list[Item] = []
    seen: set[str] = set()
    for entry in parsed.entries:
        item = _entry_item(entry, feed_name, now)
        if item.id not in seen:
            seen.add(item.id)
            items.append(item)
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
    return ParseResult(error="no feed items found (not an RSS or Atom document)", error_kind="empty")


# --- HTML listing pages ----------------------------------------------------------------

_META_CHARSET = re.compile(rb"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)


def _header_charset(headers: Mapping[str, str] | None) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == "content-type":
            found = _META_CHARSET.search(value.encode("latin-1", "replace"))
            if found:
                return found.group(1).decode("ascii", "replace")
    return None


def _parse_time(value: str | None) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def parse_page(
    body: bytes,
    headers: Mapping[str, str] | None,
    url: str,
    links_regex: str,
    feed_name: str,
    now: datetime,
) -> ParseResult:
    """Items of an HTML listing page: every ``<a href>`` whose absolute URL matches
    ``links_regex`` (``re.search``) is one item titled by its link text.

    Duplicated links keep the longest title; a ``<time datetime>`` in the link's own
    article (an ancestor holding no other article link) gives the published time.
    """
    from selectolax.lexbor import LexborHTMLParser

    try:
        pattern = re.compile(links_regex)
    except re.error as exc:
        return ParseResult(error=f"invalid links regex: {exc}", error_kind="xml")
    charset = _header_charset(headers)
    markup: str | bytes = body
    if charset:
        try:
            markup = body.decode(charset, errors="replace")
        except LookupError:
            markup = body
    tree = LexborHTMLParser(markup, encoding=not isinstance(markup, str))
    base = url
    base_node = tree.css_first("base[href]")
    if base_node is not None:
        base = urljoin(url, (base_node.attributes.get("href") or "").strip())

    found: dict[str, tuple[str, Any]] = {}  # url -> (title, <a> node)
    anchors: list[tuple[str, Any]] = []  # every <a> whose URL matches, with that URL
    for node in tree.css("a[href]"):
        href = (node.attributes.get("href") or "").strip()
        link = _http_link(urldefrag(urljoin(base, href))[0]) if href else ""
        if not link or not pattern.search(link):
            continue
        anchors.append((link, node))
        title = shorten(one_line((node.text(separator=" ") or "")[:MAX_HTML_INPUT]), MAX_TITLE)
        if not title:
            title = shorten(one_line((node.attributes.get("title") or "")[:MAX_HTML_INPUT]), MAX_TITLE)
        if not title:
            continue
        if link not in found or len(title) > len(found[link][0]):
            found[link] = (title, node)
    if not found:
        return ParseResult(
            error=f"no links on the page match the links regex {links_regex!r}", error_kind="empty"
        )

    lists = _list_nodes(anchors, found)

    def article_time(node: Any) -> datetime | None:
        ancestor = node
        for _ in range(6):
            ancestor = ancestor.parent
            if ancestor is None or ancestor.tag in ("body", "html"):
                return None
            if ancestor.mem_id in lists:
                return None  # this ancestor is the list, not the article
            for t in ancestor.css("time"):
                when = _parse_time(t.attributes.get("datetime") or t.text())
                if when is not None:
                    return when
        return None

    items = [
        Item(
            id=item_id(feed_name, link),
            feed=feed_name,
            title=title,
            link=link,
            summary="",
            published=article_time(node),
            first_seen=now,
        )
        for link, (title, node) in found.items()
    ]
    return ParseResult(items=items)


def _list_nodes(anchors: list[tuple[str, Any]], found: Mapping[str, object]) -> set[int]:
    """``mem_id`` of every element holding links to more than one found URL.

    One walk up from each link, stopping where the ancestor already holds that URL or two
    others (everything above holds them too): about one step per element, not links x tree.
    """
    seen: dict[int, set[str]] = {}  # element -> up to two found URLs below it
    for link, node in anchors:
        if link not in found:
            continue
        ancestor = node.parent
        while ancestor is not None:
            urls = seen.setdefault(ancestor.mem_id, set())
            if link in urls or len(urls) >= 2:
                break
            urls.add(link)
            ancestor = ancestor.parent
    return {key for key, urls in seen.items() if len(urls) >= 2}
