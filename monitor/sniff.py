"""What a fetched body is: an HTML page or an RSS/Atom/RDF document, and the feeds a page
advertises (``<link rel="alternate">``)."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

__all__ = ["discover_feeds", "looks_like_html"]

_HTML_START = re.compile(
    rb"^(?:\s|<\?xml.*?\?>|<!--.*?-->)*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])",
    re.IGNORECASE | re.DOTALL,
)
_FEED_ROOT = re.compile(rb"<(?:[\w.-]+:)?(?:rss|feed|rdf)[\s>/]", re.IGNORECASE)
_XML_START = re.compile(rb"^\s*<\?xml[\s?]", re.IGNORECASE)


def looks_like_html(body: bytes, content_type: str = "") -> bool:
    """True when ``body`` is an HTML page rather than an RSS/Atom/RDF document.

    The body decides first (servers often label feeds ``text/html``); the content type
    only tips an undecided body.
    """
    head = body[:8192]
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    if b"\0" in head[:64]:  # UTF-16: decode just enough to sniff
        try:
            head = head.decode("utf-16", errors="ignore").encode("utf-8")
        except UnicodeError:
            pass
    if _HTML_START.match(head):
        return True
    if _FEED_ROOT.search(head) or _XML_START.match(head):
        return False
    return "html" in content_type.lower()


def discover_feeds(body: bytes, base_url: str) -> list[str]:
    """Feed URLs advertised with ``<link rel="alternate" type="application/rss+xml|atom+xml">``."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(body[: 2 * 1024 * 1024])
    base = base_url
    base_node = tree.css_first("base[href]")
    if base_node is not None:
        base = urljoin(base_url, (base_node.attributes.get("href") or "").strip())
    found: list[str] = []
    for node in tree.css("link"):
        attrs = node.attributes
        rel = (attrs.get("rel") or "").lower().split()
        kind = (attrs.get("type") or "").lower().split(";")[0].strip()
        href = (attrs.get("href") or "").strip()
        if "alternate" not in rel or not href:
            continue
        if kind not in ("application/rss+xml", "application/atom+xml", "application/rdf+xml"):
            continue
        url = urljoin(base, href)
        if urlsplit(url).scheme in ("http", "https") and url not in found:
            found.append(url)
    return found
