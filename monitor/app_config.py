"""The App's feeds.toml: re-read when it changes on disk (or on ctrl+r), kept as it was when
the new text is wrong, and an edit of existing watchlists held for review (``W``) before the
history is retagged."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from textual import work
from textual.app import App

from monitor import timefmt
from monitor.backtest import review_edit, watchlists_changed
from monitor.config import load_config
from monitor.errors import ConfigError
from monitor.history import History
from monitor.match import Matcher
from monitor.messages import ConfigFailed, ConfigReloaded, WatchlistsEdited
from monitor.models import Config
from monitor.paths import file_stamp
from monitor.screens.watchlist_review import WatchlistReviewScreen

if TYPE_CHECKING:
    from monitor.screens.main import MainScreen

Severity = Literal["information", "warning", "error"]


class ConfigReload(App[int]):
    """feeds.toml for :class:`~monitor.app.MonitorApp` (its ``config`` worker group)."""

    # Set by MonitorApp.__init__.
    config: Config
    config_path: Path
    history: History
    matcher: Matcher
    main: MainScreen
    polling: bool
    pending_edit: WatchlistsEdited | None  # waits for W, then a
    _config_stamp: object

    if TYPE_CHECKING:

        def tell(
            self, message: str, *, severity: Severity = "information", timeout: float | None = None
        ) -> None: ...

        def arm_poll_timer(self) -> None: ...

    def check_config_file(self) -> None:
        if file_stamp(self.config_path) != self._config_stamp:
            self.action_reload_config()

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
        old, new = self.config.watchlists, config.watchlists
        if watchlists_changed(old, new) and len(self.history):
            # A watchlist edited, added or removed waits for the analyst: what it would gain
            # and lose is shown first (W), and nothing is retagged until it is applied.
            items = self.history.items()
            self.post_message(WatchlistsEdited(config, review_edit(items, old, new)))
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
        if not self.polling:
            self.arm_poll_timer()
        self.tell(f"Reloaded {self.config_path.name}: {message.retagged} items re-tagged")

    def on_config_failed(self, message: ConfigFailed) -> None:
        self.tell(
            f"{message.error}\n(keeping the previous configuration)", severity="error", timeout=15
        )
        # and in the status line until an edit fixes it: the toast alone is easily missed
        self.main.update_status(config_error=message.error.splitlines()[0])
