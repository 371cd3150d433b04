"""The main screen: feeds and watchlists on the left, the item list, the detail pane.

It owns what the user sees and does: the view of the history and its filters, the sidebar,
the item actions (flag, read, open, copy, export). The App (:mod:`monitor.app`) owns the
lifecycle: the history, the config, polls and file watchers.

Nothing proportional to the history's size runs on the event loop: after every history or
config change the "view" worker builds a :class:`~monitor.view.ViewData` (items, counts,
per-feed/watchlist rows, search index) and posts it back; filter changes only read it.
Workers here post their results as messages (:mod:`monitor.messages`); their failures go to
the App's one error report (:meth:`MonitorApp.worker_failed`).
"""

from __future__ import annotations

import threading
import webbrowser
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast
from urllib.parse import urlsplit

from textual import on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer, Input, Label
from textual.worker import Worker, WorkerState, get_current_worker

from monitor import briefing
from monitor.components.detail import DetailPane
from monitor.components.item_list import ItemList
from monitor.components.search_bar import SearchBar
from monitor.components.side_panels import (
    FilterPanel,
    feed_entries,
    folder_key,
    folder_of_key,
    search_entries,
    watchlist_entries,
)
from monitor.components.status import StatusLine, StatusState
from monitor.export import (
    parse_since,
    render_briefing,
    resolve_watchlist,
    select_items,
    write_briefing,
)
from monitor.history import History
from monitor.messages import (
    ExportWritten,
    LinkCopied,
    LinkOpened,
    OpenInTerminal,
    SearchSaved,
    StoriesReady,
    ViewReady,
    WriteApplied,
)
from monitor.models import Config, Item
from monitor.query import QueryError, parse_query
from monitor.screens import triage
from monitor.screens.export import ExportRequest, ExportScreen, default_export_path
from monitor.screens.help import HelpScreen, binding_rows
from monitor.screens.save_search import SaveSearchScreen
from monitor.screens.trends import TrendChoice, TrendsScreen
from monitor.screens.triage import help_more
from monitor.search import Highlighter
from monitor.stamps import (
    LAST_EXPORT_FOLDER,
    LAST_LOOK,
    read_note,
    read_stamp,
    write_note,
    write_stamp,
)
from monitor.stories import StoryIndex, StorySettings
from monitor.stories.rows import StoryRows
from monitor.summary import empty_reason, feeds_down
from monitor.text import one_line
from monitor.trends import trend_zone
from monitor.view import (
    ItemFilter,
    RowFilter,
    ViewData,
    adjust_counts,
    build_view,
    display_order,
    same_items,
)
from monitor.writes import Change, WriteQueue, toggle_flag, toggle_read

if TYPE_CHECKING:
    from monitor.app import MonitorApp

PANEL_REFRESH_SECONDS = 30.0  # "5m ago" in the feeds panel
SYNC_VIEW_ITEMS = 2_000  # up to this many items, the first view is built before the first paint
STORY_DAYS = 5  # the list groups the last 120 h (a story's window; older items: a row each)
SIDEBAR_MIN_WIDTH = 100  # narrower terminals hide the sidebar until ``b``


def terminal_browser() -> bool:
    """The default browser runs in this terminal (lynx, w3m…: no display to open a window on)."""
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    return isinstance(browser, webbrowser.GenericBrowser) and not isinstance(
        browser, webbrowser.BackgroundBrowser
    )


