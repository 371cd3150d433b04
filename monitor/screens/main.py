"""The main screen: feeds and watchlists on the left, the item list, the detail pane.

It owns what the user sees and does; each concern is a base class in a module of its own:
the view of the history (:mod:`~monitor.screens.main_view`), the sidebar
(:mod:`~monitor.screens.main_sidebar`), the search and filters
(:mod:`~monitor.screens.main_filters`), the item actions and the write queue
(:mod:`~monitor.screens.main_items`), the export (:mod:`~monitor.screens.main_export`).
This module composes them: the layout, every key (``BINDINGS``), help, start and end. The App
(:mod:`monitor.app`) owns the lifecycle: the history, the config, polls and file watchers.

Workers here post their results as messages (:mod:`monitor.messages`); their failures go to
the App's one error report (:meth:`MonitorApp.worker_failed`).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Label
from textual.worker import Worker, WorkerState

from monitor.components.detail import DetailPane
from monitor.components.item_list import ItemList
from monitor.components.search_bar import SearchBar
from monitor.components.side_panels import FilterPanel
from monitor.components.status import StatusLine
from monitor.screens.help import HelpScreen, binding_rows
from monitor.screens.main_export import ExportHandling
from monitor.screens.main_filters import FilterHandling
from monitor.screens.main_items import ItemActions
from monitor.screens.main_sidebar import SidebarHandling
from monitor.screens.triage import help_more
from monitor.stamps import LAST_LOOK, read_stamp, write_stamp
from monitor.view import FIRST_SCREEN_ITEMS, ViewData, build_view, display_order

PANEL_REFRESH_SECONDS = 30.0  # "5m ago" in the feeds panel
SYNC_VIEW_ITEMS = 2_000  # up to this many items, the first view is built before the first paint


class MainScreen(ItemActions, FilterHandling, SidebarHandling, ExportHandling):
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
        self.item_list.new_since = read_stamp(self.history.path, LAST_LOOK)
        self.item_list.tag_rank = {w.name: n for n, w in enumerate(self.config.watchlists)}
        self.loading = not self.history.loaded
        small = False
        if self.loading:
            # Opened with its newest items only (run_app): paint those; the App reads the
            # rest in a worker, then HistoryLoaded builds the whole view (counts, search).
            items = display_order(self.history.newest(FIRST_SCREEN_ITEMS))
            self.show_view(ViewData(items, self.history.feed_states()))
        elif small := len(items := self.history.items()) <= SYNC_VIEW_ITEMS:
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
        if small:  # else the first ViewReady starts it: paint first
            self.call_after_refresh(self.refresh_stories)
        self.monitor.main_screen_ready()

    def on_unmount(self) -> None:
        """What arrives after this is "new since you last looked" (✦) next time."""
        write_stamp(self.history.path, LAST_LOOK, self.now())

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

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state == WorkerState.ERROR and worker.error is not None:
            self.monitor.worker_failed(worker.group, worker.error)
            if worker.group == "store":
                self.writes.clear()
                self.rebuild_view()
