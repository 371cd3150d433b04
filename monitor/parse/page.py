"""HTML listing pages to Items via selectolax: linear in the page size, bounded input."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urldefrag, urljoin

from monitor.models import Item
from monitor.parse.items import MAX_HTML_INPUT, MAX_TITLE, ParseResult, http_link, item_id
from monitor.parse.nextdata import next_data_links
from monitor.text import one_line, shorten

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
    article (an ancestor holding no other article link) gives the published time. Links
    in a Next.js ``__NEXT_DATA__`` script count too (:mod:`.nextdata`), and lend their
    date and excerpt to the same link rendered in HTML.
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
        link = http_link(urldefrag(urljoin(base, href))[0]) if href else ""
        if not link or not pattern.search(link):
            continue
        anchors.append((link, node))
        title = shorten(one_line((node.text(separator=" ") or "")[:MAX_HTML_INPUT]), MAX_TITLE)
        if not title:
            title = shorten(
                one_line((node.attributes.get("title") or "")[:MAX_HTML_INPUT]), MAX_TITLE
            )
        if not title:
            continue
        if link not in found or len(title) > len(found[link][0]):
            found[link] = (title, node)
    data_links = {d.link: d for d in next_data_links(tree, url, base, pattern)}
    if not found and not data_links:
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

    items = []
    for link, (title, node) in found.items():
        data = data_links.pop(link, None)
        items.append(
            Item(
                id=item_id(feed_name, link),
                feed=feed_name,
                title=title,
                link=link,
                summary=data.lead if data else "",
                published=article_time(node) or (data.published if data else None),
                first_seen=now,
            )
        )
    items += [  # only in the JSON
        Item(
            id=item_id(feed_name, d.link),
            feed=feed_name,
            title=d.title,
            link=d.link,
            summary=d.lead,
            published=d.published,
            first_seen=now,
        )
        for d in data_links.values()
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
