"""Shared fixtures. Engineers append their fixtures below; keep each one small."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# `from tests.helpers.feedserver import ...` works under bare `pytest` too, not only `python -m pytest`.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tests.helpers.feedserver import FeedServer  # noqa: E402


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A real HTTP server on 127.0.0.1 (random port), stopped after the test."""
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _times_in_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test sees times in UTC unless it sets a zone: the machine's own zone never leaks
    into expected output or snapshots."""
    from monitor import timefmt

    monkeypatch.setenv("TZ", "UTC")
    timefmt.set_zone(None)
    yield
    timefmt.set_zone(None)


@pytest.fixture(autouse=True)
def fast_parse_agrees_with_feedparser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every feed any test parses in this process on the fast path is parsed again by
    feedparser, and the items must be identical (tests/functional/test_parse_differential.py has the
    generated and synthetic feeds; this covers every fixture of every other test)."""
    from datetime import datetime

    import monitor.parse.feed as feed_module

    fast_items = feed_module.fast_items

    def checked(
        body: bytes, headers: dict[str, str], url: str, feed_name: str, now: datetime
    ) -> object:
        items = fast_items(body, headers, url, feed_name, now)
        if items is not None:
            ref = feed_module.parse_feed(body, headers, url, feed_name, now, parser="feedparser")
            assert (ref.error, ref.warning) == (None, None), (ref, body[:300])
            assert items == ref.items, f"fast path differs from feedparser on {body[:300]!r}"
        return items

    monkeypatch.setattr(feed_module, "fast_items", checked)
