"""The Textual UI: feeds and watchlists on the left, the item list, the detail pane.

Slow work runs in workers (named groups, ``exit_on_error=False``) that post results back
as messages (:mod:`monitor.messages`); every worker failure is reported in one place,
:meth:`MonitorApp.on_worker_state_changed`. Polls follow each feed's schedule through a
one-shot timer that is re-armed after every poll.

Nothing proportional to the history's size runs on the event loop: after every history or
config change the "view" worker builds a :class:`~monitor.components.view.ViewData` (items,
counts, per-feed/watchlist rows, search index) and posts it back; filter changes only read it.
"""

from __future__ import annotations

import os
import sys
import threading
import webbrowser
from collections import Counter, deque
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from textual import on, work
from textual.worker import get_current_worker
from textual.app import App, ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.timer import Timer
from textual.widgets import Footer, Input, Label
from textual.worker import Worker, WorkerState

from monitor import timefmt
from monitor.components.commands import MonitorCommands
from monitor.components.detail import DetailPane
from monitor.components.export_screen import ExportRequest, ExportScreen, default_export_path
from monitor.components.filters import ItemFilter, SearchIndex
from monitor.components.help_screen import HelpScreen, binding_rows
from monitor.components.item_list import ItemList
from monitor.components.safe_text import one_line
from monitor.components.search_bar import SearchBar
from monitor.components.side_panels import FilterPanel, feed_entries, watchlist_entries
from monitor.components.status import StatusLine, StatusState
from monitor.components.view import RowFilter, ViewData, adjust_counts, build_view, same_items
from monitor.config import load_config
from monitor.errors import ConfigError, MonitorError
from monitor.export import parse_since, select_items, to_markdown
from monitor.match import Matcher
from monitor.messages import (
    ConfigFailed,
    ConfigReloaded,
    ExportWritten,
    HistoryChanged,
    PollFinished,
    PollProgress,
    ViewReady,
)
from monitor.models import Config, Item, utcnow
from monitor.poll import FeedReport, PollReport, next_due, open_history, poll
from monitor.store import History

CONFIG_CHECK_SECONDS = 1.0
HISTORY_CHECK_SECONDS = 5.0
PANEL_REFRESH_SECONDS = 30.0  # "5m ago" in the feeds panel
SYNC_VIEW_ITEMS = 2_000  # up to this many items, the first view is built before the first paint
SIDEBAR_MIN_WIDTH = 100  # narrower terminals hide the sidebar until ``b``
NOTIFIED_KEPT = 100
MAX_TIMER_SECONDS = 6 * 3600.0

FileStamp = tuple[int, int, int] | None


def file_stamp(path: Path) -> FileStamp:
    """(mtime_ns, size, inode): changes on every save, including editors' atomic renames."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def error_line(error: BaseException) -> str:
    """One line for the user, whatever the exception."""
    text = str(error) if isinstance(error, MonitorError) else f"{type(error).__name__}: {error}"
    return one_line(text.replace("\n", "; ")) or type(error).__name__


def new_matches_message(report: PollReport, order: Sequence[str]) -> str | None:
    """``Drone Deal: 3 new, PURL: 1 new`` in watchlist order, or None when nothing matched."""
    counts = Counter(tag for item in report.new_items for tag in item.tags)
    if not counts:
        return None
    rank = {name: i for i, name in enumerate(order)}
    names = sorted(counts, key=lambda n: (rank.get(n, len(rank)), n))
    return ", ".join(f"{name}: {counts[name]} new" for name in names)


def poll_summary(report: PollReport, at: datetime, now: datetime) -> str:
    new = len(report.new_items)
    failing = sum(1 for r in report.feeds if r.outcome == "error")
    waiting = sum(1 for r in report.feeds if r.outcome == "skipped")
    parts = [f"{new} new"]
    if failing:
        parts.append(f"{failing} failing")
    if waiting:
        parts.append(f"{waiting} waiting")
    return f"{timefmt.clock(at, now)}: " + ", ".join(parts)


def toggle_flag(history: History, item_id: str) -> None:
    """Flip the flag from the item's current state; back to automatic when that agrees."""
    item = history.get(item_id)
    if item is not None:
        flagged = not item.flagged
        history.set_flag(item_id, None if flagged == bool(item.matches) else flagged)


