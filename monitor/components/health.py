"""A feed's health in a few words: ok / not modified / failing (why) / waiting until when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor import timefmt
from monitor.models import FeedConfig, FeedState
from monitor.poll import next_attempt
from monitor.text import one_line


@dataclass(frozen=True, slots=True)
class Health:
    symbol: str
    level: str  # ok | idle | waiting | failing | off: a CSS-ish class for colour
    text: str
    why: str | None = None  # the last error, for a line of its own


def feed_health(feed: FeedConfig, state: FeedState | None, now: datetime) -> Health:
    """What the feeds panel says about ``feed``."""
    if not feed.enabled:
        return Health("–", "off", "disabled")
    if state is None or state.last_attempt is None:
        return Health("○", "idle", "not polled yet")
    last_ok = (
        f"last ok {timefmt.ago(state.last_success, now)}" if state.last_success else "never ok"
    )
    if state.retry_at is not None and state.retry_at > now:
        # The scheduled poll that asks it again: never before retry_at, nor before its interval.
        until = next_attempt(feed, state) or state.retry_at
        why = one_line(state.last_error or state.last_warning or "backoff")
        return Health("‖", "waiting", f"waiting until {timefmt.clock(until, now)} · {last_ok}", why)
    if state.last_outcome == "error":
        why = one_line(state.last_error or "error")
        return Health("✗", "failing", f"failing · {last_ok}", why)
    if state.last_outcome == "not_modified":
        return Health("●", "ok", f"not modified · {timefmt.ago(state.last_attempt, now)}")
    if state.last_outcome == "ok":
        # A warning (articles unread, some waiting) is said on its own line.
        warning = one_line(state.last_warning) if state.last_warning else None
        when = timefmt.ago(state.last_attempt, now)
        return Health("●", "ok", f"ok, {state.last_new} new · {when}", warning)
    return Health("○", "idle", last_ok)
