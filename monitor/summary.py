"""What a finished poll says to a person: the status line's summary and the new-matches toast."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from monitor import timefmt
from monitor.models import FeedConfig, FeedState
from monitor.poll import PollReport
from monitor.text import one_line


def new_matches_message(report: PollReport, order: Sequence[str]) -> str | None:
    """``Drone Deal: 3 new, PURL: 1 new`` in watchlist order, or None when nothing matched."""
    counts = Counter(tag for item in report.new_items for tag in item.tags)
    if not counts:
        return None
    rank = {name: i for i, name in enumerate(order)}
    names = sorted(counts, key=lambda n: (rank.get(n, len(rank)), n))
    return ", ".join(f"{name}: {counts[name]} new" for name in names)


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
    before: Mapping[str, FeedState], report: PollReport, now: datetime
) -> list[tuple[bool, str]]:
    """``(failing, message)`` for every feed this poll turned from answering to failing, or
    back: ``UNN: started failing (HTTP 503)`` / ``MoD: answering again (down since 09:12)``."""
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
    return out


def feeds_down(
    feeds: Iterable[FeedConfig], states: Mapping[str, FeedState]
) -> tuple[int, datetime | None]:
    """How many enabled feeds are failing now, and since when the first of them has been."""
    down = [s for f in feeds if f.enabled and (s := states.get(f.name)) and s.failures > 0]
    since = [s.down_since or s.last_attempt for s in down]
    return len(down), min((t for t in since if t is not None), default=None)
