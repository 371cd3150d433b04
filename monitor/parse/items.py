"""What the parsers share: the result type, item ids, plain text of HTML fragments, links.

Text from feeds is reduced to plain text: HTML parsed and dropped, entities decoded,
whitespace collapsed, control characters (ANSI escapes included) removed. Nothing is
interpreted downstream, so ``[bold]`` or ``<b>`` written as text stay literal text.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Literal

from monitor.models import Item
from monitor.text import is_http_url, one_line, shorten, strip_escapes

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
    body_hash: str | None = None  # the body's body_digest(), when the parse was asked for it


_MARKUP = re.compile(r"<[A-Za-z/!?]|&(?:#\d+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);?")

_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table tbody td tfoot th thead tr ul".split()
)
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript", "head", "title"})
# Everything else HTML knows; an unknown "<tag>" in a title ("press <ctrl>") is kept as text.
_HTML_TAGS = (
    _BLOCK_TAGS
    | _SKIP_TAGS
    | frozenset(
        "a abbr acronym area audio b base basefont bdi bdo big body button canvas caption center "
        "cite code col colgroup data datalist del details dfn dialog dir em embed fieldset font "
        "form frame frameset html i iframe img input ins kbd label legend link map mark menu meta "
        "meter object optgroup option output param picture progress q rp rt ruby s samp search "
        "select small source span strike strong sub summary sup svg math tt u var video wbr "
        "textarea time track image".split()
    )
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
    s = s[:MAX_HTML_INPUT]
    # Escapes and controls go before parsing ("\x1b[31m" must not leave "[31m"); a printable
    # string has none (strip_escapes is the identity) and no whitespace but " ".
    if s.isprintable() or (s := strip_escapes(s)).isprintable():
        # most titles and summaries: read without html.parser, split() or a regex pass
        plain: str | None
        if "<" in s:
            if s.startswith("<p>") and _PARAGRAPHS.fullmatch(s):  # most summaries
                plain = s[3:-4].replace("</p><p>", " ")
            else:
                plain = _plain_tags_text(s)
        else:
            plain = s if "&" not in s else None
        if plain is not None:
            if "&" in plain:
                return one_line(html.unescape(plain))
            plain = plain.strip(" ")
            return plain if "  " not in plain else " ".join(plain.split())
    # From here ``s`` holds no control character, so one_line(x) is " ".join(x.split())
    # for any x made of its characters; only decoded entities can bring new ones.
    if "<" not in s and "&" not in s:  # no markup (most titles): nothing to parse
        return " ".join(s.split())
    if _MARKUP.search(s):
        simple = _simple_markup_text(s)
        if simple is not None:
            return one_line(simple) if "&" in s else " ".join(simple.split())
        parser = _TextExtractor()
        try:
            parser.feed(s)
            _close(parser)
            s = "".join(parser.parts)
        except Exception:  # html.parser is lenient; never let odd markup lose the item
            s = re.sub(r"<[^>]*>", " ", s)
        return one_line(s)
    return " ".join(s.split())


# Tags written exactly so (no attribute, lower case) and what html.parser makes of them: a
# space (block) or nothing (inline).
_PLAIN_TAGS = {
    f"<{slash}{name}>": " "
    for name in ("p", "div", "li", "ul", "ol", "h2", "h3", "h4", "blockquote")
    for slash in ("", "/")
} | {"<br>": " ", "<br/>": " ", "<br />": " "}
_PLAIN_TAGS |= {
    f"<{slash}{name}>": ""
    for name in ("b", "strong", "em", "i", "u", "span", "small", "sup", "sub")
    for slash in ("", "/")
} | {"</a>": ""}
_TAG_TOKEN = re.compile(r"<[^<>]*>")  # one "<" each: linear on "<a <a <a..."
_PARAGRAPHS = re.compile(r"<p>[^<]*</p>(?:<p>[^<]*</p>)*")


def _plain_tags_text(s: str) -> str | None:
    """``s`` with its tags replaced as :class:`_TextExtractor` reads them when every tag in it
    is one of the plain ones above (``<p>``, ``</p>``, ``<br/>``, ``<b>``...), character
    references left to decode; else None (html.parser or :func:`_simple_markup_text` reads it).

    A block tag's space ends any character reference, so decoding the result at once equals
    decoding the texts between tags one by one (as html.parser does); an inline tag removed
    could join two halves of one (``&am<b>p;``), so text holding ``&`` and an inline tag is
    left to the others."""
    if "</p><p>" in s:  # two block tags in a row read as one: the common case, one space
        s = s.replace("</p><p>", "<p>")
    tags = set(_TAG_TOKEN.findall(s))
    inline = False
    for tag in tags:
        replacement = _PLAIN_TAGS.get(tag)
        if replacement is None:
            return None
        inline = inline or not replacement
    if inline and "&" in s:
        return None
    for tag in tags:
        s = s.replace(tag, _PLAIN_TAGS[tag])
    return None if "<" in s else s  # a "<" that began no tag


# A start, end or self-closing tag html.parser reads the obvious way: plain name, attributes
# with quoted values free of "<" and ">" (or none), no spaces in end tags. Split by it, a
# fragment gives [text, tag, end-tag name, start-tag name, text, tag, ...].
_SIMPLE_TAG = re.compile(
    r"(<(?:/([a-zA-Z][a-zA-Z0-9]*)>"
    r"|([a-zA-Z][a-zA-Z0-9]*)"
    r"(?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'))?)*\s*/?>))"
)


def _simple_markup_text(s: str) -> str | None:
    """What :class:`_TextExtractor` makes of ``s`` when its markup is only simple tags and
    character references (most feed summaries: ``<p>``, ``<a href="...">``, ``<br/>``),
    several times faster; None for anything else (comments, CDATA, a lone ``<``, script and
    the other skipped elements), which html.parser then reads.
    tests/functional/test_parse.py checks the two agree on generated markup."""
    parts = _SIMPLE_TAG.split(s)
    texts = parts[::4]
    if any("<" in text for text in texts):
        return None
    unescape: Callable[[str], str] = html.unescape if any("&" in text for text in texts) else str
    out: list[str] = []
    for i in range(0, len(parts) - 1, 4):
        out.append(unescape(parts[i]))
        end_name = parts[i + 2]
        lower = (end_name or parts[i + 3]).lower()
        if lower in _SKIP_TAGS:
            return None
        if lower not in _HTML_TAGS:  # "press <ctrl>" stays text, as _TextExtractor keeps it
            out.append(f"</{lower}>" if end_name else parts[i + 1])
        elif lower in _BLOCK_TAGS:
            out.append(" ")
    out.append(unescape(parts[-1]))
    return "".join(out)


def build_item(
    feed_name: str,
    now: datetime,
    title_html: str | None,
    summary_html: str | None,
    link: str | None,
    entry_id: str | None,
    raw_date: str,
    published: datetime | None,
) -> Item:
    """The :class:`Item` of one feed entry, the same from either parse path: plain text of
    the title and summary, an http(s) link or none, the id from the entry's id, else its
    link, else its title and raw date."""
    title = html_to_text(title_html)
    if len(title) > MAX_TITLE:
        title = shorten(title, MAX_TITLE)
    summary = html_to_text(summary_html)
    if len(summary) > MAX_SUMMARY:
        summary = shorten(summary, MAX_SUMMARY)
    link = http_link(link)
    if not title:
        title = shorten(summary, 120) if summary else "(untitled)"
    key = (entry_id or "").strip() or link
    if not key:
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


def body_digest(body: bytes) -> str:
    """A digest of a response body, kept in the feed state to skip parsing it again."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def item_id(feed_name: str, key: str) -> str:
    """A stable short id for an item, scoped by feed (same key in two feeds: two ids)."""
    return hashlib.sha1(f"{feed_name}\0{key}".encode("utf-8", "surrogatepass")).hexdigest()[:20]


# An absolute http(s) URL whose host is plain letters, digits, dots and dashes: urlsplit
# finds that host, so is_http_url only has to see it is printable and has no space.
_PLAIN_HTTP = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]*)?(?:[/?#][^ ]*)?")


def http_link(url: str | None) -> str:
    """``url`` stripped when it is an absolute http(s) URL (:func:`is_http_url`), else ""."""
    url = (url or "").strip()
    if _PLAIN_HTTP.fullmatch(url) and url.isprintable():
        return url
    return url if is_http_url(url) else ""