def toggle_read(history: History, item_id: str) -> None:
    item = history.get(item_id)
    if item is not None:
        history.set_read(item_id, not item.read)


def terminal_browser() -> bool:
    """The default browser runs in this terminal (lynx, w3m…: no display to open a window on)."""
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    return isinstance(browser, webbrowser.GenericBrowser) and not isinstance(
        browser, webbrowser.BackgroundBrowser
    )


class MonitorApp(App[int]):
    """Watch the feeds, read and flag items, export a briefing."""

    CSS_PATH = "app.tcss"
    TITLE = "monitor"
    COMMANDS = App.COMMANDS | {MonitorCommands}
    ENABLE_COMMAND_PALETTE = True

    # Footer order: what must stay visible in 80 columns (export, quit) comes first.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help"),
        Binding("tab", "focus_next", "Next pane", show=False),
        Binding("shift+tab", "focus_previous", "Previous pane", show=False),
        Binding("slash", "search", "Search"),
        Binding("escape", "clear_filters", "Clear the search; again: every filter", show=False),
        Binding("space,f", "toggle_flag", "Flag/unflag"),
        Binding("r", "poll_now", "Poll now"),
        Binding("e", "export", "Export"),
        Binding("q", "quit", "Quit"),
        Binding("F", "toggle_flagged_only", "Flagged only"),
        Binding("U", "toggle_unread_only", "Unread only"),
        Binding("u", "toggle_read", "Read/unread", show=False),
        Binding("o", "open_link", "Open link", show=False),
        Binding("y", "copy_link", "Copy link", show=False),
        Binding("b", "toggle_sidebar", "Feeds/watchlists sidebar", show=False),
        Binding("ctrl+r", "reload_config", "Reload feeds.toml", show=False),
    ]

    def __init__(
        self,
        config: Config,
        config_path: Path,
        history: History,
        matcher: Matcher,
        *,
        clock: Callable[[], datetime] = utcnow,
        autopoll: bool = True,
        watch_files: bool = True,
        browser: Callable[[str], object] = webbrowser.open,
        export_dir: Path | None = None,
    ) -> None:
        """``autopoll=False``: no automatic polling at all, neither at start nor on the feeds'
        schedule; ``r`` still polls. ``watch_files=False``: feeds.toml and the history file
        are not watched for changes by other programs. ``browser(url)`` runs in a thread and
        returns true when it opened the link (as :func:`webbrowser.open` does)."""
        super().__init__()
        self.config = config
        timefmt.set_zone(timefmt.resolve_zone(config.settings.timezone))
        self.config_path = config_path
        self.history = history
        self.matcher = matcher
        self.clock = clock
        self.autopoll = autopoll
        self.watch_files = watch_files
        self.browser = browser
        self.export_dir = export_dir
        self.items: list[Item] = []
        self.filter = ItemFilter()
        self.search_index = SearchIndex()
        self.view = ViewData([])
        self.row_filter = RowFilter(self.view)
        self._writes_done = 0  # bumped by every applied write; a view built before it is stale
        self.status = StatusState()
        self.notified: deque[str] = deque(maxlen=NOTIFIED_KEPT)  # what notify() said, newest last
        self._poll_timer: Timer | None = None
        self._polling = False
        self._config_stamp = file_stamp(config_path)
        self._writes: deque[tuple[Callable[[History], object], Item | None]] = deque()
        self._write_lock = threading.Lock()  # guards _writes and _draining
        self._draining = False  # a drainer is running: new writes join its queue
        self._sidebar_wanted: bool | None = None  # None: shown when the terminal is wide enough

    # --- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="main"):
            with Vertical(id="sidebar"):
                yield Label("Feeds", classes="panel-title")
                yield FilterPanel(id="feeds")
                yield Label("Watchlists", classes="panel-title")
                yield FilterPanel(id="watchlists")
            with Vertical(id="content"):
                yield SearchBar(placeholder="search title and summary", id="search")
                yield ItemList(clock=self.clock, id="items")
                yield DetailPane(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        # Held, not queried: a modal screen on top must not hide the main screen's widgets.
        self.item_list = self.query_one("#items", ItemList)
        self.detail = self.query_one("#detail", DetailPane)
        self.status_line = self.query_one("#status", StatusLine)
        self.search_bar = self.query_one("#search", SearchBar)
        self.feeds_panel = self.query_one("#feeds", FilterPanel)
        self.watchlists_panel = self.query_one("#watchlists", FilterPanel)
        items = self.history.items()
        if len(items) <= SYNC_VIEW_ITEMS:
            self.show_view(build_view(items, self.history.feed_states()) or ViewData(items))
        else:  # paint the rows now; counts and the search index follow from the worker
            self.show_view(ViewData(items))
            self.call_after_refresh(self.rebuild_view)
        self.item_list.focus()
        self._place_sidebar()
        self.set_interval(PANEL_REFRESH_SECONDS, self.refresh_panels, name="panel-clock")
        if self.watch_files:
            self.set_interval(CONFIG_CHECK_SECONDS, self.check_config_file, name="config-watch")
            self.set_interval(HISTORY_CHECK_SECONDS, self.check_history_file, name="history-watch")
        if self.autopoll:
            self.run_poll(force=False)

    # --- notifications ------------------------------------------------------------------

    def tell(self, message: str, *, severity: str = "information", timeout: float | None = None) -> None:
        """notify() for text that may hold feed or file data: never read as markup."""
        self.notified.append(message)
        self.notify(message, severity=severity, timeout=timeout, markup=False)  # type: ignore[arg-type]

    # --- showing items ------------------------------------------------------------------

    @work(thread=True, group="view", exclusive=True, exit_on_error=False)
    def rebuild_view(self) -> None:
        """Items, counts, rows per feed/watchlist and the search index, off the event loop."""
        worker = get_current_worker()
        generation = self._writes_done
        items = self.history.items()
        states = self.history.feed_states()
        current = self.view
        index = current.index if current.index is not None and same_items(current.items, items) else None
        if index is not None:
            items = current.items  # the index covers that very list
        view = build_view(items, states, index=index, cancelled=lambda: worker.is_cancelled)
        if view is not None and not worker.is_cancelled:
            self.post_message(ViewReady(view, generation))

    def on_view_ready(self, message: ViewReady) -> None:
        self.show_view(message.view)
        if message.generation != self._writes_done:
            self.rebuild_view()  # a write landed while it was counting: count again

    def show_view(self, view: ViewData) -> None:
        """Swap in a new snapshot and redraw what depends on it."""
        self.view = view
        self.items = view.items
        if view.index is not None:
            self.search_index = view.index
        self.row_filter = RowFilter(view)
        self.refilter()
        self.refresh_panels()

    def refilter(self) -> None:
        if self.filter.query and self.view.index is None:
            # The view worker is still indexing (just after start-up or a poll): searching
            # now would index on the event loop. Keep the rows; ViewReady applies the query.
            self.update_status(filters=(*self.filter.describe(), "indexing…"))
            return
        rows = self.row_filter.rows(self.filter)
        self.item_list.set_rows(self.items, rows)
        self.update_status(shown=len(rows), total=len(self.items), filters=tuple(self.filter.describe()))

    def refresh_panels(self) -> None:
        """Redraw both panels from the cached counts (cheap; also on a clock for "5m ago")."""
        counts = self.view.counts
        if counts is None:
            return
        now = self.clock()
        feeds = self.feeds_panel
        feeds.selected = self.filter.feed
        width = max(0, feeds.content_region.width - 1) or None  # room for a scrollbar
        feeds.set_entries(feed_entries(self.config, self.view.states, counts, self.filter.feed, now,
                                       *(width,) if width else ()))
        wls = self.watchlists_panel
        wls.selected = self.filter.watchlist
        width = max(0, wls.content_region.width - 1) or None
        wls.set_entries(watchlist_entries(self.config, counts, self.filter.watchlist, *(width,) if width else ()))

    def update_status(self, **changes: object) -> None:
        self.status = self.status.with_(**changes)
        self.status_line.set_state(self.status, self.clock())

    def set_filter(self, **changes: object) -> None:
        self.filter = self.filter.with_(**changes)
        self.refilter()
        if "feed" in changes or "watchlist" in changes:
            self.refresh_panels()

    @on(ItemList.Highlighted)
    def _show_detail(self, event: ItemList.Highlighted) -> None:
        self.detail.show(event.item)

    @on(ItemList.Opened)
    def _open_item(self, event: ItemList.Opened) -> None:
        self.detail.show(event.item)
        self.mark_read(event.item)
        self.detail.focus()

    def on_resize(self, event: Resize) -> None:
        if hasattr(self, "item_list"):  # on_mount places it the first time
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

    @on(FilterPanel.Chosen, "#feeds")
    def _feed_chosen(self, event: FilterPanel.Chosen) -> None:
        self.set_filter(feed=event.name)

    @on(FilterPanel.Chosen, "#watchlists")
    def _watchlist_chosen(self, event: FilterPanel.Chosen) -> None:
        self.set_filter(watchlist=event.name)

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.set_filter(query=event.value.strip())

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self.item_list.focus()

    # --- actions ------------------------------------------------------------------------

    def action_help(self) -> None:
        everywhere = [b for b in self.BINDINGS if isinstance(b, Binding) and b.action != "clear_filters"]
        escape = [b for b in self.BINDINGS if isinstance(b, Binding) and b.action == "clear_filters"]
        sections: list[tuple[str, list[BindingType]]] = [
            ("Everywhere", everywhere),
            ("Item list", [*ItemList.BINDINGS, *escape]),
            ("Detail pane", list(DetailPane.BINDINGS)),
            ("Search box (/)", [*SearchBar.BINDINGS, Binding("enter", "submit", "Back to the list, keep the search")]),
            ("Feeds / watchlists", [*FilterPanel.BINDINGS, Binding("enter", "select", "Filter by it (again: clear)"),
                                    *escape]),
            ("Palette", [Binding("ctrl+p", "command_palette", "Command palette")]),
        ]
        self.push_screen(HelpScreen(binding_rows(sections)))

    def action_focus_items(self) -> None:
        self.item_list.focus()

    def action_search(self) -> None:
        search = self.search_bar
        search.display = True
        search.focus()

    def action_clear_search(self) -> None:
        self._clear(ItemFilter(feed=self.filter.feed, watchlist=self.filter.watchlist,
                               flagged_only=self.filter.flagged_only, unread_only=self.filter.unread_only))

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
        panels_change = (flt.feed, flt.watchlist) != (self.filter.feed, self.filter.watchlist)
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

    def _target(self) -> Item | None:
        """The item the item actions apply to: the one under the list cursor."""
        return self.item_list.current

    def action_toggle_flag(self) -> None:
        item = self._target()
        if item is not None:
            self.queue_write(lambda h, i=item.id: toggle_flag(h, i), item)

    def action_toggle_read(self) -> None:
        item = self._target()
        if item is not None:
            self.queue_write(lambda h, i=item.id: toggle_read(h, i), item)

    def mark_read(self, item: Item) -> None:
        if not item.read:
            self.queue_write(lambda h, i=item.id: h.set_read(i, True), item)

    def action_open_link(self) -> None:
        item = self._target()
        if item is None:
            return
        if not item.link.strip():
            self.tell("This item has no link.", severity="warning")
            return
        if urlsplit(item.link).scheme.lower() not in ("http", "https"):
            self.tell(f"Not opening a non-web link: {one_line(item.link)[:80]}", severity="warning")
            return
        self.open_link(item, item.link)

    @work(thread=True, group="browser", exit_on_error=False)
    def open_link(self, item: Item, url: str) -> None:
        """Start the browser off the event loop; a terminal browser gets the terminal."""
        if self.browser is webbrowser.open and terminal_browser():
            self.call_from_thread(self._open_in_terminal, item, url)
            return
        opened = bool(self.browser(url))
        self.call_from_thread(self._link_opened, item, url, opened)

    def _open_in_terminal(self, item: Item, url: str) -> None:
        try:
            with self.suspend():
                opened = bool(webbrowser.open(url))
        except SuspendNotSupported:
            opened = False
        self._link_opened(item, url, opened)

    def _link_opened(self, item: Item, url: str, opened: bool) -> None:
        if opened:
            self.mark_read(item)
        else:
            self.tell(f"No browser opened {one_line(url)[:80]} (y copies the link)", severity="warning")

    def action_copy_link(self) -> None:
        item = self._target()
        if item is not None and item.link:
            self.copy_to_clipboard(item.link)
            self.tell(f"Copied {one_line(item.link)}")

    def action_poll_now(self) -> None:
        if self._polling:
            self.tell("A poll is already running.")
            return
        self.run_poll(force=True)

    def action_export(self) -> None:
        now = self.clock()
        path = default_export_path(now, self.export_dir)
        names = [w.name for w in self.config.watchlists]
        self.push_screen(ExportScreen(path, names, now), self._export_chosen)

    def _export_chosen(self, request: ExportRequest | None) -> None:
        if request is not None:
            self.export_briefing(request)

    def action_reload_config(self) -> None:
        """Re-read feeds.toml now (the file watcher calls this on every change)."""
        self._config_stamp = file_stamp(self.config_path)
        self.reload_config()

    # --- store writes (one FIFO queue, drained by thread workers) -----------------------

    def queue_write(self, change: Callable[[History], object], item: Item | None = None) -> None:
        """Apply ``change`` (to ``item``'s read/flag state) to the history in a thread, in
        the order the user asked. ``change`` reads the state it changes from the history
        when it runs, so quick repeated toggles all count."""
        with self._write_lock:
            self._writes.append((change, item))
            start, self._draining = not self._draining, True
        if start:
            self._drain_writes()

    @work(thread=True, group="store", exit_on_error=False)
    def _drain_writes(self) -> None:
        try:
            while True:
                with self._write_lock:
                    if not self._writes:
                        self._draining = False
                        return
                    change, item = self._writes.popleft()
                was = (item.read, item.flagged) if item is not None else None
                change(self.history)
                self.call_from_thread(self._after_write, item, was)
        except BaseException:
            with self._write_lock:
                self._draining = False
            raise

    def _after_write(self, item: Item | None, was: tuple[bool, bool] | None) -> None:
        """Redraw; the rows stay as they are (an item read in the unread-only view stays
        until the filter changes), only the counts follow."""
        self._writes_done += 1
        self.item_list.refresh()
        self.detail.show(self.item_list.current)
        counts = self.view.counts
        if item is not None and was is not None and counts is not None and self.history.get(item.id) is item:
            adjust_counts(counts, item, *was)
            self.refresh_panels()
        else:  # the history reloaded other objects, or we cannot tell what changed
            self.rebuild_view()

    # --- polling ------------------------------------------------------------------------

    @work(group="poll", exclusive=True, exit_on_error=False)
    async def run_poll(self, force: bool = False) -> None:
        self._polling = True
        if self._poll_timer is not None:
            self._poll_timer.stop()
        self.update_status(progress=(0, 0))

        def progress(report: FeedReport, done: int, total: int) -> None:
            self.post_message(PollProgress(report, done, total))

        report = await poll(
            self.config, self.history, self.matcher, now=self.clock(), force=force, progress=progress
        )
        self.post_message(PollFinished(report))

    def on_poll_progress(self, message: PollProgress) -> None:
        if self._polling:
            self.update_status(progress=(message.done, message.total))

    def on_poll_finished(self, message: PollFinished) -> None:
        report = message.report
        now = self.clock()
        self.update_status(last_poll=poll_summary(report, now, now))
        self.rebuild_view()
        text = new_matches_message(report, [w.name for w in self.config.watchlists])
        if text:
            self.tell(text)

    def _poll_ended(self) -> None:
        self._polling = False
        self.update_status(progress=None)
        self._arm_poll_timer()

    def _arm_poll_timer(self) -> None:
        """One timer for the next due feed; replaced after every poll, never overlapping.

        Nothing is scheduled with ``autopoll=False``."""
        if self._poll_timer is not None:
            self._poll_timer.stop()
            self._poll_timer = None
        if not self.autopoll:
            return
        now = self.clock()
        due = next_due(self.config, self.history, now)
        self.update_status(next_poll=due)
        if due is None:
            return
        delay = min(max(1.0, (due - now).total_seconds()), MAX_TIMER_SECONDS)
        self._poll_timer = self.set_timer(delay, self._scheduled_poll, name="next-poll")

    def _scheduled_poll(self) -> None:
        self._poll_timer = None
        if not self._polling:
            self.run_poll(force=False)

    # --- watching files -----------------------------------------------------------------

    def check_config_file(self) -> None:
        if file_stamp(self.config_path) != self._config_stamp:
            self.action_reload_config()

    def check_history_file(self) -> None:
        if not self._polling and self.history.changed_on_disk():
            self.refresh_history()

    @work(thread=True, group="history", exclusive=True, exit_on_error=False)
    def refresh_history(self) -> None:
        if self.history.refresh():
            self.post_message(HistoryChanged())

    def on_history_changed(self, message: HistoryChanged) -> None:
        self.rebuild_view()

    @work(thread=True, group="config", exclusive=True, exit_on_error=False)
    def reload_config(self) -> None:
        try:
            config = load_config(self.config_path)
        except ConfigError as exc:
            self.post_message(ConfigFailed("\n".join(exc.problems)))
            return
        matcher = Matcher(config.watchlists)
        changed = self.history.retag(matcher.apply, matcher.signature)
        self.post_message(ConfigReloaded(config, matcher, changed))

    def on_config_reloaded(self, message: ConfigReloaded) -> None:
        self.config, self.matcher = message.config, message.matcher
        timefmt.set_zone(timefmt.resolve_zone(self.config.settings.timezone))
        names = {w.name for w in self.config.watchlists}
        if self.filter.watchlist is not None and self.filter.watchlist not in names:
            self.filter = self.filter.with_(watchlist=None)
        feeds = {f.name for f in self.config.feeds}
        if self.filter.feed is not None and self.filter.feed not in feeds:
            self.filter = self.filter.with_(feed=None)
        self.item_list.refresh()  # tags changed in place; counts, rows and panels follow from the worker
        self.detail.show(self.item_list.current)
        self.rebuild_view()
        if not self._polling:
            self._arm_poll_timer()
        self.tell(f"Reloaded {self.config_path.name}: {message.retagged} items re-tagged")

    def on_config_failed(self, message: ConfigFailed) -> None:
        self.tell(f"{message.error}\n(keeping the previous configuration)", severity="error", timeout=15)

    # --- export -------------------------------------------------------------------------

    @work(thread=True, group="export", exit_on_error=False)
    def export_briefing(self, request: ExportRequest) -> None:
        now = self.clock()
        since = parse_since(request.since, now)
        config = self.config
        if request.watchlist is not None and config.watchlists and request.watchlist not in {
            w.name for w in config.watchlists
        }:
            raise MonitorError(f"export: no watchlist named {request.watchlist!r}")
        items = select_items(self.history.items(), since=since, watchlist=request.watchlist)
        text = to_markdown(
            items,
            now=now,
            feeds_order=[f.name for f in config.feeds],
            watchlist_order=[w.name for w in config.watchlists],
            since=since,
        )
        path = request.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise MonitorError(f"export: cannot write {path}: {exc.strerror or exc}") from None
        self.post_message(ExportWritten(path, len(items)))

    def on_export_written(self, message: ExportWritten) -> None:
        self.tell(f"Wrote {message.count} items to {message.path}")

    # --- the one place worker failures are handled --------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "poll" and event.state in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self._poll_ended()
        if event.state == WorkerState.ERROR and worker.error is not None:
            what = {"poll": "Poll", "store": "Saving", "config": "Reload", "export": "Export",
                    "view": "Updating the list", "history": "Reloading the history",
                    "browser": "Opening the link"}
            prefix = what.get(worker.group, worker.group)
            self.tell(f"{prefix} failed: {error_line(worker.error)}", severity="error", timeout=10)
            if worker.group == "store":
                self._writes.clear()
                self.rebuild_view()


def run_app(config_path: Path, db_path: Path | None) -> int:
    """Load the config and history, then run the UI; 2 on a config/history problem."""
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"monitor: {problem}", file=sys.stderr)
        return 2
    try:
        history = open_history(config, db_path)
    except MonitorError as exc:
        print(f"monitor: {error_line(exc)}", file=sys.stderr)
        return 2
    matcher = Matcher(config.watchlists)
    if history.matcher_signature != matcher.signature:
        history.retag(matcher.apply, matcher.signature)
    MonitorApp(config, config_path, history, matcher).run()
    return 0
