"""The left column: feeds with health and counts, and watchlists with counts.

Selecting an entry filters the item list; selecting it again, or "All", clears that filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from monitor.components.health import feed_health
from monitor.components.safe_text import one_line
from monitor.models import Config, FeedState

DEFAULT_WIDTH = 40  # the panel's width before it is laid out
INDENT = 4  # the health lines under a feed
LEVEL_STYLES = {"ok": "green", "idle": "dim", "waiting": "yellow", "failing": "red", "off": "dim"}


@dataclass(slots=True)
class Counts:
    """Unread and flagged per feed, matched per watchlist."""

    unread: dict[str, int]
    flagged: dict[str, int]
    watchlists: dict[str, int]
    unread_all: int = 0
    flagged_all: int = 0


class FilterPanel(OptionList):
    """An option list whose first entry is "All"; posts :class:`Chosen` with a name or None."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "first", "Top", show=False),
        Binding("G", "last", "Bottom", show=False),
    ]

    @dataclass
    class Chosen(Message):
        panel: FilterPanel
        name: str | None

        @property
        def control(self) -> FilterPanel:
            return self.panel

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.names: list[str | None] = [None]
        self.selected: str | None = None

    def set_entries(self, entries: list[tuple[str | None, Text]]) -> None:
        """Replace the entries, keeping the highlight where it was."""
        highlighted = self.highlighted
        self.names = [name for name, _ in entries]
        self.clear_options()
        self.add_options([Option(prompt) for _, prompt in entries])
        if entries:
            self.highlighted = min(highlighted or 0, len(entries) - 1)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        name = self.names[event.option_index] if event.option_index < len(self.names) else None
        self.selected = None if name == self.selected else name
        self.post_message(self.Chosen(self, self.selected))


def _marker(selected: bool) -> str:
    return "▶ " if selected else "  "


def feed_entries(
    config: Config,
    states: dict[str, FeedState],
    counts: Counts,
    selected: str | None,
    now: datetime,
    width: int = DEFAULT_WIDTH,
) -> list[tuple[str | None, Text]]:
    """The feeds panel's entries: All, then each feed on two lines (counts, then health),
    each line cut to ``width`` cells."""
    room = max(8, width - INDENT)
    head = Text(_marker(selected is None), end="")
    head.append("All feeds", "bold")
    head.append(f"  {counts.unread_all} unread · {counts.flagged_all} ⚑", "dim")
    head.truncate(width, overflow="ellipsis")
    entries: list[tuple[str | None, Text]] = [(None, head)]
    for feed in config.feeds:
        health = feed_health(feed, states.get(feed.name), now)
        unread, flagged = counts.unread.get(feed.name, 0), counts.flagged.get(feed.name, 0)
        name = Text(one_line(feed.name), style="bold", no_wrap=True, end="")
        tally = f"  {unread} unread · {flagged} ⚑"
        if name.cell_len > room - len(tally):  # short of room: the list's own symbols
            tally = f"  {unread}● {flagged}⚑"
        name.truncate(max(4, room - len(tally)), overflow="ellipsis")
        line = Text(_marker(selected == feed.name), end="")
        line.append(health.symbol + " ", LEVEL_STYLES[health.level])
        line.append_text(name)
        line.append(tally, "dim")
        for detail in (health.text, health.why):
            if detail:
                text = Text(one_line(detail), style=LEVEL_STYLES[health.level], no_wrap=True, end="")
                text.truncate(room, overflow="ellipsis")
                line.append("\n" + " " * INDENT)
                line.append_text(text)
        entries.append((feed.name, line))
    return entries


def watchlist_entries(
    config: Config, counts: Counts, selected: str | None, width: int = DEFAULT_WIDTH
) -> list[tuple[str | None, Text]]:
    """The watchlists panel's entries: All, then each watchlist with its item count."""
    head = Text(_marker(selected is None), end="")
    head.append("All watchlists", "bold")
    entries: list[tuple[str | None, Text]] = [(None, head)]
    for wl in config.watchlists:
        line = Text(_marker(selected == wl.name), end="")
        line.append(one_line(wl.name), "bold")
        line.append(f"  {counts.watchlists.get(wl.name, 0)}", "dim")
        line.truncate(width, overflow="ellipsis")
        entries.append((wl.name, line))
    return entries
