"""The Textual App: the lifecycle around the main screen (:mod:`monitor.screens.main`).

It holds the history, the config and the matcher; runs polls on the feeds' schedule (a
one-shot timer re-armed after every poll); watches feeds.toml and the history file for changes
by other programs; and reports every worker failure in one place (:meth:`worker_failed`).
Its workers (poll, config, history) post results back as messages (:mod:`monitor.messages`).
The CLI (:func:`monitor.cli.run_app`) builds it.
"""

from __future__ import annotations

import os
import webbrowser
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from monitor import timefmt
from monitor.alerts import build_alert, terminal_sequence
from monitor.backtest import backtest, edited_watchlists
from monitor.components.commands import MonitorCommands
from monitor.config import load_config
from monitor.errors import ConfigError, error_line
from monitor.history import History
from monitor.match import Matcher
from monitor.messages import (
    ConfigFailed,
    ConfigReloaded,
    HistoryChanged,
    PollFinished,
    PollProgress,
    WatchlistsEdited,
)
from monitor.models import Config, utcnow
from monitor.paths import file_stamp
from monitor.poll import FeedReport, next_due, poll
from monitor.screens.main import MainScreen
from monitor.screens.watchlist_review import WatchlistReviewScreen
from monitor.summary import health_changes, new_matches_message, poll_summary

CONFIG_CHECK_SECONDS = 1.0
HISTORY_CHECK_SECONDS = 5.0
NOTIFIED_KEPT = 100
MAX_TIMER_SECONDS = 6 * 3600.0
WORKER_NAMES = {
    "poll": "Poll",
    "store": "Saving",
    "config": "Reload",
    "export": "Export",
    "view": "Updating the list",
    "history": "Reloading the history",
    "browser": "Opening the link",
    "save-search": "Saving the search",
}

Severity = Literal["information", "warning", "error"]


