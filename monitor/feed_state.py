"""A feed's state after a fetch: validators kept, failures counted, backoff and Retry-After.

:func:`next_state` is the one place a fetch result becomes the feed's next state; the
poller stores it in the history.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from monitor.models import FeedState

if TYPE_CHECKING:
    from monitor.fetch import FetchResult

__all__ = ["backoff_delay", "next_state", "parse_retry_after", "validator"]

BACKOFF_BASE = 60.0  # seconds after the first failure
BACKOFF_CAP = 6 * 3600.0
RETRY_AFTER_CAP = 24 * 3600.0
_MAX_VALIDATOR = 1024  # characters of an ETag or Last-Modified kept


def validator(value: str | None) -> str | None:
    """An ETag / Last-Modified worth keeping and sending back: printable ASCII, bounded.

    httpx refuses to send anything else (UnicodeEncodeError), so it is dropped instead.
    """
    if value and len(value) <= _MAX_VALIDATOR and value.isascii() and value.isprintable():
        return value
    return None


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """A Retry-After header (delta seconds or HTTP-date) as a time, capped at 24 h from now."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²".isdigit() is True too
        delay = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)  # raises ValueError on a bad date (3.10+)
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            delay = (when - now).total_seconds()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    delay = min(max(delay, 0.0), RETRY_AFTER_CAP)
    return now + timedelta(seconds=delay)


def backoff_delay(failures: int) -> float:
    """Seconds to wait after ``failures`` consecutive failures: 60 s doubling, capped at 6 h."""
    if failures <= 0:
        return 0.0
    return min(BACKOFF_BASE * 2.0 ** min(failures - 1, 30), BACKOFF_CAP)


def next_state(state: FeedState, result: FetchResult, now: datetime) -> FeedState:
    """The feed's state after ``result`` (a new object; ``state`` is not changed).

    Success (ok / not_modified) keeps the validators, records ``last_success`` and clears
    the failure count; failure counts up and sets ``retry_at`` to the later of the
    exponential backoff and the server's Retry-After. ``last_new`` is left to the poller.
    """
    if result.outcome in ("ok", "not_modified"):
        etag, last_modified = validator(result.etag), validator(result.last_modified)
        if result.outcome == "not_modified":
            etag = etag or validator(state.etag)
            last_modified = last_modified or validator(state.last_modified)
        return replace(
            state,
            etag=etag,
            last_modified=last_modified,
            last_attempt=now,
            last_success=now,
            last_outcome=result.outcome,
            last_error=None,
            error_kind=None,
            failures=0,
            retry_at=None,
            retry_after=None,
            down_since=None,
        )
    failures = state.failures + 1
    retry_at = now + timedelta(seconds=backoff_delay(failures))
    if result.retry_at is not None and result.retry_at > retry_at:
        retry_at = result.retry_at
    return replace(
        state,
        last_attempt=now,
        last_outcome="error",
        last_error=result.error,
        error_kind=result.error_kind,
        failures=failures,
        retry_at=retry_at,
        retry_after=result.retry_at,
        down_since=state.down_since if state.failures and state.down_since else now,
    )
