"""Watchlist trends: hits per day, what is rising, and spike days.

A *hit* is an item tagged by the watchlist (several matches in one item count once), on the
day of its time (published, else first seen) in the analyst's time zone — Europe/Kyiv unless
``[settings] timezone`` says otherwise — so "today" ends at local midnight, not UTC's.

Speed: one pass over the items. Day boundaries are computed once per range as UTC
timestamps (they move with daylight saving time), and each item is placed by bisecting its
timestamp into them, instead of converting every item's time to the zone.
"""

from __future__ import annotations

import statistics
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from monitor import timefmt
from monitor.models import Config, Item, utcnow
from monitor.text import one_line
from monitor.timefmt import resolve_zone

__all__ = [
    "DEFAULT_TIMEZONE",
    "SPIKE_BASELINE_DAYS",
    "SPIKE_FACTOR",
    "SPIKE_MIN_ITEMS",
    "TrendRow",
    "compute_trends",
    "format_table",
    "sparkline",
    "trend_zone",
]

DEFAULT_TIMEZONE = "Europe/Kyiv"
SPIKE_FACTOR = 2.0  # a spike day has at least this times the trailing median ...
SPIKE_MIN_ITEMS = 3  # ... and at least this many items
SPIKE_BASELINE_DAYS = 14  # the trailing window of that median (the days before the day)
WEEK = 7
_BARS = "▁▂▃▄▅▆▇█"


def trend_zone(config: Config | None = None) -> tzinfo:
    """The zone days are counted in: ``[settings] timezone`` when set, else Europe/Kyiv.

    Not the system's zone, as elsewhere: a trend is the newsroom's day, whatever the clock
    of the machine that happens to run the count."""
    name = config.settings.timezone if config is not None else None
    try:
        return resolve_zone(name or DEFAULT_TIMEZONE)
    except ValueError:  # config already refused a bad name; belt and braces
        return ZoneInfo(DEFAULT_TIMEZONE)


@dataclass(frozen=True, slots=True)
class TrendRow:
    """One watchlist's hits per day over ``len(counts)`` days ending today."""

    name: str
    start: date  # the first day shown
    counts: tuple[int, ...]  # items per day, oldest first; every day present
    total_7d: int  # the last 7 days, today included
    previous_7d: int  # the 7 days before those
    busiest: date | None  # the day with most items in the range (latest on a tie)
    last_hit: datetime | None  # the newest tagged item, whenever it was
    spikes: tuple[date, ...]  # days in the range that are spikes (see SPIKE_*)

    @property
    def days(self) -> list[tuple[date, int]]:
        return [(self.start + timedelta(days=i), n) for i, n in enumerate(self.counts)]

    @property
    def change(self) -> int:
        """The last 7 days against the 7 before them."""
        return self.total_7d - self.previous_7d

    @property
    def change_percent(self) -> float | None:
        """The change in percent of the previous 7 days (None when those had none)."""
        if not self.previous_7d:
            return None
        return 100.0 * self.change / self.previous_7d

    @property
    def busiest_count(self) -> int:
        return max(self.counts, default=0)

    def to_dict(self) -> dict[str, object]:
        """The JSON record of ``monitor trends --format json``."""
        return {
            "name": self.name,
            "days": [{"date": d.isoformat(), "count": n} for d, n in self.days],
            "total_7d": self.total_7d,
            "previous_7d": self.previous_7d,
            "change": self.change,
            "busiest": self.busiest.isoformat() if self.busiest else None,
            "last_hit": self.last_hit.isoformat() if self.last_hit else None,
            "spikes": [d.isoformat() for d in self.spikes],
        }


def _midnights(first: date, count: int, zone: tzinfo) -> list[float]:
    """UTC timestamps of local midnight of ``count`` consecutive days from ``first``."""
    return [
        datetime.combine(first + timedelta(days=i), time(), zone).timestamp() for i in range(count)
    ]


