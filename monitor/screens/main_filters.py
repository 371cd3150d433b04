"""The main screen's filters: the search box (live, with errors shown in place), esc to clear,
flagged/unread only, a trend chosen in Trends, and saving a search to feeds.toml."""

from __future__ import annotations

from textual import on, work
from textual.widgets import Input

from monitor.messages import SearchSaved
from monitor.query import QueryError, parse_query
from monitor.screens.main_view import ViewScreen
from monitor.screens.save_search import SaveSearchScreen
from monitor.screens.trends import TrendChoice, TrendsScreen
from monitor.search import Highlighter
from monitor.trends import trend_zone
from monitor.view import ItemFilter


class FilterHandling(ViewScreen):
    """The search box and the filter keys."""

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

    def action_toggle_flagged_only(self) -> None:
        self.set_filter(flagged_only=not self.filter.flagged_only)

    def action_toggle_unread_only(self) -> None:
        self.set_filter(unread_only=not self.filter.unread_only)

    def action_trends(self) -> None:
        if self.wait_for_history("Trends"):
            return
        names = [w.name for w in self.config.watchlists]
        screen = TrendsScreen(self.items, names, self.now(), trend_zone(self.config))
        self.app.push_screen(screen, self._trend_chosen)

    def _trend_chosen(self, choice: TrendChoice | None) -> None:
        """Enter on a Trends row: that watchlist's items over the range shown there."""
        if choice is not None:
            self.set_filter(watchlist=choice.watchlist, since=choice.since)
        self.item_list.focus()

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