class MonitorApp(App[int]):
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
        self.notified: deque[str] = deque(maxlen=NOTIFIED_KEPT)  # what notify() said, newest last
        self.terminal_notifications: deque[str] = deque(maxlen=NOTIFIED_KEPT)  # sequences written
        self._poll_timer: Timer | None = None
        self._polling = False
        self._config_stamp = file_stamp(config_path)
        self.pending_edit: WatchlistsEdited | None = None  # waits for W, then a

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's palette commands less the ones that mean nothing here (screenshots,
        maximising a pane): theme, quit and keys stay."""
        for command in super().get_system_commands(screen):
            if command.title not in ("Screenshot", "Maximize", "Minimize"):
                yield command

    def get_default_screen(self) -> MainScreen:
        return self.main

    def main_screen_ready(self) -> None:
        """The main screen is mounted (it can show progress): start watching and polling."""
        if self.watch_files:
            self.set_interval(CONFIG_CHECK_SECONDS, self.check_config_file, name="config-watch")
            self.set_interval(HISTORY_CHECK_SECONDS, self.check_history_file, name="history-watch")
        if self.autopoll:
            self.run_poll(force=False)

    def tell(
        self, message: str, *, severity: Severity = "information", timeout: float | None = None
    ) -> None:
        """notify() for text that may hold feed or file data: never read as markup."""
        self.notified.append(message)
        self.notify(message, severity=severity, timeout=timeout, markup=False)

    # --- polling ------------------------------------------------------------------------

    def action_poll_now(self) -> None:
        if self._polling:
            self.tell("A poll is already running.")
            return
        self.run_poll(force=True, retry=True)  # failing feeds too: only Retry-After holds one back

    @work(group="poll", exclusive=True, exit_on_error=False)
    async def run_poll(self, force: bool = False, retry: bool = False) -> None:
        self._polling = True
        if self._poll_timer is not None:
            self._poll_timer.stop()
        self.main.update_status(progress=(0, 0))

        def progress(report: FeedReport, done: int, total: int) -> None:
            self.post_message(PollProgress(report, done, total))

        before = self.history.feed_states()
        report = await poll(
            self.config,
            self.history,
            self.matcher,
            now=self.clock(),
            force=force,
            progress=progress,
            retry=retry,
        )
        changes = health_changes(before, report, self.clock(), retried=retry)
        self.post_message(PollFinished(report, changes))

    def on_poll_progress(self, message: PollProgress) -> None:
        if self._polling:
            self.main.update_status(progress=(message.done, message.total))

    def on_poll_finished(self, message: PollFinished) -> None:
        report = message.report
        now = self.clock()
        self.main.update_status(last_poll=poll_summary(report, now, now))
        self.main.rebuild_view()
        text = new_matches_message(report, [w.name for w in self.config.watchlists])
        if text:
            self.tell(text)
        for failing, change in message.health:
            self.tell(change, severity="warning" if failing else "information")
        alert = build_alert(report.new_items, self.config.watchlists)
        if alert is not None:
            self.terminal_notify(terminal_sequence(alert, self.config.settings.notify, os.environ))

    def terminal_notify(self, sequence: str) -> None:
        """Write a desktop notification (or a bell) to the terminal, as Textual writes its
        own OSC 52 clipboard sequence; feed text in it was cleaned by :mod:`monitor.alerts`."""
        if not sequence:
            return
        self.terminal_notifications.append(sequence)
        driver = self._driver
        if driver is not None:
            driver.write(sequence)
            driver.flush()

    def _poll_ended(self) -> None:
        self._polling = False
        self.main.update_status(progress=None)
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
        self.main.update_status(next_poll=due)
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
        self.main.rebuild_view()

    def action_reload_config(self) -> None:
        """Re-read feeds.toml now (the file watcher calls this on every change)."""
        self._config_stamp = file_stamp(self.config_path)
        self.reload_config()

    @work(thread=True, group="config", exclusive=True, exit_on_error=False)
    def reload_config(self) -> None:
        try:
            config = load_config(self.config_path)
        except ConfigError as exc:
            self.post_message(ConfigFailed("\n".join(exc.problems)))
            return
        edited = edited_watchlists(self.config.watchlists, config.watchlists)
        if edited and len(self.history):
            # An edit of existing watchlists waits for the analyst: what it would gain and
            # lose is shown first (W), and nothing is retagged until it is applied.
            items = self.history.items()
            self.post_message(WatchlistsEdited(config, [backtest(items, w) for w in edited]))
            return
        self.apply_config(config)

    def apply_config(self, config: Config) -> None:
        """Retag the history for ``config`` (in a worker thread) and switch to it."""
        matcher = Matcher(config.watchlists)
        changed = self.history.retag(matcher.apply, matcher.signature)
        self.post_message(ConfigReloaded(config, matcher, changed))

    def on_watchlists_edited(self, message: WatchlistsEdited) -> None:
        self.pending_edit = message
        summary = "; ".join(r.summary for r in message.results)
        self.tell(
            f"{self.config_path.name}: {summary}. W reviews the items and applies the "
            "edit (nothing is retagged until then)",
            timeout=30,
        )

    def action_review_watchlists(self) -> None:
        """W: the gained and lost items of a pending watchlist edit; a applies it."""
        pending = self.pending_edit
        if pending is None:
            self.tell("No watchlist edit waiting for review")
            return

        def done(apply: bool | None) -> None:
            if apply and self.pending_edit is pending:
                self.pending_edit = None
                self.apply_pending(pending.config)

        self.push_screen(WatchlistReviewScreen(pending.results, self.config_path.name), done)

    @work(thread=True, group="config", exclusive=True, exit_on_error=False)
    def apply_pending(self, config: Config) -> None:
        self.apply_config(config)

    def on_config_reloaded(self, message: ConfigReloaded) -> None:
        self.pending_edit = None
        self.config, self.matcher = message.config, message.matcher
        timefmt.set_zone(timefmt.resolve_zone(self.config.settings.timezone))
        self.main.config_changed()
        self.main.update_status(config_error=None)
        if not self._polling:
            self._arm_poll_timer()
        self.tell(f"Reloaded {self.config_path.name}: {message.retagged} items re-tagged")

    def on_config_failed(self, message: ConfigFailed) -> None:
        self.tell(
            f"{message.error}\n(keeping the previous configuration)", severity="error", timeout=15
        )
        # and in the status line until an edit fixes it: the toast alone is easily missed
        self.main.update_status(config_error=message.error.splitlines()[0])

    # --- the one place worker failures are reported -------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "poll" and event.state in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self._poll_ended()
        if event.state == WorkerState.ERROR and worker.error is not None:
            self.worker_failed(worker.group, worker.error)

    def worker_failed(self, group: str, error: BaseException) -> None:
        """One error line for a failed worker of this App or of a screen."""
        prefix = WORKER_NAMES.get(group, group)
        self.tell(f"{prefix} failed: {error_line(error)}", severity="error", timeout=10)