def compute_trends(
    items: Iterable[Item],
    watchlists: Sequence[str],
    *,
    days: int = 30,
    now: datetime | None = None,
    zone: tzinfo | None = None,
) -> list[TrendRow]:
    """One row per watchlist (in the order given), over ``days`` days ending today.

    Items tagged by a watchlist that is not in ``watchlists`` are ignored; items dated after
    the end of today (a feed's clock ahead) count for their last-hit time only."""
    if days < 1:
        raise ValueError("days must be at least 1")
    zone = zone or trend_zone()
    now = now or utcnow()
    today = now.astimezone(zone).date()
    span = max(days, 2 * WEEK)  # the 7-day figures need 14 days even when fewer are shown
    start = today - timedelta(days=span - 1 + SPIKE_BASELINE_DAYS)
    total_days = span + SPIKE_BASELINE_DAYS
    bounds = _midnights(start, total_days + 1, zone)  # the last one ends today
    lo, hi = bounds[0], bounds[-1]
    index = {name: i for i, name in enumerate(watchlists)}
    grid = [[0] * total_days for _ in watchlists]
    last: list[float] = [float("-inf")] * len(watchlists)
    last_item: list[Item | None] = [None] * len(watchlists)
    get = index.get
    for item in items:
        matches = item.matches
        if not matches:
            continue
        if len(matches) == 1:  # the common case, without building a set
            only = get(matches[0].watchlist)
            if only is None:
                continue
            rows: Iterable[int] = (only,)
        else:
            rows = {r for m in matches if (r := get(m.watchlist)) is not None}
            if not rows:
                continue
        when = item.published or item.first_seen  # Item.time, without the property call
        stamp = when.timestamp()
        day = bisect_right(bounds, stamp) - 1 if lo <= stamp < hi else -1
        for row in rows:
            if day >= 0:
                grid[row][day] += 1
            if stamp > last[row]:
                last[row], last_item[row] = stamp, item
    shown_from = total_days - days
    out = []
    for name, counts, newest in zip(watchlists, grid, last_item, strict=True):
        shown = counts[shown_from:]
        peak = max(shown, default=0)
        busiest = None
        if peak:
            at = len(shown) - 1 - shown[::-1].index(peak)
            busiest = start + timedelta(days=shown_from + at)
        spikes = tuple(
            start + timedelta(days=d) for d in range(shown_from, total_days) if _is_spike(counts, d)
        )
        out.append(
            TrendRow(
                name=name,
                start=start + timedelta(days=shown_from),
                counts=tuple(shown),
                total_7d=sum(counts[-WEEK:]),
                previous_7d=sum(counts[-2 * WEEK : -WEEK]),
                busiest=busiest,
                last_hit=newest.time if newest is not None else None,
                spikes=spikes,
            )
        )
    return out


def _is_spike(counts: list[int], day: int) -> bool:
    """At least SPIKE_MIN_ITEMS and SPIKE_FACTOR x the median of the days before it."""
    n = counts[day]
    if n < SPIKE_MIN_ITEMS:
        return False
    baseline = counts[max(0, day - SPIKE_BASELINE_DAYS) : day]
    median = statistics.median(baseline) if baseline else 0
    return n >= SPIKE_FACTOR * median


def sparkline(counts: Sequence[int], scale: int | None = None) -> str:
    """Block characters, one per day, scaled to the busiest day (or ``scale``).

    A day with no items shows ``·``, the visible zero baseline; any item shows at least
    ``▁``, so one item is never mistaken for none."""
    top = scale if scale is not None else max(counts, default=0)
    if top <= 0:
        return "·" * len(counts)
    out = []
    for n in counts:
        if n <= 0:
            out.append("·")
        else:
            out.append(_BARS[min(len(_BARS) - 1, max(0, -(-n * len(_BARS) // top) - 1))])
    return "".join(out)


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def format_table(rows: Sequence[TrendRow], zone: tzinfo) -> str:
    """The text of ``monitor trends``: one line per watchlist, a header, a legend."""
    if not rows:
        return "No watchlists in feeds.toml.\n"
    days = len(rows[0].counts)
    end = rows[0].start + timedelta(days=days - 1)
    header = [
        "watchlist",
        f"last {days} days",
        "7d",
        "change",
        "busiest",
        "last hit",
        "spikes",
    ]
    table = [header]
    for row in rows:
        pct = row.change_percent
        change = _signed(row.change) + (f" ({_signed(round(pct))}%)" if pct is not None else "")
        busiest = f"{row.busiest:%a %d %b} ({row.busiest_count})" if row.busiest else "-"
        # a time, so in the zone every CLI time is shown in, and saying it (days: ``zone``)
        last = timefmt.full(row.last_hit) if row.last_hit else "never"
        spikes = ", ".join(f"{d:%d %b}" for d in row.spikes[-3:])
        if len(row.spikes) > 3:
            spikes = f"{len(row.spikes) - 3} more, {spikes}"
        table.append(
            [
                one_line(row.name),
                sparkline(row.counts),
                str(row.total_7d),
                change,
                busiest,
                last,
                ("▲ " + spikes) if spikes else "",
            ]
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = [
        f"Watchlist hits per day, {row_span(rows[0].start, end)} ({zone_name(zone)}); "
        "7d: the last 7 days, change: against the 7 before; ▲ spike: at least twice the "
        f"median of the {SPIKE_BASELINE_DAYS} days before and {SPIKE_MIN_ITEMS} or more items",
        "",
    ]
    for r in table:
        cells = [
            c.rjust(w) if i in (2, 3) else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def row_span(start: date, end: date) -> str:
    return f"{start.isoformat()} to {end.isoformat()}"


def zone_name(zone: tzinfo) -> str:
    return str(getattr(zone, "key", None) or zone)
