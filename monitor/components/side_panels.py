"""The left column: feeds with health and counts, and watchlists with counts.

Selecting an entry filters the item list; selecting it again, or "All", clears that filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.events import Click, Leave, MouseEvent, MouseMove
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from monitor.models import Config, FeedConfig, FeedState, Item, SavedSearch
from monitor.summary import feed_health
from monitor.text import one_line
from monitor.view import Counts

DEFAULT_WIDTH = 40  # the panel's width before it is laid out
INDENT = 4  # the health lines under a feed
STRIP_CACHE_SIZE = 2048  # rendered entries kept (each look: plain, cursor, hover)
LEVEL_STYLES = {"ok": "green", "idle": "dim", "waiting": "yellow", "failing": "red", "off": "dim"}


class _PanelKeys(ScrollView, can_focus=True):
    """The keys every list has (kept off :attr:`FilterPanel.BINDINGS`, which the help lists)."""

    BINDINGS = [
        Binding("down", "cursor_down", "Down", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
    ]


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry: its name (None for "All") and its lines (explicit ``\\n``, never wrapped)."""

    name: str | None
    prompt: Text
    key: tuple[object, ...]  # what the entry looks like, for the strip cache
    height: int


def _entry(name: str | None, prompt: Text) -> Entry:
    key = (prompt.plain, str(prompt.style), tuple(prompt.spans))
    return Entry(name, prompt, key, prompt.plain.count("\n") + 1)


