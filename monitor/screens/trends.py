"""The Trends screen (``t``): one row per watchlist, what is rising, and the way to its items.

Each row: a sparkline of hits per day (``·`` is a day with none, the zero baseline; spike days
stand out), the last 7 days, the change against the 7 before, the busiest day, the last hit and
a spike marker. ``d`` switches between 30 and 90 days; enter opens the main list filtered to
that watchlist and range. The rows are counted in a thread worker (:mod:`monitor.trends`) and
posted back as a :class:`~monitor.messages.TrendsReady` message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from monitor import timefmt
from monitor.messages import TrendsReady
from monitor.models import Item
from monitor.text import one_line
from monitor.trends import (
    SPIKE_BASELINE_DAYS,
    SPIKE_MIN_ITEMS,
    TrendRow,
    compute_trends,
    sparkline,
    zone_name,
)

RANGES = (30, 90)


@dataclass(frozen=True, slots=True)
class TrendChoice:
    """What enter on a row asks of the main list: this watchlist, from this time on."""

    watchlist: str
    since: datetime  # local midnight of the first day shown, as UTC


class TrendTable(DataTable[Text]):
    """The rows; styles of the sparkline parts come from app.tcss."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "trend-table--zero",
        "trend-table--bar",
        "trend-table--spike",
        "trend-table--up",
        "trend-table--down",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
    ]


class TrendsScreen(Screen[TrendChoice | None]):
    """Watchlist hits per day; enter shows a watchlist's items over the range."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,t,q", "close", "Back"),
        Binding("d", "toggle_days", "30/90 days"),
        Binding("enter", "choose", "Show its items"),
    ]

    def __init__(
        self,
        items: Sequence[Item],
        watchlists: Sequence[str],
        now: datetime,
        zone: tzinfo,
        days: int = RANGES[0],
    ) -> None:
        super().__init__()
        self.items = items
        self.watchlists = list(watchlists)
        self.now = now
        self.zone = zone
        self.days = days
        self.rows: list[TrendRow] = []

    def compose(self) -> ComposeResult:
        yield Label("", id="trends-title")
        yield TrendTable(id="trends-table", cursor_type="row", zebra_stripes=False)
        yield Label(
            f"▲ spike: at least twice the median of the {SPIKE_BASELINE_DAYS} days before and "
            f"{SPIKE_MIN_ITEMS}+ items · days in {zone_name(self.zone)} · "
            "enter: the watchlist's items over this range · d: 30/90 days · esc: back",
            id="trends-legend",
        )
        yield Footer()

    def on_mount(self) -> None:
        self.table = self.query_one(TrendTable)
        self.table.focus()
        self.count()

    @work(thread=True, group="trends", exclusive=True, exit_on_error=False)
    def count(self) -> None:
        """Count the rows off the event loop (one pass over the items)."""
        rows = compute_trends(
            self.items, self.watchlists, days=self.days, now=self.now, zone=self.zone
        )
        self.post_message(TrendsReady(rows, self.days))

    def on_trends_ready(self, message: TrendsReady) -> None:
        if message.days != self.days:
            return  # an answer for the range before the last d
        self.rows = message.rows
        self.show_rows()

    def show_rows(self) -> None:
        table = self.table
        keep = table.cursor_row
        table.clear(columns=True)
        table.add_columns(
            "watchlist", f"last {self.days} days", "7d", "change", "busiest", "last hit", ""
        )
        style = table.get_component_rich_style
        for row in self.rows:
            table.add_row(*self.cells(row, style), key=row.name)
        if self.rows:
            table.move_cursor(row=min(keep, len(self.rows) - 1))
        title = self.query_one("#trends-title", Label)
        if self.rows:
            first = self.rows[0].start
            title.update(
                Text(
                    f"Trends: hits per day, {first:%d %b} – "
                    f"{first + timedelta(days=self.days - 1):%d %b %Y}"
                )
            )
        else:
            title.update(Text("Trends: no watchlists in feeds.toml"))

    def cells(self, row: TrendRow, style: Callable[[str], Style]) -> list[Text]:
        """The cells of one watchlist's row; every text from the config stays plain."""
        spikes = set(row.spikes)
        spark = Text(no_wrap=True)
        for (day, count), char in zip(row.days, sparkline(row.counts), strict=True):
            part = (
                "trend-table--spike"
                if day in spikes
                else "trend-table--zero"
                if count == 0
                else "trend-table--bar"
            )
            spark.append(char, style(part))
        change = Text(f"{row.change:+d}" if row.change else "0")
        pct = row.change_percent
        if pct is not None:
            change.append(f" ({pct:+.0f}%)")
        if row.change:
            change.stylize(style("trend-table--up" if row.change > 0 else "trend-table--down"))
        busiest = (
            Text(f"{row.busiest:%a %d %b} ({row.busiest_count})") if row.busiest else Text("-")
        )
        # a time, not a day: in the item list's zone (days are counted in self.zone)
        last = Text(timefmt.compact(row.last_hit, self.now) if row.last_hit else "never")
        marker = Text("")
        if row.spikes:
            latest = row.spikes[-1]
            marker = Text(f"▲ {latest:%d %b}", style("trend-table--spike"))
            if len(row.spikes) > 1:
                marker.append(f" +{len(row.spikes) - 1}")
        return [
            Text(one_line(row.name)),
            spark,
            Text(str(row.total_7d), justify="right"),
            change,
            busiest,
            last,
            marker,
        ]

    def action_toggle_days(self) -> None:
        self.days = (
            RANGES[(RANGES.index(self.days) + 1) % len(RANGES)]
            if self.days in RANGES
            else RANGES[0]
        )
        self.count()

    def action_choose(self) -> None:
        if not self.rows:
            return
        row = self.rows[max(0, min(self.table.cursor_row, len(self.rows) - 1))]
        since = timefmt.midnight(row.start, self.zone)
        self.dismiss(TrendChoice(row.name, since))

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_choose()

    def action_close(self) -> None:
        self.dismiss(None)
