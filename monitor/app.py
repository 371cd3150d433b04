"""The Textual App: the lifecycle around the main screen (:mod:`monitor.screens.main`).

It holds the history, the config and the matcher; starts polls (:mod:`monitor.app_polls`)
and watches feeds.toml (:mod:`monitor.app_config`) and the history file for changes by other
programs; and reports every worker failure in one place (:meth:`worker_failed`). Its workers
(poll, config, history) post results back as messages (:mod:`monitor.messages`). The CLI
(:func:`monitor.cli.run_app`) builds it.
"""

from __future__ import annotations

import webbrowser
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from monitor import timefmt
from monitor.app_config import ConfigReload
from monitor.app_polls import PollSchedule, Severity
from monitor.errors import error_line
from monitor.history import History
from monitor.match import Matcher
from monitor.messages import HistoryChanged, HistoryLoaded, WatchlistsEdited
from monitor.models import Config, utcnow
from monitor.pace import GcWindow, Pace, ui_priorities
from monitor.paths import file_stamp
from monitor.screens.commands import MonitorCommands
from monitor.screens.main import MainScreen

CONFIG_CHECK_SECONDS = 1.0
HISTORY_CHECK_SECONDS = 5.0
WORKER_NAMES = {
    "poll": "Poll",
    "store": "Saving",
    "config": "Reload",
    "export": "Export",
    "view": "Updating the list",
    "history": "Reloading the history",
    "load": "Loading the history",
    "browser": "Opening the link",
    "save-search": "Saving the search",
}


class MonitorApp(PollSchedule, ConfigReload, App[int]):
    """Watch the feeds, read and flag items, export a briefing."""

    CSS_PATH = "app.tcss"
    TITLE = "monitor"
    COMMANDS = App.COMMANDS | {MonitorCommands}
    ENABLE_COMMAND_PALETTE = True

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
        self.main = MainScreen()
        self._poll_timer: Timer | None = None
        self.polling = False
        self.pace = Pace()
        self.gc_window = GcWindow()
        self._config_stamp = file_stamp(config_path)
        self.pending_edit: WatchlistsEdited | None = None  # waits for W, then a
        self.load_error: BaseException | None = None  # reading the rest of the history failed

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's palette commands less the ones that mean nothing here (screenshots,
        maximising a pane): theme, quit and keys stay."""
        for command in super().get_system_commands(screen):
            if command.title not in ("Screenshot", "Maximize", "Minimize"):
                yield command

    def get_default_screen(self) -> MainScreen:
        return self.main

    def main_screen_ready(self) -> None:
        """The main screen is mounted (it can show progress): read the rest of the history
        once its first screenful is painted, start watching and polling."""
        ui_priorities()
        if not self.history.loaded:
            self.call_after_refresh(self.load_history)
        if self.watch_files:
            self.set_interval(CONFIG_CHECK_SECONDS, self.check_config_file, name="config-watch")
            self.set_interval(HISTORY_CHECK_SECONDS, self.check_history_file, name="history-watch")
        if self.autopoll:
            self.run_poll(force=False)

    def tell(
        self, message: str, *, severity: Severity = "information", timeout: float | None = None
    ) -> None:
        """notify() for text that may hold feed or file data: never read as markup."""
        self.notify(message, severity=severity, timeout=timeout, markup=False)

    # --- the history file, written by other programs (monitor poll, another monitor) -----

    def check_history_file(self) -> None:
        if not self.polling and self.history.changed_on_disk():
            self.refresh_history()

    @work(thread=True, group="load", exit_on_error=False)
    def load_history(self) -> None:
        """Read the items a head-only open (:func:`monitor.cli.run_app`) left on disk, and
        retag them if the watchlists changed since they were tagged."""
        self.history.load_rest()
        if self.history.matcher_signature != self.matcher.signature:
            self.history.retag(self.matcher.apply, self.matcher.signature)
        self.post_message(HistoryLoaded())

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        self.main.rebuild_view()

    @work(thread=True, group="history", exclusive=True, exit_on_error=False)
    def refresh_history(self) -> None:
        if self.history.refresh():
            self.post_message(HistoryChanged())

    def on_history_changed(self, message: HistoryChanged) -> None:
        self.main.rebuild_view()

    # --- the one place worker failures are reported -------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "poll" and event.state in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self.poll_ended()
        if event.state == WorkerState.ERROR and worker.error is not None:
            if worker.group == "load":  # no history to work on: say why and exit, as the CLI does
                self.load_error = worker.error
                self.exit(return_code=2)
                return
            self.worker_failed(worker.group, worker.error)

    def worker_failed(self, group: str, error: BaseException) -> None:
        """One error line for a failed worker of this App or of a screen."""
        prefix = WORKER_NAMES.get(group, group)
        self.tell(f"{prefix} failed: {error_line(error)}", severity="error", timeout=10)