class FilterPanel(_PanelKeys):
    """A virtual list whose first entry is "All"; posts :class:`Chosen` with a name or None.

    Only the lines on screen are drawn, and each entry's strips are cached by its look, so a
    refresh that changes a few entries re-renders only those.
    """

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "first", "Top", show=False),
        Binding("G", "last", "Bottom", show=False),
        Binding("enter", "select", "Filter by it (again: clear)", show=False),
        Binding(
            "escape", "screen.clear_filters", "Clear the search; again: every filter", show=False
        ),
    ]

    COMPONENT_CLASSES = {"filter-panel--cursor", "filter-panel--hover"}

    DEFAULT_CSS = """
    FilterPanel {
        height: auto;
        max-height: 100%;
        color: $foreground;
        overflow-x: hidden;
        border: tall $border-blurred;
        padding: 0 1;
        background: $surface;
        & > .filter-panel--cursor {
            color: $foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            border: tall $border;
            background-tint: $foreground 5%;
            & > .filter-panel--cursor {
                color: $block-cursor-foreground;
                background: $block-cursor-background;
                text-style: $block-cursor-text-style;
            }
        }
        & > .filter-panel--hover {
            background: $block-hover-background;
        }
    }
    """

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
        self._entries: list[Entry] = []
        self._starts: list[int] = []  # the first line of each entry
        self._line_entry: list[int] = []  # the entry on each line
        self._highlighted: int | None = None
        self._hover: int | None = None
        self._strips: LRUCache[tuple[object, ...], list[Strip]] = LRUCache(STRIP_CACHE_SIZE)

    # --- data ---------------------------------------------------------------------------

    @property
    def option_count(self) -> int:
        return len(self._entries)

    def get_option_at_index(self, index: int) -> Entry:
        """The entry at ``index`` (its ``prompt`` is the Text shown)."""
        return self._entries[index]

    def set_entries(self, entries: list[tuple[str | None, Text]]) -> None:
        """Replace the entries, keeping the highlight where it was."""
        new = [_entry(name, prompt) for name, prompt in entries]
        self.names = [entry.name for entry in new]
        if [e.key for e in new] == [e.key for e in self._entries]:
            self._entries = new  # nothing to redraw
            return
        self._entries = new
        self._starts, self._line_entry = [], []
        for index, entry in enumerate(new):
            self._starts.append(len(self._line_entry))
            self._line_entry.extend([index] * entry.height)
        self._update_virtual_size()
        highlighted = min(self._highlighted or 0, len(new) - 1) if new else None
        if highlighted != self._highlighted:  # else leave the scroll where the user put it
            self.highlighted = highlighted
        self.refresh()

    # --- cursor -------------------------------------------------------------------------

    @property
    def highlighted(self) -> int | None:
        """The index of the entry under the cursor (None when there are none)."""
        return self._highlighted

    @highlighted.setter
    def highlighted(self, index: int | None) -> None:
        if index is None or not self._entries:
            index = None
        else:
            index = max(0, min(index, len(self._entries) - 1))
        if index != self._highlighted:
            self._highlighted = index
            self.refresh()
        self.scroll_to_highlight()

    def scroll_to_highlight(self) -> None:
        """Bring the whole highlighted entry on screen (its first line, if it cannot fit)."""
        index = self._highlighted
        if index is None or index >= len(self._starts):
            return
        top, height = self._starts[index], self._entries[index].height
        view = self.scrollable_content_region.height or 1
        y = int(self.scroll_y)
        if top + height > y + view:
            y = top + height - view
        y = min(y, top)
        if y != int(self.scroll_y):
            self.scroll_to(y=y, animate=False, immediate=True)

    def action_cursor_down(self) -> None:
        self.highlighted = 0 if self._highlighted is None else self._highlighted + 1

    def action_cursor_up(self) -> None:
        self.highlighted = 0 if self._highlighted is None else self._highlighted - 1

    def action_first(self) -> None:
        self.highlighted = 0

    def action_last(self) -> None:
        self.highlighted = len(self._entries) - 1

    def _page(self, direction: int) -> None:
        if self._highlighted is None:
            self.highlighted = 0
            return
        line = self._starts[self._highlighted] + direction * max(
            1, self.scrollable_content_region.height - 1
        )
        line = max(0, min(line, len(self._line_entry) - 1))
        self.highlighted = self._line_entry[line] if self._line_entry else 0

    def action_page_down(self) -> None:
        self._page(1)

    def action_page_up(self) -> None:
        self._page(-1)

    def action_select(self) -> None:
        index = self._highlighted
        if index is None or index >= len(self._entries):
            return
        name = self._entries[index].name
        self.selected = None if name == self.selected else name
        self.post_message(self.Chosen(self, self.selected))

    # --- mouse --------------------------------------------------------------------------

    def _entry_at(self, event: MouseEvent) -> int | None:
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        line = int(self.scroll_y) + offset.y
        return self._line_entry[line] if 0 <= line < len(self._line_entry) else None

    def on_click(self, event: Click) -> None:
        index = self._entry_at(event)
        if index is not None:
            self.highlighted = index
            self.action_select()

    def on_mouse_move(self, event: MouseMove) -> None:
        self._set_hover(self._entry_at(event))

    def on_leave(self, event: Leave) -> None:
        self._set_hover(None)

    def _set_hover(self, index: int | None) -> None:
        if index != self._hover:
            self._hover = index
            self.refresh()

    # --- rendering ----------------------------------------------------------------------

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._line_entry))

    def on_resize(self) -> None:
        self._update_virtual_size()
        self.scroll_to_highlight()

    def on_show(self) -> None:
        self.scroll_to_highlight()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._line_entry)

    def render_line(self, y: int) -> Strip:
        line = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        if not 0 <= line < len(self._line_entry):
            return Strip.blank(width, self.rich_style)
        index = self._line_entry[line]
        if index == self._highlighted:
            base = self.rich_style + self.get_component_rich_style("filter-panel--cursor")
        elif index == self._hover:
            base = self.rich_style + self.get_component_rich_style("filter-panel--hover")
        else:
            base = self.rich_style
        return self._entry_strips(self._entries[index], width, base)[line - self._starts[index]]

    def _entry_strips(self, entry: Entry, width: int, base: Style) -> list[Strip]:
        key = (*entry.key, width, base)
        strips = self._strips.get(key)
        if strips is None:
            console = self.app.console
            strips = []
            for text in entry.prompt.split("\n", allow_blank=True):
                text.end = ""
                segments = Segment.apply_style(text.render(console), base)
                strips.append(Strip(segments, text.cell_len).crop_extend(0, width, base))
            self._strips[key] = strips
        return strips


