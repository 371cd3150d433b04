"""The main screen's sidebar: shown when the terminal is wide enough (or ``b``), and what
choosing a feed, a folder, a watchlist or a saved search in it does."""

from __future__ import annotations

from textual import on
from textual.events import Resize

from monitor.components.side_panels import FilterPanel, folder_of_key
from monitor.screens.main_view import ViewScreen

SIDEBAR_MIN_WIDTH = 100  # narrower terminals hide the sidebar until ``b``


class SidebarHandling(ViewScreen):
    """Where the sidebar is shown, and its panels' choices."""

    def __init__(self) -> None:
        super().__init__()
        self._sidebar_wanted: bool | None = None  # None: shown when the terminal is wide enough
        self._was_wide: bool | None = None  # which side of SIDEBAR_MIN_WIDTH the last size was

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

    def action_toggle_sidebar(self) -> None:
        self._sidebar_wanted = not self.query_one("#sidebar").display
        self._place_sidebar()

    @on(FilterPanel.Chosen, "#feeds")
    def _feed_chosen(self, event: FilterPanel.Chosen) -> None:
        folder = folder_of_key(event.name)
        if folder is None:
            self.set_filter(feed=event.name, folder=None, folder_feeds=frozenset())
        else:
            self.set_filter(feed=None, **self._folder_filter(folder))

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
