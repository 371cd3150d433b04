"""Bytes to :class:`~monitor.models.Item`: RSS/Atom via feedparser (:mod:`.feed`), HTML listing
pages via selectolax (:mod:`.page`), and the worker processes that run them (:mod:`.pool`).

Everything in ``feed`` and ``page`` is pure, thread-safe and picklable in and out (the poller
runs it in worker processes or threads).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from monitor.parse.items import ParseResult, body_digest, html_to_text, item_id
from monitor.parse.page import parse_page

if TYPE_CHECKING:
    from monitor.parse.feed import parse_feed, screen_xml


def __getattr__(name: str) -> Any:
    # feedparser takes ~0.15 s to import: a process whose feeds are parsed in the worker
    # processes (every poll of 4 feeds or more) never imports it.
    if name in ("parse_feed", "screen_xml"):
        from monitor.parse import feed

        return getattr(feed, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ParseResult",
    "body_digest",
    "html_to_text",
    "item_id",
    "parse_feed",
    "parse_page",
    "screen_xml",
]
