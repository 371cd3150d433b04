"""Shared fixtures. Engineers append their fixtures below; keep each one small."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# `from tests.feedserver import ...` works under bare `pytest` too, not only `python -m pytest`.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tests.feedserver import FeedServer  # noqa: E402


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