class MainScreen(Screen[None]):
    """Watch the feeds, read and flag items, export a briefing."""

    # Footer order: what must stay visible in 80 columns (export, quit) comes first.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help"),
        Binding("tab", "app.focus_next", "Next pane", show=False),
        Binding("shift+tab", "app.focus_previous", "Previous pane", show=False),
        Binding("slash", "search", "Search"),
        Binding("escape", "clear_filters", "Clear the search; again: every filter", show=False),
        Binding("space,f", "toggle_flag", "Flag/unflag"),
        Binding("r", "app.poll_now", "Poll now"),
        Binding("e", "export", "Export"),
        Binding("s", "save_search", "Save search", show=False),
        Binding("q", "app.quit", "Quit"),
        Binding("F", "toggle_flagged_only", "Flagged only"),
        Binding("U", "toggle_unread_only", "Unread only"),
        Binding("u", "toggle_read", "Read/unread", show=False),
        Binding("o", "open_link", "Open link", show=False),
        Binding("y", "copy_link", "Copy link", show=False),
        Binding("p", "pin", "Pin as a key development (first in the briefing)", show=False),
        Binding("a", "note", "Add or edit a note (kept, shown in the briefing)", show=False),
        Binding("n", "next_unread", "Next unread", show=False),
        Binding("N", "previous_unread", "Previous unread", show=False),
        Binding("A", "mark_view_read", "Mark every item in this view read", show=False),
        Binding(
            "i",
            "feed_details",
            "Feed details (URL, last success, full error, items per day)",
            show=False,
        ),
        Binding("b", "toggle_sidebar", "Feeds/watchlists sidebar", show=False),
        Binding("ctrl+r", "app.reload_config", "Reload feeds.toml", show=False),
        Binding("W", "app.review_watchlists", "Review a watchlist edit", show=False),
        Binding("t", "trends", "Trends", show=False),
        Binding("z", "toggle_story", "Expand/collapse a story", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[Item] = []
        self.filter = ItemFilter()
        self.view = ViewData([])
        self.row_filter = RowFilter(self.view)
        self.status = StatusState()
        self._writes_done = 0  # bumped by every applied write; a view built before it is stale
        self.writes = WriteQueue()
        self._sidebar_wanted: bool | None = None  # None: shown when the terminal is wide enough
        self.stories = StoryRows()  # the recent stories of two or more items (a snapshot)
        self.expanded: set[str] = set()  # story ids whose items are listed under their row
        self._story_index: StoryIndex | None = None  # grown by the "stories" worker only
        self._story_lock = threading.Lock()
        self._positions: tuple[list[Item], dict[str, int]] | None = None
        self._was_wide: bool | None = None  # which side of SIDEBAR_MIN_WIDTH the last size was

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

    # --- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="main"):
            with Vertical(id="sidebar"):
                yield Label("Feeds", classes="panel-title")
                yield FilterPanel(id="feeds")
                yield Label("Watchlists", classes="panel-title")
                yield FilterPanel(id="watchlists")
                yield Label("Searches", classes="panel-title", id="searches-title")
                yield FilterPanel(id="searches")
            with Vertical(id="content"):
                yield SearchBar(
                    placeholder='words, "a phrase", -not, a OR b, feed:, tag:, is:unread, since:7d',
                    id="search",
                )
                yield ItemList(clock=self.monitor.clock, id="items")
                yield DetailPane(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.item_list = self.query_one("#items", ItemList)
        self.detail = self.query_one("#detail", DetailPane)
        self.status_line = self.query_one("#status", StatusLine)
        self.search_bar = self.query_one("#search", SearchBar)
        self.feeds_panel = self.query_one("#feeds", FilterPanel)
        self.watchlists_panel = self.query_one("#watchlists", FilterPanel)
        items = self.history.items()
        self.item_list.new_since = read_stamp(self.history.path, LAST_LOOK)
        self.item_list.tag_rank = {w.name: n for n, w in enumerate(self.config.watchlists)}
        if len(items) <= SYNC_VIEW_ITEMS:
            items = display_order(items)
            self.show_view(
                build_view(
                    items, self.history.feed_states(), searches=self.config.searches, now=self.now()
                )
                or ViewData(items)
            )
        else:  # paint the rows now; their final order, counts and the search index follow
            # from the worker
            self.show_view(ViewData(items))
            self.call_after_refresh(self.rebuild_view)
        self.item_list.focus()
        self._place_sidebar()
        self.set_interval(PANEL_REFRESH_SECONDS, self.refresh_panels, name="panel-clock")
        if len(items) <= SYNC_VIEW_ITEMS:  # else the first ViewReady starts it: paint first
            self.call_after_refresh(self.refresh_stories)
        self.monitor.main_screen_ready()

    # --- actions: triage (monitor/screens/triage.py) -------------------------------------

    def action_pin(self) -> None:
        triage.pin(self)

    def action_note(self) -> None:
        triage.note(self)

    def action_next_unread(self) -> None:
        triage.next_unread(self, 1)

    def action_previous_unread(self) -> None:
        triage.next_unread(self, -1)

    def action_mark_view_read(self) -> None:
        triage.mark_view_read(self)

    def action_feed_details(self) -> None:
        triage.feed_details(self)

    def action_copy_link(self) -> None:
        triage.copy_link(self)

    def on_link_copied(self, message: LinkCopied) -> None:
        triage.link_copied(self, message)

    def on_unmount(self) -> None:
        """What arrives after this is "new since you last looked" (✦) next time."""
        write_stamp(self.history.path, LAST_LOOK, self.now())

    def on_resize(self, event: Resize) -> None:
        if hasattr(self, "item_list"):  # on_mount places it the first time
            wide = self.size.width >= SIDEBAR_MIN_WIDTH
            if wide != self._was_wide:
                # b chose for one side of the breakpoint: crossing it, the width decides
                # again, so a sidebar hidden while narrow comes back when there is room.
                self._sidebar_wanted = None
            self._was_wide = wide
            self._place_sidebar()

    def _place_sidebar(self) -> None:
        sidebar = self.query_one("#sidebar")
        wanted = self._sidebar_wanted
        show = self.size.width >= SIDEBAR_MIN_WIDTH if wanted is None else wanted
        if sidebar.display != show:
            sidebar.display = show
            if not show and self.focused in (self.feeds_panel, self.watchlists_panel):
                self.item_list.focus()
        self.call_after_refresh(self.refresh_panels)  # the panels' lines follow their width

    # --- showing items ------------------------------------------------------------------

    @work(thread=True, group="view", exclusive=True, exit_on_error=False)
    def rebuild_view(self) -> None:
        """Items, counts, rows per feed/watchlist and the search index, off the event loop."""
        worker = get_current_worker()
        generation = self._writes_done
        items = display_order(self.history.items())
        states = self.history.feed_states()
        current = self.view
        index = current.index  # reused: a new snapshot indexes only the items it has not seen
        if index is not None and same_items(current.items, items):
            items = current.items  # the index covers that very list
        view = build_view(
            items,
            states,
            index=index,
            cancelled=lambda: worker.is_cancelled,
            searches=self.config.searches,
            now=self.now(),
        )
        if view is not None and not worker.is_cancelled:
            self.post_message(ViewReady(view, generation))

    def on_view_ready(self, message: ViewReady) -> None:
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
            index.add(fresh)
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

    def action_toggle_story(self) -> None:
        item = self.item_list.current
        story = self.stories.story_of.get(item.id) if item is not None else None
        if story is None:
            self.monitor.tell("This item is not part of a story carried by other outlets.")
            return
        self.expanded ^= {story}
        self.refilter()

    def show_view(self, view: ViewData) -> None:
        """Swap in a new snapshot and redraw what depends on it."""
        self.view = view
        self.items = view.items
        self.row_filter = RowFilter(view)
        down, since = feeds_down(self.config.feeds, view.states)
        self.status = self.status.with_(down=down, down_since=since)
        self.refilter()
        self.refresh_panels()

    def refilter(self) -> None:
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
            shown=len(rows), total=len(self.items), filters=tuple(self.filter.describe())
        )

    def refresh_panels(self) -> None:
        """Redraw both panels from the cached counts (cheap; also on a clock for "5m ago")."""
        counts = self.view.counts
        if counts is None:
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

    @on(ItemList.Highlighted)
    def _show_detail(self, event: ItemList.Highlighted) -> None:
        self.show_detail(event.item)

    @on(ItemList.Opened)
    def _open_item(self, event: ItemList.Opened) -> None:
        # Focus stays in the list: j/k keep moving and every key acts on the highlighted
        # row, which the detail pane follows (tab goes to the detail pane to scroll it).
        self.show_detail(event.item)
        self.mark_read(event.item)

    @on(FilterPanel.Chosen, "#feeds")
    def _feed_chosen(self, event: FilterPanel.Chosen) -> None:
        folder = folder_of_key(event.name)
        if folder is None:
            self.set_filter(feed=event.name, folder=None, folder_feeds=frozenset())
        else:
            self.set_filter(feed=None, **self._folder_filter(folder))

    def _folder_filter(self, folder: str) -> dict[str, object]:
        """The filter fields for a folder (none when no feed is in it any more)."""
        feeds = frozenset(f.name for f in self.config.feeds if f.folder == folder)
        return {"folder": folder if feeds else None, "folder_feeds": feeds}

    @on(FilterPanel.Chosen, "#watchlists")
    def _watchlist_chosen(self, event: FilterPanel.Chosen) -> None:
        self.set_filter(watchlist=event.name)

    @on(FilterPanel.Chosen, "#searches")
    def _saved_search_chosen(self, event: FilterPanel.Chosen) -> None:
        """A saved search goes into the search box (to read, refine or clear with esc)."""
        saved = next((s for s in self.config.searches if s.name == event.name), None)
        search = self.search_bar
        search.display = True
        search.value = saved.query if saved is not None else ""

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        """A query that parses filters at once; one that does not (unfinished, wrong) says
        what and where in the box and keeps the last good result on screen."""
        text = event.value.strip()
        try:
            query = parse_query(text)
        except QueryError as exc:
            self.search_bar.show_error(exc, offset=len(event.value) - len(event.value.lstrip()))
            return
        self.search_bar.show_error(None)
        highlighter = Highlighter(query)
        self.item_list.highlighter = highlighter.line if highlighter else None
        self.detail.highlighter = highlighter.item if highlighter else None
        self.detail.show(self.item_list.current)
        self.set_filter(query=text)
        if self.config.searches:
            self.refresh_panels()  # marks the saved search this query is, if any

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self.item_list.focus()

    # --- actions: view ------------------------------------------------------------------

    def action_help(self) -> None:
        """Every key, from the bindings of this screen and of its widgets; a key that a
        widget binds to one of this screen's actions is listed under that widget only."""
        palette = Binding(self.app.COMMAND_PALETTE_BINDING, "command_palette", "Command palette")
        widgets: list[tuple[str, list[BindingType]]] = [
            ("Item list", list(ItemList.BINDINGS)),
            ("Detail pane", list(DetailPane.BINDINGS)),
            ("Search box (/)", list(SearchBar.BINDINGS)),
            ("Feeds / watchlists", list(FilterPanel.BINDINGS)),
        ]
        delegated = {
            b.action.removeprefix("screen.")
            for _, bs in widgets
            for b in bs
            if isinstance(b, Binding) and b.action.startswith("screen.")
        }
        here = [b for b in self.BINDINGS if isinstance(b, Binding) and b.action not in delegated]
        sections: list[tuple[str, list[BindingType]]] = [
            ("Everywhere", list(here)),
            *widgets,
            ("Palette", [palette]),
        ]
        more = help_more(self.monitor.config_path.resolve(), self.history.path.resolve())
        self.app.push_screen(HelpScreen(binding_rows(sections), more))

    def action_focus_items(self) -> None:
        self.item_list.focus()

    def action_search(self) -> None:
        search = self.search_bar
        search.display = True
        search.focus()

    def action_clear_search(self) -> None:
        self._clear(
            ItemFilter(
                feed=self.filter.feed,
                watchlist=self.filter.watchlist,
                folder=self.filter.folder,
                folder_feeds=self.filter.folder_feeds,
                flagged_only=self.filter.flagged_only,
                unread_only=self.filter.unread_only,
                since=self.filter.since,
            )
        )

    def action_clear_filters(self) -> None:
        """esc in the lists: the search first; with no search, every other filter."""
        if self.filter.query or self.search_bar.value:
            self.action_clear_search()
        else:
            self._clear(ItemFilter())

    def _clear(self, flt: ItemFilter) -> None:
        search = self.search_bar
        search.value = ""
        search.display = False
        search.show_error(None)
        self.item_list.highlighter = None
        self.detail.highlighter = None
        self.detail.show(self.item_list.current)
        panels_change = (flt.feed, flt.folder, flt.watchlist) != (
            self.filter.feed,
            self.filter.folder,
            self.filter.watchlist,
        )
        self.filter = flt
        self.refilter()
        if panels_change:
            self.refresh_panels()
        self.item_list.focus()

    def action_toggle_sidebar(self) -> None:
        self._sidebar_wanted = not self.query_one("#sidebar").display
        self._place_sidebar()

    def action_toggle_flagged_only(self) -> None:
        self.set_filter(flagged_only=not self.filter.flagged_only)

    def action_toggle_unread_only(self) -> None:
        self.set_filter(unread_only=not self.filter.unread_only)

    # --- actions: the item under the cursor ---------------------------------------------

    def action_toggle_flag(self) -> None:
        item = self.item_list.current
        if item is not None:
            self.queue_write(partial(toggle_flag, item_id=item.id), item)

    def action_toggle_read(self) -> None:
        item = self.item_list.current
        if item is not None:
            self.queue_write(partial(toggle_read, item_id=item.id), item)

    def mark_read(self, item: Item) -> None:
        """Mark ``item`` read, and the items of its story in its language (never those
        linked across languages: those are only possibly the same story)."""
        ids = [
            i
            for i in self.stories.same_language(item.id)
            if (other := self.history.get(i)) is not None and not other.read
        ]
        if item.id not in ids and not item.read:
            ids.append(item.id)
        if len(ids) == 1 and ids[0] == item.id:
            self.queue_write(partial(History.set_read, item_id=item.id, read=True), item)
        elif ids:  # several items: the view is recounted after the write
            self.queue_write(partial(History.set_read_many, ids=tuple(ids), read=True), None)

    def action_open_link(self) -> None:
        item = self.item_list.current
        if item is None:
            return
        if not item.link.strip():
            self.monitor.tell("This item has no link.", severity="warning")
            return
        if urlsplit(item.link).scheme.lower() not in ("http", "https"):
            self.monitor.tell(
                f"Not opening a non-web link: {one_line(item.link)[:80]}", severity="warning"
            )
            return
        self.open_link(item, item.link)

    @work(thread=True, group="browser", exit_on_error=False)
    def open_link(self, item: Item, url: str) -> None:
        """Start the browser off the event loop; a terminal browser gets the terminal."""
        browser = self.monitor.browser
        if browser is webbrowser.open and terminal_browser():
            self.post_message(OpenInTerminal(item, url))
            return
        self.post_message(LinkOpened(item, url, bool(browser(url))))

    def on_open_in_terminal(self, message: OpenInTerminal) -> None:
        try:
            with self.app.suspend():
                opened = bool(webbrowser.open(message.url))
        except SuspendNotSupported:
            opened = False
        self.post_message(LinkOpened(message.item, message.url, opened))

    def on_link_opened(self, message: LinkOpened) -> None:
        if message.opened:
            self.mark_read(message.item)
        else:
            self.monitor.tell(
                f"No browser opened {one_line(message.url)[:80]} (y copies the link)",
                severity="warning",
            )

    # --- trends -------------------------------------------------------------------------

    def action_trends(self) -> None:
        names = [w.name for w in self.config.watchlists]
        screen = TrendsScreen(self.items, names, self.now(), trend_zone(self.config))
        self.app.push_screen(screen, self._trend_chosen)

    def _trend_chosen(self, choice: TrendChoice | None) -> None:
        """Enter on a Trends row: that watchlist's items over the range shown there."""
        if choice is not None:
            self.set_filter(watchlist=choice.watchlist, since=choice.since)
        self.item_list.focus()

    # --- export -------------------------------------------------------------------------

    def action_save_search(self) -> None:
        """Save the search in the box as a [[searches]] entry of feeds.toml."""
        query = self.filter.query
        if not query:
            self.monitor.tell("Type a search first (/), then s saves it", severity="warning")
            return
        taken = {s.name for s in self.config.searches}

        def chosen(name: str | None) -> None:
            if name:
                self.save_search(name, query)

        self.app.push_screen(SaveSearchScreen(query, taken), chosen)

    @work(thread=True, group="save-search", exit_on_error=False)
    def save_search(self, name: str, query: str) -> None:
        """Append through config_edit (every other byte and comment of feeds.toml kept)."""
        from monitor.config_edit import append_entries

        append_entries(self.monitor.config_path, "searches", [{"name": name, "query": query}])
        self.post_message(SearchSaved(name))

    def on_search_saved(self, message: SearchSaved) -> None:
        self.monitor.tell(f'Saved the search "{message.name}" in {self.monitor.config_path.name}')
        self.monitor.action_reload_config()  # the sidebar shows it once the config is re-read

    def action_export(self) -> None:
        """The dialog starts from the current view: its watchlist and feed, flagged items,
        a file named for them in the last folder used."""
        now = self.now()
        kept = read_note(self.history.path, LAST_EXPORT_FOLDER)
        folder = Path(kept) if kept else self.monitor.export_dir
        flt = self.filter
        start = ExportRequest(
            "7d", flt.watchlist, default_export_path(now, folder, flt.watchlist), feed=flt.feed
        )
        names = [w.name for w in self.config.watchlists]
        self.app.push_screen(
            ExportScreen(
                folder, names, now, start=start, count=lambda r: len(self._export_items(r, now))
            ),
            self._export_chosen,
        )

    def _export_items(self, request: ExportRequest, now: datetime) -> list[Item]:
        items = select_items(
            self.history.items(),
            since=parse_since(request.since, now),
            watchlist=request.watchlist,
            include_all=not request.flagged_only,
        )
        return [i for i in items if request.feed is None or i.feed == request.feed]

    def _export_chosen(self, request: ExportRequest | None) -> None:
        if request is not None:
            self.export_briefing(request)

    @work(thread=True, group="export", exit_on_error=False)
    def export_briefing(self, request: ExportRequest) -> None:
        """The same writer as ``monitor export`` (:func:`monitor.export.write_briefing`)."""
        now = self.now()
        config = self.config
        names = [w.name for w in config.watchlists]
        watchlist = resolve_watchlist(names, request.watchlist) if names else request.watchlist
        request = replace(request, watchlist=watchlist)
        items = self._export_items(request, now)
        text = render_briefing(
            items,
            fmt=request.format,
            now=now,
            feeds=config.feeds,
            watchlist_order=names,
            since=parse_since(request.since, now),
            watchlist=watchlist,
            previous=briefing.previous_briefing(self.history.path),
            states=self.history.feed_states(),
        )
        path = request.path
        write_briefing(
            path,
            text,
            fmt=request.format,
            history_path=self.history.path,
            now=now,
            make_folder=True,
        )
        write_note(self.history.path, LAST_EXPORT_FOLDER, str(path.parent.resolve()))
        self.post_message(ExportWritten(path, len(items)))

    def on_export_written(self, message: ExportWritten) -> None:
        self.monitor.tell(f"Wrote {message.count} items to {message.path}")

    # --- history writes (one FIFO queue, drained by thread workers) ---------------------

    def queue_write(self, change: Change, item: Item | None = None) -> None:
        """Apply ``change`` (to ``item``'s state) to the history in a thread, in the order
        the user asked (:class:`~monitor.writes.WriteQueue`)."""
        if self.writes.put(change, item):
            self._drain_writes()

    @work(thread=True, group="store", exit_on_error=False)
    def _drain_writes(self) -> None:
        self.writes.drain(
            self.history, lambda item, was, now: self.post_message(WriteApplied(item, was, now))
        )

    def on_write_applied(self, message: WriteApplied) -> None:
        """Redraw; the rows stay as they are (an item read in the unread-only view stays
        until the filter changes), only the counts follow."""
        item, was = message.item, message.was
        self._writes_done += 1
        self.item_list.refresh()
        self.show_detail(self.item_list.current)
        counts = self.view.counts
        if (
            item is not None
            and was is not None
            and counts is not None
            and self.history.get(item.id) is item
        ):
            adjust_counts(counts, item, *was, now=message.now)
            self.refresh_panels()
        else:  # the history reloaded other objects, or we cannot tell what changed
            self.rebuild_view()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state == WorkerState.ERROR and worker.error is not None:
            self.monitor.worker_failed(worker.group, worker.error)
            if worker.group == "store":
                self.writes.clear()
                self.rebuild_view()
