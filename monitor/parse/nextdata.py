"""Article links in a Next.js page's ``__NEXT_DATA__`` JSON script.

Next.js sites (the Ministry of Defence's among them, unconfirmed against the live site)
may render a listing's links in HTML, or only ship them as data for the browser to render:
``{"props": {"pageProps": {"news": [{"slug": ..., "title": ..., "publishedAt": ...}]}}}``.
Every JSON object holding a URL (or, when it is dated, a ``slug``, resolved under the
listing's own path) that matches the source's ``links`` regex counts as a link of the page,
titled by its ``title`` (or ``headline``/``name``), dated by its publication time, with its
excerpt as the lead.
The walk is bounded (:data:`MAX_NODES`, :data:`MAX_JSON`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urldefrag, urljoin

from monitor.parse.article import parse_time
from monitor.parse.items import MAX_TITLE, html_to_text, http_link
from monitor.text import one_line, shorten

__all__ = ["DataLink", "next_data_links"]

MAX_JSON = 8 * 1024 * 1024  # characters of the script parsed
MAX_NODES = 200_000  # JSON values visited
MAX_LEAD = 1_000

_URL_KEYS = ("url", "href", "link", "path", "permalink", "canonical", "uri")
_TITLE_KEYS = ("title", "headline", "name")
_DATE_KEYS = ("publishedAt", "published_at", "datePublished", "published", "date", "createdAt")
_LEAD_KEYS = ("excerpt", "description", "summary", "lead", "subtitle")


@dataclass(slots=True)
class DataLink:
    link: str
    title: str
    published: datetime | None
    lead: str


def _first_str(obj: dict[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return ""


def next_data_links(
    tree: Any, page_url: str, base: str, pattern: re.Pattern[str]
) -> list[DataLink]:
    """The links of ``tree``'s ``__NEXT_DATA__`` script whose absolute URL matches ``pattern``."""
    script = tree.css_first("script#__NEXT_DATA__")
    if script is None:
        return []
    raw = (script.text() or "")[:MAX_JSON]
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: hostile nesting ([[[[...)
        return []
    listing = page_url.split("?", 1)[0].split("#", 1)[0].rstrip("/") + "/"
    found: dict[str, DataLink] = {}
    stack: list[Any] = [data]
    visited = 0
    while stack and visited < MAX_NODES:
        value = stack.pop()
        visited += 1
        if isinstance(value, list):
            stack.extend(reversed(value))
            continue
        if not isinstance(value, dict):
            continue
        stack.extend(reversed([v for v in value.values() if isinstance(v, (dict, list))]))
        candidates = [value[k] for k in _URL_KEYS if isinstance(value.get(k), str)]
        slug = value.get("slug")
        # A bare slug is an article's only when the object is dated: tag and category
        # objects have slugs and titles too.
        if (
            isinstance(slug, str)
            and slug
            and "/" not in slug.strip("/")
            and _first_str(value, _DATE_KEYS)
        ):
            candidates.append(urljoin(listing, slug.strip("/")))
        for candidate in candidates:
            href = candidate.strip()
            if not href.startswith(("/", "http://", "https://")):
                continue
            link = http_link(urldefrag(urljoin(base, href))[0])
            if not link or not pattern.search(link) or link in found:
                continue
            title = shorten(one_line(_first_str(value, _TITLE_KEYS)[: MAX_TITLE * 4]), MAX_TITLE)
            if not title:
                continue
            found[link] = DataLink(
                link=link,
                title=title,
                published=parse_time(_first_str(value, _DATE_KEYS)),
                lead=shorten(html_to_text(_first_str(value, _LEAD_KEYS)), MAX_LEAD),
            )
            break
    return list(found.values())
