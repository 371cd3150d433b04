"""The item list: a virtual (line API) list that renders only the rows on screen.

It holds the full list of items and a list of row indices (the filtered view); moving the
cursor or filtering never builds widgets, so 100,000 items stay smooth.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from monitor import timefmt
from monitor.models import Item, utcnow
from monitor.text import one_line

SOURCE_WIDTH = 14  # the source column at 80 columns; wider terminals give it more
SOURCE_MAX = 30
MIN_TITLE_WIDTH = 24  # narrower than this, the tags give way (the detail pane shows them)


def source_width(width: int) -> int:
    """The source column: 14 cells at 80 columns, growing with the terminal up to 30."""
    return max(SOURCE_WIDTH, min(SOURCE_MAX, width // 7))


class ItemList(ScrollView, can_focus=True):
    """Newest first. ``★`` pinned, ``⚑`` flagged; unread rows are bold with a ``●``, or a
    ``✦`` when they arrived since the last look; ``~`` before the time: undated, the time
    it was first seen."""

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False),
        Binding("k,up", "cursor_up", "Up", show=False),
        Binding("g,home", "first", "Top", show=False),
        Binding("G,end", "last", "Bottom", show=False),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False),
        Binding("enter", "open", "Open", show=False),
        Binding(
            "escape", "screen.clear_filters", "Clear the search; again: every filter", show=False
        ),
    ]

    COMPONENT_CLASSES = {
        "item-list--cursor",
        "item-list--unread",
        "item-list--read",
        "item-list--flag",
        "item-list--time",
        "item-list--source",
        "item-list--tag",
        "item-list--match",
        "item-list--story",
    }

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    @dataclass
    class Highlighted(Message):
        """The cursor moved to another item (or the list became empty)."""

        item_list: ItemList
        item: Item | None

        @property
        def control(self) -> ItemList:
            return self.item_list

    @dataclass
    class Opened(Message):
        """The user pressed enter on an item."""

        item_list: ItemList
        item: Item

        @property
        def control(self) -> ItemList:
            return self.item_list

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = utcnow,
        name: str | None = None,
        id: str | None = None,  # noqa: A002
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._clock = clock
        self._items: Sequence[Item] = ()
        self._rows: list[int] = []
        self._marks: Mapping[str, str] = {}  # item id -> story mark before its title
        self._highlighted_id: str | None = None
        self.new_since: datetime | None = None  # items first seen after this get a ✦
        self.tag_rank: dict[str, int] = {}  # watchlist order, so tags keep one order
        self._highlighter: Callable[[str], Sequence[tuple[int, int]]] | None = None

    @property
    def highlighter(self) -> Callable[[str], Sequence[tuple[int, int]]] | None:
        """Given a shown title, the character spans the search matched (None: no search)."""
        return self._highlighter

    @highlighter.setter
    def highlighter(self, value: Callable[[str], Sequence[tuple[int, int]]] | None) -> None:
        self._highlighter = value
        self.refresh()
        self.empty_reason = ""  # said on the first line when no row is shown

    # --- data ---------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def current(self) -> Item | None:
        """The item under the cursor."""
        if 0 <= self.cursor < len(self._rows):
            return self._items[self._rows[self.cursor]]
        return None

    def visible_items(self) -> list[Item]:
        """The items the filter lets through, in display order."""
        return [self._items[i] for i in self._rows]

    def set_rows(
        self, items: Sequence[Item], rows: list[int], marks: Mapping[str, str] | None = None
    ) -> None:
        """Show ``rows`` (indices into ``items``); the cursor stays on the same item if it can,
        else on the same row (clamped), so it lands on the item that took its place.
        ``marks`` (item id -> text) go before titles: a story's outlets, its members."""
        keep = self.current.id if self.current is not None else None
        cursor = self.cursor
        self._items, self._rows = items, rows
        self._marks = marks or {}
        self.virtual_size = Size(self.size.width, len(rows))
        if keep is not None and rows:
            cursor = next((n for n, i in enumerate(rows) if items[i].id == keep), cursor)
        self._set_cursor(cursor, force_message=True)
        self.refresh()

    # --- cursor -------------------------------------------------------------------------

    def _set_cursor(self, row: int, *, force_message: bool = False) -> None:
        row = max(0, min(row, len(self._rows) - 1)) if self._rows else 0
        previous = self._highlighted_id
        self.cursor = row
        self._scroll_cursor_into_view()
        item = self.current
        self._highlighted_id = item.id if item else None
        if force_message or self._highlighted_id != previous:
            self.post_message(self.Highlighted(self, item))

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh()

    def _scroll_cursor_into_view(self) -> None:
        height = self.scrollable_content_region.height or 1
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def action_cursor_down(self) -> None:
        self._set_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self._set_cursor(self.cursor - 1)

    def action_first(self) -> None:
        self._set_cursor(0)

    def action_last(self) -> None:
        self._set_cursor(len(self._rows) - 1)

    def action_page_down(self) -> None:
        self._set_cursor(self.cursor + max(1, self.scrollable_content_region.height - 1))

    def action_page_up(self) -> None:
        self._set_cursor(self.cursor - max(1, self.scrollable_content_region.height - 1))

    def move_to(self, wanted: Callable[[Item], bool], step: int) -> bool:
        """Move to the next row (``step`` 1) or previous (-1) whose item is ``wanted``."""
        items, rows = self._items, self._rows
        row = self.cursor + step
        while 0 <= row < len(rows):
            if wanted(items[rows[row]]):
                self._set_cursor(row)
                return True
            row += step
        return False

    def action_open(self) -> None:
        item = self.current
        if item is not None:
            self.post_message(self.Opened(self, item))

    def on_click(self, event: Click) -> None:
        row = int(self.scroll_y) + event.y
        if 0 <= row < len(self._rows):
            self._set_cursor(row)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self._rows))
        self._scroll_cursor_into_view()

    # --- rendering ----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if row >= len(self._rows):
            if not self._rows and row == 0 and self.empty_reason:
                reason = Text(" " + self.empty_reason, style="italic", no_wrap=True, end="")
                reason.truncate(width, overflow="ellipsis")
                segments = list(reason.render(self.app.console))
                return Strip(Segment.apply_style(segments, base)).crop_extend(0, width, base)
            return Strip.blank(width, base)
        item = self._items[self._rows[row]]
        text = self.row_text(item, width)
        if row == self.cursor:
            text.stylize(self.get_component_rich_style("item-list--cursor"))
        segments = list(text.render(self.app.console))
        strip = Strip(Segment.apply_style(segments, base), cell_len(text.plain))
        return strip.crop_extend(0, width, base)

    def row_text(self, item: Item, width: int) -> Text:
        """One row: flag, unread dot, time, source, title, tags."""
        style = self.get_component_rich_style
        weight = style("item-list--unread" if not item.read else "item-list--read")
        text = Text(no_wrap=True, end="")
        text.append("★" if item.pinned else "⚑" if item.flagged else " ", style("item-list--flag"))
        fresh = self.new_since is not None and item.first_seen > self.new_since
        text.append(" " if item.read else "✦" if fresh else "●", style("item-list--flag"))
        text.append(" ")
        when = timefmt.compact(item.time, self._clock())
        text.append(("~" if item.published is None else " ") + when, style("item-list--time"))
        text.append(" ")
        source = Text(one_line(item.feed), style=style("item-list--source"))
        source.truncate(source_width(width), overflow="ellipsis", pad=True)
        text.append_text(source)
        text.append(" ")
        tags = Text(end="")
        rank = self.tag_rank
        for tag in sorted(item.tags, key=lambda t: (rank.get(t, len(rank)), t)):
            tags.append(" ")
            tags.append(f"[{one_line(tag)}]", style("item-list--tag"))
        room = width - text.cell_len - tags.cell_len
        if room < MIN_TITLE_WIDTH:
            tags = Text(end="")
            room = width - text.cell_len
        room = max(8, room)
        title = Text(one_line(item.title), style=weight)
        if self._highlighter is not None:
            match = style("item-list--match")
            for start, end in self._highlighter(title.plain):
                title.stylize(match, start, end)
        mark = self._marks.get(item.id)
        if mark:
            title = Text.assemble((mark, style("item-list--story")), title)
        title.truncate(room, overflow="ellipsis", pad=True)
        text.append_text(title)
        text.append_text(tags)
        text.truncate(width, overflow="ellipsis")
        return text
