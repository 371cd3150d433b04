"""The fast path: well-formed UTF-8 RSS 2.0 and Atom 1.0, each in one expat pass.

feedparser stays the parser of record. This module only answers for documents where the
differential tests (tests/functional/test_parse_differential.py) show that the expat scan below
(every field an item needs), followed by the same link and date handling feedparser applies,
gives the very same entries; for anything else it returns None and the caller uses feedparser:

- not well-formed XML (feedparser's lenient recovery is the reference), a DOCTYPE, a base
  attribute in RSS (``xml:base`` or ``base``; in Atom their scopes are followed as feedparser
  follows them);
- an encoding other than UTF-8 declared anywhere (HTTP charset, XML prolog, a BOM);
- an element outside the known vocabulary below (extensions feedparser maps to titles,
  summaries or dates in its own way: ``itunes:summary``, ``media:title``...);
- ``isPermaLink`` spelt in another case or with another value than true/false;
- a root other than ``<rss version="2.0">`` or an Atom 1.0 ``<feed>``, no entries, an entry
  inside an entry, an RSS item child that has children (``<image><title>``: feedparser has
  its own reading of those), two titles, descriptions... in one item;
- for Atom, a title, summary or content of type XHTML (or with markup inside), base64,
  ``src=`` or another type than text/html.

Each entry's values are finished as feedparser finishes them (links joined to the final URL
with feedparser's own ``_urljoin``, dates read from the raw strings as feedparser's date
parser reads them, :mod:`monitor.parse.dates`) and made into the :class:`Item` at once by
:func:`monitor.parse.items.build_item`, the function feedparser's path uses too.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from xml.parsers import expat

from feedparser.html import _cp1252
from feedparser.urls import _urljoin, make_safe_absolute_uri

from monitor.models import Item
from monitor.parse.dates import entry_datetime
from monitor.parse.items import build_item

__all__ = ["fast_items"]


_ATOM = "http://www.w3.org/2005/Atom"
_DC = "http://purl.org/dc/elements/1.1/"
_CONTENT = "http://purl.org/rss/1.0/modules/content/"
_XHTML_PREFIX = "http://www.w3.org/1999/xhtml "

_RSS_NAMES = frozenset(
    "rss channel title link description language copyright managingEditor webMaster pubDate "
    "lastBuildDate category generator docs ttl image url width height item author comments "
    "enclosure guid source".split()
)
_ATOM_NAMES = frozenset(
    "feed title subtitle id updated link author name email uri contributor category generator "
    "icon logo rights entry published summary content".split()
)
# Elements read the same way by both parsers (expat's "namespace local" names).
_RSS_VOCABULARY = _RSS_NAMES | {
    f"{_DC} creator",
    f"{_DC} subject",
    f"{_DC} date",
    f"{_CONTENT} encoded",
    f"{_ATOM} link",
}
_ATOM_VOCABULARY = frozenset(f"{_ATOM} {name}" for name in _ATOM_NAMES)

_PROLOG_ENCODING = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_UTF8 = frozenset({"utf-8", "utf8"})
_BOM = b"\xef\xbb\xbf"


def _plain_utf8(body: bytes, headers: Mapping[str, str]) -> bool:
    """UTF-8 by every account: no other charset in the HTTP header, the prolog or a BOM."""
    for key, value in headers.items():
        if key.lower() == "content-type":
            found = _CHARSET.search(value)
            if found and found.group(1).lower() not in _UTF8:
                return False
    head = body[3:] if body.startswith(_BOM) else body
    if not head.startswith(b"<"):
        return False  # UTF-16/32 (a BOM or NULs), leading whitespace or text: feedparser
    declared = _PROLOG_ENCODING.match(head[:200])
    return declared is None or declared.group(1).decode("ascii", "replace").lower() in _UTF8


class _Scan:
    """One expat pass over the document: whether it is well-formed, every element name
    (expat's ``"namespace local"`` form) and, per entry, the text of the elements that make
    its title, summary, content, id, link and dates, read here as feedparser reads them.
    ``unusual`` is set by anything only feedparser reads as feedparser does.

    The handlers are closures over locals: expat calls them once per element. An RSS root
    hands the rest of the document to :meth:`_read_rss`'s handlers, which know its shape."""

    def __init__(self, parser: Any, base: str | None = None) -> None:
        """``base``: the document's URL when it holds a base attribute (``xml:base``, or
        ``base``, which feedparser reads the same), whose scopes are then followed."""
        self.names: set[str] = set()
        self.unusual = False
        self.entries: list[_EntryScan] = []
        self.root: tuple[str, str | None] | None = None  # the root's name and version
        names_add = self.names.add
        entries = self.entries
        # [capture buffer or None, the open entry or None, a child of an RSS item is open]
        state: list[Any] = [None, None, False]

        def start(name: str, attrs: dict[str, str]) -> None:
            names_add(name)
            if state[0] is not None:
                self.unusual = True  # markup inside a captured element
            entry = state[1]
            if name in _ENTRY_NAMES:
                if entry is not None:
                    self.unusual = True  # an entry inside an entry
                state[1] = entry = _EntryScan(name == "item")
                entries.append(entry)
                return
            if entry is not None and entry.rss:
                if state[2]:
                    self.unusual = True  # RSS item children are leaves: <image><title>...
                state[2] = True
            if name == _ATOM_LINK:
                self._atom_link(attrs, entry)
            elif name in _CAPTURED and entry is not None:
                if name in entry.texts:
                    self.unusual = True  # two of one kind: which wins is feedparser's business
                if name == "guid":
                    self._guid(attrs, entry)
                elif name == _ATOM_ID:
                    entry.id_base = self.base
                elif name in _ATOM_TEXTS and attrs:
                    self._text_construct(attrs)
                buffer: list[str] = []
                state[0] = buffer
                parser.CharacterDataHandler = buffer.append

        def end(name: str) -> None:
            buffer = state[0]
            if buffer is not None and name in _CAPTURED:
                state[1].texts[name] = "".join(buffer).strip()
                state[0] = None
                parser.CharacterDataHandler = None
            if state[2]:
                state[2] = False  # the end of an RSS item's child (children are leaves)
            elif name in _ENTRY_NAMES:
                # elements nest, so the first entry end after an entry start is its own
                state[1] = None

        def first(name: str, attrs: dict[str, str]) -> None:
            self.root = (name, attrs.get("version"))
            if name == "rss":
                if self.root[1] != "2.0" or base is not None:
                    raise _Unusual  # another version; RSS with xml:base goes to feedparser
                names_add(name)
                self._read_rss(parser)
                return
            if base is None:
                parser.StartElementHandler = start
                start(name, attrs)
            else:
                parser.StartElementHandler = start_in_scope
                parser.EndElementHandler = end_of_scope
                start_in_scope(name, attrs)

        # xml:base as feedparser follows it (unknown_starttag/unknown_endtag): every element
        # takes its base attribute joined to the current base (only a safe absolute URI
        # replaces it), and its end restores the enclosing element's base unless that is empty
        scopes: list[str] = []
        self.base = base or ""

        def start_in_scope(name: str, attrs: dict[str, str]) -> None:
            current = self.base
            value = current
            if attrs:
                for key in attrs:
                    if key.lower() in _BASE_NAMES and key not in _BASE_NAMES:
                        raise _Unusual  # XML:BASE, Base...: names feedparser lowercases
                value = attrs.get(_XML_BASE, attrs.get("base")) or current
            if current:
                self.base = _safe_join(current, value) or current
            else:
                self.base = _urljoin(current, value)
            scopes.append(self.base)
            start(name, attrs)

        def end_of_scope(name: str) -> None:
            end(name)
            scopes.pop()
            if scopes and scopes[-1]:
                self.base = scopes[-1]

        parser.StartElementHandler = first
        parser.EndElementHandler = end

    def _read_rss(self, parser: Any) -> None:
        """The rest of an RSS 2.0 document, read by handlers that know its shape: what only
        feedparser reads as feedparser does stops the parse (:class:`_Unusual`), every item
        child's text is collected by a ``list.append`` set once (no handler swapped per
        element), and only an item's own leaves are captured."""
        entries = self.entries
        chars: list[str] = []
        clear = chars.clear
        entry: _EntryScan | None = None
        texts: dict[str, str] = {}
        child: str | None = None  # the open item child (item children are leaves)
        capture = False

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal entry, texts, child, capture
            if name not in _RSS_VOCABULARY or child is not None:
                raise _Unusual  # unknown vocabulary; an item child with children
            if name == "item":
                if entry is not None:
                    raise _Unusual  # an item inside an item
                entry = _EntryScan(True)
                texts = entry.texts
                entries.append(entry)
                return
            if name == _ATOM_LINK:  # only rel="self" leaves the items alone
                if attrs.get("rel") != "self":
                    raise _Unusual
            if entry is not None:
                child = name
                if name in _CAPTURED:
                    if name in texts:
                        raise _Unusual  # two of one kind: which wins is feedparser's business
                    if attrs and name == "guid":
                        self._guid(attrs, entry)
                    clear()
                    capture = True

        def end(name: str) -> None:
            nonlocal entry, child, capture
            if child is not None:
                if capture:
                    texts[name] = "".join(chars).strip()
                    capture = False
                child = None
            elif name == "item":
                entry = None

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = chars.append

    def _guid(self, attrs: dict[str, str], entry: _EntryScan) -> None:
        for key, value in attrs.items():
            if key.lower() == "ispermalink":
                # feedparser ignores the attribute's case: keep to the plain spelling
                if key != "isPermaLink" or value not in ("true", "false"):
                    self.unusual = True
                entry.permalink = value == "true"

    def _text_construct(self, attrs: dict[str, str]) -> None:
        """An Atom title, summary or content read as feedparser reads it: type text or html
        (an XHTML one has markup inside, which stops the capture anyway), no src or mode."""
        for key, value in attrs.items():
            if key == "type":
                if value not in _TEXT_TYPES:
                    self.unusual = True
            elif key != _XML_LANG:
                self.unusual = True

    def _atom_link(self, attrs: dict[str, str], entry: _EntryScan | None) -> None:
        if "rss" in self.names:  # atom:link in RSS: only rel="self" leaves entries alone
            if attrs.get("rel") != "self":
                self.unusual = True
            return
        if entry is None:
            return
        if "href" not in attrs or any(k not in _LINK_ATTRIBUTES for k in attrs):
            self.unusual = True  # <link>text</link>, url=/uri= or odd attributes
            return
        rel = attrs.get("rel", "alternate").lower()
        kind = attrs.get("type", "application/atom+xml" if rel == "self" else "text/html")
        kind = _CONTENT_TYPES.get(kind.lower(), kind.lower())
        if rel == "alternate" and kind in ("text/html", "application/xhtml+xml"):
            entry.alternate = attrs["href"]  # feedparser keeps the last one
            entry.alternate_base = self.base


class _EntryScan:
    __slots__ = ("alternate", "alternate_base", "id_base", "permalink", "rss", "texts")

    def __init__(self, rss: bool) -> None:
        self.rss = rss  # an RSS <item> (else an Atom <entry>)
        # feedparser joins a guid (an Atom id: a guid without isPermaLink) to the base URL
        # and makes it the link unless isPermaLink="false"
        self.permalink = True
        self.alternate: str | None = None  # Atom: href of the last text/html alternate link
        self.texts: dict[str, str] = {}  # captured element -> its text, stripped
        # the base in scope at the id and the alternate link ("": the document's URL)
        self.id_base = ""
        self.alternate_base = ""


_XML_BASE = "http://www.w3.org/XML/1998/namespace base"
_XML_LANG = "http://www.w3.org/XML/1998/namespace lang"
_BASE_NAMES = frozenset({_XML_BASE, "base"})
_LINK_ATTRIBUTES = frozenset(
    {"href", "rel", "type", "title", "hreflang", "length", _XML_BASE, "base", _XML_LANG}
)
# feedparser's check that a base is absolute and of a safe scheme, on the same few strings
_safe_join = functools.lru_cache(maxsize=1024)(make_safe_absolute_uri)
# A base attribute anywhere (feedparser reads "base" as "xml:base", in any case)
_BASE_ATTRIBUTE = re.compile(rb"base\s*=")
_DC_DATE = f"{_DC} date"
_ATOM_PUBLISHED = f"{_ATOM} published"
_ATOM_UPDATED = f"{_ATOM} updated"
_ATOM_ENTRY = f"{_ATOM} entry"
_ATOM_FEED = f"{_ATOM} feed"
_ATOM_ID = f"{_ATOM} id"
_ATOM_LINK = f"{_ATOM} link"
_ENTRY_NAMES = frozenset({"item", _ATOM_ENTRY})
_CONTENT_ENCODED = f"{_CONTENT} encoded"
_ATOM_TITLE = f"{_ATOM} title"
_ATOM_SUMMARY = f"{_ATOM} summary"
_ATOM_CONTENT = f"{_ATOM} content"
# Atom text constructs read here: plain text or escaped HTML (feedparser's strict parser
# keeps their text as it is, stripped); XHTML, base64, src= or another type go to feedparser
_ATOM_TEXTS = frozenset({_ATOM_TITLE, _ATOM_SUMMARY, _ATOM_CONTENT})
_TEXT_TYPES = frozenset({"text", "html"})
# Entries are read from the scan alone: RSS items and Atom entries alike
_CAPTURED = frozenset(
    {"link", "guid", _ATOM_ID, "pubDate", _DC_DATE, _ATOM_PUBLISHED, _ATOM_UPDATED}
    | {"title", "description", _CONTENT_ENCODED}
    | _ATOM_TEXTS
)
_CONTENT_TYPES = {
    "text": "text/plain",
    "plain": "text/plain",
    "html": "text/html",
    "xhtml": "application/xhtml+xml",
}


class _Unusual(Exception):
    """Raised by a handler to stop the scan: feedparser must read this document."""


def _scan(body: bytes, base: str | None = None) -> _Scan | None:
    """The scan of ``body``, or None when it is not well-formed XML or it holds something
    only feedparser reads as feedparser does. ``base``: see :class:`_Scan`."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True  # one call per run of text, not one per line or reference
    scan = _Scan(parser, base)
    try:
        parser.Parse(body, True)
    except (expat.ExpatError, _Unusual):
        return None
    return scan


_C1 = re.compile("[\x80-\x9f]")


def _text(value: str | None) -> str | None:
    """What feedparser makes of every element's text in a UTF-8 document: Latin-1-only text
    that is also valid UTF-8 is "repaired" (publishers who double-encode), and C1 controls
    become their windows-1252 characters."""
    if not value or value.isascii():
        return value
    if max(value[:8]) > "\xff":
        if value.isprintable():  # not Latin-1 (Cyrillic...): no repair, and no C1 control
            return value
    try:
        value = value.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    if value.isprintable():
        return value  # no C1 control
    # str.translate looks every character up in a dict: only when there is one to map
    return value.translate(_cp1252) if _C1.search(value) else value


# Absolute http(s) URLs that urllib's urljoin gives back unchanged (its urlparse/urlunparse
# round trip drops an empty "?" or "#", ";params", lowercases the scheme, checks the host).
_PLAIN_URL = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[^\x00-\x20\x7f;?#]*)?"
    r"(?:\?[^\x00-\x20\x7f#]+)?(?:#[^\x00-\x20\x7f]+)?"
)


# A plain base and a root-relative path urllib joins by taking the base's scheme and host:
# no "//", "/." (dot segments, empty segments are rewritten), query, fragment or params.
_PLAIN_BASE = re.compile(r"(https?://[A-Za-z0-9.-]+(?::[0-9]+)?)(?:[/?#].*)?", re.DOTALL)
_ROOT_PATH = re.compile(r"/(?:[!$&'()*+,\-.0-9:=@A-Z_a-z~%]+/?)*")


def _join(base: str, value: str) -> str:
    """feedparser's ``_urljoin(base, value)``, skipped where it is the identity or a plain
    host + path."""
    if _PLAIN_URL.fullmatch(value):
        return value
    if value[:1] == "/" and "//" not in value and "/." not in value and _ROOT_PATH.fullmatch(value):
        origin = _PLAIN_BASE.fullmatch(base)
        if origin is not None:
            return origin.group(1) + value
    joined: str = _urljoin(base, value)
    return joined


_ENTITY_LEFT = re.compile("&([A-Za-z0-9_]+);")


def _link_text(value: str) -> str:
    """feedparser's clean-up of link text (``&amp;`` and ``&name;`` left by double escaping)."""
    return _ENTITY_LEFT.sub(r"&\g<1>", value.replace("&amp;", "&"))


def fast_items(
    body: bytes, headers: Mapping[str, str], url: str, feed_name: str, now: datetime
) -> list[Item] | None:
    """The items of a plain RSS 2.0 / Atom 1.0 document (in document order, the first of each
    id kept, as :func:`monitor.parse.feed.parse_feed` keeps them), or None when feedparser
    must read it (see the module docstring)."""
    if not _plain_utf8(body, headers):
        return None
    if body.find(b"<!DOCTYPE", 0, 4096) >= 0 or body.find(b"<!doctype", 0, 4096) >= 0:
        return None
    # with a base attribute the scan follows xml:base scopes (Atom; RSS goes to feedparser)
    scan = _scan(body, url if _BASE_ATTRIBUTE.search(body.lower()) else None)
    if scan is None or scan.unusual or not scan.entries:
        return None
    if scan.root == ("rss", "2.0"):
        if not scan.names <= _RSS_VOCABULARY:
            return None
        return _unique([_rss_item(s, url, feed_name, now) for s in scan.entries])
    if scan.root is None or scan.root[0] != _ATOM_FEED:
        return None
    # XHTML inside type="xhtml" text constructs outside entries (a feed subtitle) is fine
    if any(not n.startswith(_XHTML_PREFIX) for n in scan.names - _ATOM_VOCABULARY):
        return None
    return _unique([_atom_item(s, url, feed_name, now) for s in scan.entries])


def _unique(items: list[Item]) -> list[Item]:
    """``items`` in order, the first of each id kept."""
    if len({item.id for item in items}) == len(items):
        return items  # no id twice: the common case
    kept: dict[str, Item] = {}
    for item in items:
        kept.setdefault(item.id, item)
    return list(kept.values())


def _rss_item(scan: _EntryScan, url: str, feed_name: str, now: datetime) -> Item:
    """One RSS item as from feedparser's entry, from the scan alone. feedparser makes
    content:encoded the summary when there is no description or an empty one (a
    description, even empty, is its summary, whatever the order; an empty summary gives
    way to the content); elements are captured stripped of whitespace as feedparser strips
    them."""
    texts = scan.texts
    summary = texts.get("description") or texts.get(_CONTENT_ENCODED)
    return _finish(scan, url, feed_name, now, texts.get("title"), summary, atom=False)


def _atom_item(scan: _EntryScan, url: str, feed_name: str, now: datetime) -> Item:
    """One Atom entry as from feedparser's entry, from the scan alone. The summary is the
    summary element's text, or the content's when it is missing or empty (feedparser copies
    text and HTML content to an entry's summary it has not got, and a summary element,
    before or after the content, is the summary)."""
    texts = scan.texts
    summary = texts.get(_ATOM_SUMMARY) or texts.get(_ATOM_CONTENT)
    return _finish(scan, url, feed_name, now, texts.get(_ATOM_TITLE), summary, atom=True)


def _finish(
    scan: _EntryScan,
    url: str,
    feed_name: str,
    now: datetime,
    title: str | None,
    summary: str | None,
    *,
    atom: bool,
) -> Item:
    """The item of an entry, its id, link and dates read as feedparser reads them (the order
    of the steps is feedparser's ``pop``)."""
    texts = scan.texts
    guid = texts.get(_ATOM_ID if atom else "guid")
    entry_id = _join(scan.id_base or url, guid) if guid and scan.permalink else guid
    entry_id = _text(entry_id)
    # feedparser: a permalink guid is the link until a link element says otherwise
    id_link = entry_id if scan.permalink else None
    link: str | None
    if atom:
        if scan.alternate is not None:
            link = _join(scan.alternate_base or url, scan.alternate)
        else:
            link = id_link
    elif "link" in texts:
        link = texts["link"]
        if link == guid and scan.permalink:
            link = entry_id  # the same join (most feeds: the guid is the link)
        elif link:
            link = _text(_join(url, link)) or ""
        if link and "&" in link:
            link = _link_text(link)
    else:
        link = id_link
    if atom:
        published, updated = texts.get(_ATOM_PUBLISHED), texts.get(_ATOM_UPDATED)
    else:
        published, updated = texts.get("pubDate"), texts.get(_DC_DATE)
    published, updated = _text(published), _text(updated)
    return build_item(
        feed_name,
        now,
        _text(title),
        _text(summary),
        link,
        entry_id,
        published or updated or "",
        entry_datetime(published, updated),
    )
