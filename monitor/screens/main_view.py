"""The main screen's view of the history: the snapshot, its filters, the stories, the panels.

Nothing proportional to the history's size runs on the event loop: after every history or
config change the "view" worker builds a :class:`~monitor.view.ViewData` (items, counts,
per-feed/watchlist rows, search index) and posts it back; filter changes only read it. The
"stories" worker groups the recent items into stories the same way.

:class:`ViewScreen` is the base of :class:`~monitor.screens.main.MainScreen`: the state every
other part of the screen (sidebar, filters, item actions, export) reads and redraws through.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import work
from textual.screen import Screen
from textual.worker import get_current_worker

from monitor.components.detail import DetailPane
from monitor.components.item_list import ItemList
from monitor.components.search_bar import SearchBar
from monitor.components.side_panels import (
    FilterPanel,
    feed_entries,
    folder_key,
    search_entries,
    watchlist_entries,
)
from monitor.components.status import StatusLine, StatusState
from monitor.history import History, memory
from monitor.messages import IndexReady, StoriesReady, ViewReady
from monitor.models import Config, Item
from monitor.search import SearchIndex
from monitor.stories import StoryIndex, StorySettings
from monitor.stories.rows import StoryRows
from monitor.summary import empty_reason, feeds_down
from monitor.view import (
    ItemFilter,
    RowFilter,
    ViewData,
    build_view,
    display_order,
    same_items,
    saved_rows,
)
from monitor.writes import WriteQueue

if TYPE_CHECKING:
    from monitor.app import MonitorApp

FREEZE_ITEMS = 10_000  # from this many items, the long-lived objects are frozen (see below)
STORY_DAYS = 5  # the list groups the last 120 h (a story's window; older items: a row each)


class ViewScreen(Screen[None]):
    """The view state of the main screen and the workers that build it."""

    # Set by MainScreen.on_mount from the composed widgets.
    item_list: ItemList
    detail: DetailPane
    status_line: StatusLine
    search_bar: SearchBar
    feeds_panel: FilterPanel
    watchlists_panel: FilterPanel

    def __init__(self) -> None:
        super().__init__()
        self.items: list[Item] = []
        self.filter = ItemFilter()
        self.view = ViewData([])
        self.row_filter = RowFilter(self.view)
        self.status = StatusState()
        self._writes_done = 0  # bumped by every applied write; a view built before it is stale
        self.writes = WriteQueue()
        self.stories = StoryRows()  # the recent stories of two or more items (a snapshot)
        self.expanded: set[str] = set()  # story ids whose items are listed under their row
        self._story_index: StoryIndex | None = None  # grown by the "stories" worker only
        self._story_lock = threading.Lock()
        self._positions: tuple[list[Item], dict[str, int]] | None = None
        # Only the newest items are in memory yet (a head-only open): they are shown as they
        # are; counts, filters and search wait for the first whole view.
        self.loading = False
        self._index: SearchIndex | None = None  # the last search index built, for the next
        self._index_lock = threading.Lock()
        self._froze = False  # see on_index_ready

    @property
    def monitor(self) -> MonitorApp:
        return cast("MonitorApp", self.app)

    @property
    def history(self) -> History:
        return self.monitor.history

    @property
    def config(self) -> Config:
        return self.monitor.config

    def now(self) -> datetime:
        return self.monitor.clock()

    # --- the view snapshot --------------------------------------------------------------

    @work(thread=True, group="view", exclusive=True, exit_on_error=False)
    def rebuild_view(self) -> None:
        """Items, counts, rows per feed/watchlist, then the search index, off the event loop.

        The list and its counts are posted first (ViewReady), the index after (IndexReady):
        indexing 100,000 items takes seconds, and a search typed meanwhile waits for it."""
        worker = get_current_worker()
        generation = self._writes_done
        items = display_order(self.history.items())
        states = self.history.feed_states()
        index = self._index  # reused: a new snapshot indexes only the items it has not seen
        if index is not None and same_items(index.items, items):
            items = cast("list[Item]", index.items)
        now = self.now()
        searches = self.config.searches
        view = build_view(
            items,
            states,
            index=index,
            cancelled=lambda: worker.is_cancelled,
            searches=searches,
            now=now,
            with_index=False,
            pause=self.monitor.pace,
        )
        if view is None or worker.is_cancelled:
            return
        self.post_message(ViewReady(view, generation))
        if view.index is not None:
            return
        with self._index_lock:  # one build at a time: the next one reuses what this one added
            if worker.is_cancelled:
                return
            index = self._index = SearchIndex.build(
                items, previous=self._index, pause=self.monitor.pace
            )
        self.post_message(IndexReady(view, index, saved_rows(index, searches, now=now)))

    def on_index_ready(self, message: IndexReady) -> None:
        view = message.view
        view.index, view.saved = message.index, message.saved
        if not self._froze and len(view.items) >= FREEZE_ITEMS:
            # The first whole index of a large history: it, the list and the widgets live as
            # long as the app, so the cyclic GC stops rescanning them (the history's own
            # policy, which thaws and collects at its next big load); else every full
            # collection during a poll stalls the loop for tens of milliseconds.
            self._froze = True
            memory.after_big_load()
        if view is self.view:
            if self.filter.query:
                self.refilter()
            if self.config.searches:
                self.refresh_panels()

    def on_view_ready(self, message: ViewReady) -> None:
        self.loading = False  # a view is built from every item (items() waits for them)
        self.show_view(message.view)
        if message.generation != self._writes_done:
            self.rebuild_view()  # a write landed while it was counting: count again
        else:
            self.refresh_stories()

    # --- stories ------------------------------------------------------------------------

    @work(thread=True, group="stories", exclusive=True, exit_on_error=False)
    def refresh_stories(self) -> None:
        """Group the recent items not grouped yet into stories (off the event loop).

        Only the last STORY_DAYS are grouped: older items are each their own story here (the
        export groups any period it is asked for)."""
        cutoff = self.now() - timedelta(days=STORY_DAYS)
        settings = StorySettings.from_settings(self.config.settings)
        with self._story_lock:
            index = self._story_index
            if index is None or index.settings != settings:
                index = self._story_index = StoryIndex(settings)
            fresh = [i for i in self.history.items() if i.time >= cutoff and i.id not in index]
            if not fresh and self.stories.story_of:
                return
            index.add(fresh, pause=self.monitor.pace)
            rows = StoryRows.of(index)
        self.post_message(StoriesReady(rows))

    def on_stories_ready(self, message: StoriesReady) -> None:
        self.stories = message.stories
        self.refilter()
        self.show_detail(self.item_list.current)

    def story_sources(self, item: Item) -> list[tuple[Item, bool]]:
        """The other items of ``item``'s story, for the detail pane."""
        found = []
        for other_id, possible in self.stories.sources(item.id):
            other = self.history.get(other_id)
            if other is not None:
                found.append((other, possible))
        return found

    def show_detail(self, item: Item | None) -> None:
        self.detail.show(item, self.story_sources(item) if item is not None else ())

    def positions(self) -> dict[str, int]:
        """Item id -> index in the current items (built when a story is first expanded)."""
        if self._positions is None or self._positions[0] is not self.items:
            self._positions = (self.items, {item.id: n for n, item in enumerate(self.items)})
        return self._positions[1]

    def show_view(self, view: ViewData) -> None:
        """Swap in a new snapshot and redraw what depends on it."""
        self.view = view
        self.items = view.items
        if view.index is not None:
            self._index = view.index
        self.row_filter = RowFilter(view)
        down, since = feeds_down(self.config.feeds, view.states)
        self.status = self.status.with_(down=down, down_since=since)
        self.refilter()
        self.refresh_panels()

    def wait_for_history(self, what: str) -> bool:
        """Whether the history is still loading (and say so): ``what`` needs all of it."""
        if self.loading:
            self.monitor.tell(f"{what} needs the whole history, which is still loading")
        return self.loading

    def refilter(self) -> None:
        if self.loading:
            # The newest items as read; a filter or search set meanwhile is kept and applied
            # by the first whole view (ViewReady).
            self.item_list.set_rows(self.items, list(range(len(self.items))), {})
            waiting = ("applies once loaded",) if self.filter.active else ()
            self.update_status(
                shown=len(self.items),
                total=len(self.items),
                loading=True,
                filters=(*self.filter.describe(), *waiting),
            )
            return
        if self.filter.query and self.view.index is None:
            # The view worker is still indexing (just after start-up or a poll): searching
            # now would index on the event loop. Keep the rows; ViewReady applies the query.
            self.update_status(filters=(*self.filter.describe(), "indexing…"))
            return
        rows = self.row_filter.rows(self.filter, now=self.now())
        if not rows:
            self.item_list.empty_reason = empty_reason(
                self.config.feeds,
                self.view.states,
                len(self.items),
                self.filter.feed,
                self.filter.describe(),
            )
        marks: dict[str, str] = {}
        if not self.filter.query:  # a search lists every item it finds
            rows, marks = self.stories.collapse(
                self.items, rows, self.expanded, self.positions() if self.expanded else {}
            )
        self.item_list.set_rows(self.items, rows, marks)
        self.update_status(
            shown=len(rows),
            total=len(self.items),
            loading=False,
            filters=tuple(self.filter.describe()),
        )

    def refresh_panels(self) -> None:
        """Redraw both panels from the cached counts (cheap; also on a clock for "5m ago")."""
        counts = self.view.counts
        if counts is None:
            if self.loading:  # the panels say so until the first whole view
                for panel in (self.feeds_panel, self.watchlists_panel):
                    panel.set_entries([(None, Text("Loading the history…", "dim italic"))])
            return
        now = self.now()
        feeds = self.feeds_panel
        feeds.selected = folder_key(self.filter.folder) if self.filter.folder else self.filter.feed
        width = max(0, feeds.content_region.width - 1) or None  # room for a scrollbar
        feeds.set_entries(
            feed_entries(
                self.config,
                self.view.states,
                counts,
                feeds.selected,
                now,
                *(width,) if width else (),
            )
        )
        wls = self.watchlists_panel
        wls.selected = self.filter.watchlist
        width = max(0, wls.content_region.width - 1) or None
        wls.set_entries(
            watchlist_entries(
                self.config, counts, self.filter.watchlist, *(width,) if width else ()
            )
        )
        searches = self.query_one("#searches", FilterPanel)
        shown = bool(self.config.searches)
        searches.display = self.query_one("#searches-title").display = shown
        if shown:
            chosen = next(
                (s.name for s in self.config.searches if s.query == self.filter.query), None
            )
            searches.selected = chosen
            width = max(0, searches.content_region.width - 1) or None
            searches.set_entries(
                search_entries(
                    self.config.searches,
                    self.items,
                    self.view.saved,
                    chosen,
                    *(width,) if width else (),
                )
            )

    def update_status(self, **changes: object) -> None:
        self.status = self.status.with_(**changes)
        self.status_line.set_state(self.status, self.now())

    def set_filter(self, **changes: object) -> None:
        self.filter = self.filter.with_(**changes)
        self.refilter()
        if {"feed", "folder", "watchlist"} & changes.keys():
            self.refresh_panels()

    def config_changed(self) -> None:
        """feeds.toml was reloaded: drop filters on names that are gone, then recount."""
        names = {w.name for w in self.config.watchlists}
        if self.filter.watchlist is not None and self.filter.watchlist not in names:
            self.filter = self.filter.with_(watchlist=None)
        feeds = {f.name for f in self.config.feeds}
        if self.filter.feed is not None and self.filter.feed not in feeds:
            self.filter = self.filter.with_(feed=None)
        if self.filter.folder is not None:
            self.filter = self.filter.with_(**self._folder_filter(self.filter.folder))
        self.item_list.tag_rank = {w.name: n for n, w in enumerate(self.config.watchlists)}
        self.item_list.refresh()  # tags changed in place; the rest follows from the worker
        self.detail.show(self.item_list.current)
        with self._story_lock:
            self._story_index = None  # tags (anchors) or thresholds may have changed
        self.rebuild_view()

    def _folder_filter(self, folder: str) -> dict[str, object]:
        """The filter fields for a folder (none when no feed is in it any more)."""
        feeds = frozenset(f.name for f in self.config.feeds if f.folder == folder)
        return {"folder": folder if feeds else None, "folder_feeds": feeds}