def _marker(selected: bool) -> str:
    return "▶ " if selected else "  "


# A folder's entry in the feeds panel is named with this prefix, which no feed name can carry
# (config refuses control characters in names).
FOLDER_KEY = "\x00folder:"


def folder_key(folder: str) -> str:
    """The feeds panel's name for a folder's entry."""
    return FOLDER_KEY + folder


def folder_of_key(name: str | None) -> str | None:
    """The folder a feeds panel entry stands for, or None for a feed or "All"."""
    if name is not None and name.startswith(FOLDER_KEY):
        return name[len(FOLDER_KEY) :]
    return None


def _grouped(config: Config) -> list[tuple[str | None, list[FeedConfig]]]:
    """Feeds without a folder first, then each folder in the order it first appears."""
    groups: dict[str | None, list[FeedConfig]] = {None: []}
    for feed in config.feeds:
        groups.setdefault(feed.folder, []).append(feed)
    return list(groups.items())


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
    for folder, feeds in _grouped(config):
        pad = ""
        if folder is not None:
            key = folder_key(folder)
            unread = sum(counts.unread.get(f.name, 0) for f in feeds)
            flagged = sum(counts.flagged.get(f.name, 0) for f in feeds)
            line = Text(_marker(selected == key), end="")
            line.append("▾ " + one_line(folder), "bold underline")
            line.append(f"  {unread} unread · {flagged} ⚑", "dim")
            line.truncate(width, overflow="ellipsis")
            entries.append((key, line))
            pad = "  "
        for feed in feeds:
            entries.append(
                (feed.name, _feed_entry(feed, states, counts, selected, now, room - len(pad), pad))
            )
    return entries


def _feed_entry(
    feed: FeedConfig,
    states: dict[str, FeedState],
    counts: Counts,
    selected: str | None,
    now: datetime,
    room: int,
    pad: str,
) -> Text:
    """One feed on two or three lines: counts, then health (``pad`` indents a folder's feeds)."""
    health = feed_health(feed, states.get(feed.name), now)
    unread, flagged = counts.unread.get(feed.name, 0), counts.flagged.get(feed.name, 0)
    name = Text(one_line(feed.name), style="bold", no_wrap=True, end="")
    tally = f"  {unread} unread · {flagged} ⚑"
    if name.cell_len > room - len(tally):  # short of room: the list's own symbols
        tally = f"  {unread}● {flagged}⚑"
    name.truncate(max(4, room - len(tally)), overflow="ellipsis")
    line = Text(_marker(selected == feed.name) + pad, end="")
    line.append(health.symbol + " ", LEVEL_STYLES[health.level])
    line.append_text(name)
    line.append(tally, "dim")
    for detail in (health.text, health.why):
        if detail:
            text = Text(one_line(detail), style=LEVEL_STYLES[health.level], no_wrap=True, end="")
            text.truncate(room, overflow="ellipsis")
            line.append("\n" + " " * INDENT + pad)
            line.append_text(text)
    return line


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
        unread = counts.watchlists_unread.get(wl.name, 0)
        if unread:
            line.append(f"  {unread} unread", "bold")
            line.append(f" of {counts.watchlists.get(wl.name, 0)}", "dim")
        else:
            line.append(f"  {counts.watchlists.get(wl.name, 0)}", "dim")
        line.truncate(width, overflow="ellipsis")
        entries.append((wl.name, line))
    return entries


def search_entries(
    searches: Sequence[SavedSearch],
    items: Sequence[Item],
    saved: dict[str, list[int]] | None,
    selected: str | None,
    width: int = DEFAULT_WIDTH,
) -> list[tuple[str | None, Text]]:
    """The saved searches panel: each search with the unread items it finds."""
    entries: list[tuple[str | None, Text]] = []
    for search in searches:
        line = Text(_marker(selected == search.name), end="")
        line.append(one_line(search.name), "bold")
        rows = saved.get(search.name) if saved is not None else None
        if rows is not None:
            line.append(f"  {sum(1 for i in rows if not items[i].read)} unread", "dim")
        line.truncate(width, overflow="ellipsis")
        entries.append((search.name, line))
    return entries
