"""What the app says to a person about polls and feeds: the status line's summary, the feeds'
health changes, a feed's health in the feeds panel, a feed's facts (the new-matches toast is
the poll's alert: :mod:`monitor.alerts`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor import timefmt
from monitor.models import FeedConfig, FeedState, Item
from monitor.poll import PollReport, next_attempt
from monitor.text import one_line


def poll_summary(report: PollReport, at: datetime, now: datetime) -> str:
    new = len(report.new_items)
    failing = sum(1 for r in report.feeds if r.outcome == "error")
    waiting = sum(1 for r in report.feeds if r.outcome == "skipped")
    parts = [f"{new} new"]
    if failing:
        parts.append(f"{failing} failing")
    if waiting:
        parts.append(f"{waiting} waiting")
    return f"{timefmt.clock(at, now)}: " + ", ".join(parts)


def health_changes(
    before: Mapping[str, FeedState], report: PollReport, now: datetime, *, retried: bool = False
) -> list[tuple[bool, str]]:
    """``(failing, message)`` for every feed this poll turned from answering to failing, or
    back: ``UNN: started failing (HTTP 503)`` / ``MoD: answering again (down since 09:12)``;
    and, when the poll was a retry (``r``), a feed it left alone because its server asked
    for a pause (Retry-After)."""
    out: list[tuple[bool, str]] = []
    for feed in report.feeds:
        was = before.get(feed.feed)
        was_failing = was is not None and was.failures > 0
        name = one_line(feed.feed)
        if feed.outcome == "error" and not was_failing:
            out.append((True, f"{name}: started failing ({one_line(feed.error or 'error')})"))
        elif feed.outcome in ("ok", "not_modified") and was_failing and was is not None:
            since = was.down_since or was.last_attempt
            when = f" (down since {timefmt.clock_zone(since, now)})" if since else ""
            out.append((False, f"{name}: answering again{when}"))
        elif retried and feed.outcome == "skipped" and feed.server_pause and feed.retry_at:
            until = timefmt.clock_zone(feed.retry_at, now)
            out.append(
                (
                    True,
                    f"{name}: not asked: the server asked for a pause until {until} (Retry-After)",
                )
            )
    return out


def feeds_down(
    feeds: Iterable[FeedConfig], states: Mapping[str, FeedState]
) -> tuple[int, datetime | None]:
    """How many enabled feeds are failing now, and since when the first of them has been."""
    down = [s for f in feeds if f.enabled and (s := states.get(f.name)) and s.failures > 0]
    since = [s.down_since or s.last_attempt for s in down]
    return len(down), min((t for t in since if t is not None), default=None)


def empty_reason(
    feeds: Sequence[FeedConfig],
    states: Mapping[str, FeedState],
    total: int,
    feed: str | None,
    filters: Sequence[str],
) -> str:
    """Why the item list is empty, in words: what to do about it, or what went wrong."""
    enabled = [f for f in feeds if f.enabled]
    if feed is not None:
        state = states.get(feed)
        if state is None or state.last_attempt is None:
            return f"{one_line(feed)} has not been polled yet (r polls now)."
        if state.last_success is None:
            error = one_line(state.last_error or "no answer")
            return f"{one_line(feed)} has never answered ({error})."
    if total == 0:
        if not enabled:
            return "No feeds are enabled in feeds.toml."
        asked = [states[f.name] for f in enabled if f.name in states]
        if not asked or all(s.last_attempt is None for s in asked):
            return "Nothing yet: no feed has been polled (r polls now)."
        if len(asked) == len(enabled) and all(s.failures and not s.last_success for s in asked):
            error = one_line(asked[0].last_error or "no answer")
            return f"All feeds failed: offline? ({error})"
        return "No items yet: the feeds answered with none."
    if filters:
        return f"No items match {' · '.join(one_line(f) for f in filters)} (esc clears)."
    return "No items."


def feed_facts(
    feed: FeedConfig, state: FeedState | None, items: Iterable[Item], now: datetime, days: int = 14
) -> tuple[list[tuple[str, str]], list[tuple[str, int]]]:
    """What the feed detail view says: ``(label, value)`` facts (the last error in full),
    and the items per day of the last ``days`` days (the display zone's days, newest first)."""
    facts = [
        ("URL", feed.url),
        ("Kind", "HTML page" if feed.kind == "page" else "RSS/Atom feed"),
        ("Interval", _duration(feed.interval)),
    ]
    if not feed.enabled:
        facts.append(("State", "disabled in feeds.toml"))
    if state is None or state.last_attempt is None:
        facts.append(("Last asked", "never (not polled yet)"))
    else:
        facts.append(("Last asked", timefmt.full(state.last_attempt)))
        facts.append(
            ("Last success", timefmt.full(state.last_success) if state.last_success else "never")
        )
        if state.failures:
            since = state.down_since or state.last_attempt
            facts.append(
                (
                    "Failing",
                    f"{state.failures} time{'s' if state.failures != 1 else ''}"
                    f" in a row, since {timefmt.full(since)}",
                )
            )
        if state.retry_after is not None and state.retry_after > now:
            facts.append(
                (
                    "Retry-After",
                    f"the server asked for a pause until {timefmt.full(state.retry_after)}",
                )
            )
        elif state.retry_at is not None and state.retry_at > now:
            facts.append(("Next try", f"{timefmt.full(state.retry_at)} (r asks now)"))
        if state.last_error:
            facts.append(("Last error", one_line(state.last_error)))
        warning = getattr(state, "last_warning", None)
        if warning:
            facts.append(("Warning", one_line(warning)))
    today = timefmt.day(now)
    counts = Counter(timefmt.day(item.time) for item in items if item.feed == feed.name)
    per_day = []
    for back in range(days):
        day = today - timedelta(days=back)
        per_day.append((day.isoformat(), counts.get(day, 0)))
    return facts, per_day


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


# --- a feed's health in the feeds panel: ok / not modified / failing (why) / waiting ------


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
