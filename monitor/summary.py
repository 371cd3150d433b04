"""What a finished poll says to a person: the status line's summary and the new-matches toast."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from monitor import timefmt
from monitor.poll import PollReport


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
