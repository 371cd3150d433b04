"""The App's polls: one on the feeds' schedule (a one-shot timer re-armed after every poll),
one on ``r``; what a finished poll tells the user (new matches, feeds that started or stopped
failing) and the terminal notification of new hits (:mod:`monitor.alerts`)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from textual import work
from textual.app import App
from textual.timer import Timer

from monitor.alerts import build_alert, terminal_sequence
from monitor.history import History
from monitor.match import Matcher
from monitor.messages import PollFinished, PollProgress
from monitor.models import Config
from monitor.pace import GcWindow, Pace
from monitor.poll import FeedReport, next_due, poll
from monitor.summary import health_changes, poll_summary

if TYPE_CHECKING:
    from monitor.screens.main import MainScreen

MAX_TIMER_SECONDS = 6 * 3600.0
# After a poll, background threads keep giving way to the loop this long: the new list, its
# counts and the sidebar are drawn while the view, index and stories workers catch up.
SETTLE_SECONDS = 1.0

Severity = Literal["information", "warning", "error"]


class PollSchedule(App[int]):
    """Polls for :class:`~monitor.app.MonitorApp` (its ``poll`` worker group)."""

    # Set by MonitorApp.__init__.
    config: Config
    history: History
    matcher: Matcher
    clock: Callable[[], datetime]
    autopoll: bool
    main: MainScreen
    polling: bool  # a poll is running
    _poll_timer: Timer | None
    pace: Pace  # background threads give way to the loop while a poll runs
    gc_window: GcWindow  # no full GC collection in the middle of a poll

    if TYPE_CHECKING:

        def tell(
            self, message: str, *, severity: Severity = "information", timeout: float | None = None
        ) -> None: ...

    def action_poll_now(self) -> None:
        if self.polling:
            self.tell("A poll is already running.")
            return
        self.run_poll(force=True, retry=True)  # failing feeds too: only Retry-After holds one back

    @work(group="poll", exclusive=True, exit_on_error=False)
    async def run_poll(self, force: bool = False, retry: bool = False) -> None:
        self.polling = True
        if self._poll_timer is not None:
            self._poll_timer.stop()
        self.main.update_status(progress=(0, 0))

        def progress(report: FeedReport, done: int, total: int) -> None:
            self.post_message(PollProgress(report, done, total))

        before = self.history.feed_states()
        # Both ended by poll_ended, however the poll ends (the pace SETTLE_SECONDS later).
        self.gc_window.open()
        self.pace.hold()
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
        # Off the loop: a poll of 10,000 new items makes these tens of milliseconds of work.
        alert = await asyncio.to_thread(build_alert, report.new_items, self.config.watchlists)
        self.post_message(PollFinished(report, changes, alert))

    def on_poll_progress(self, message: PollProgress) -> None:
        if self.polling:
            self.main.update_status(progress=(message.done, message.total))

    def on_poll_finished(self, message: PollFinished) -> None:
        report = message.report
        now = self.clock()
        self.main.update_status(last_poll=poll_summary(report, now, now))
        self.main.rebuild_view()
        # One alert, as `monitor poll` builds it: only watchlists with notify = true count.
        alert = message.alert
        if alert is not None:
            self.tell(alert.toast)
        for failing, change in message.health:
            self.tell(change, severity="warning" if failing else "information")
        if alert is not None:
            self.terminal_notify(terminal_sequence(alert, self.config.settings.notify, os.environ))

    def terminal_notify(self, sequence: str) -> None:
        """Write a desktop notification (or a bell) to the terminal, as Textual writes its
        own OSC 52 clipboard sequence; feed text in it was cleaned by :mod:`monitor.alerts`."""
        if not sequence:
            return
        driver = self._driver
        if driver is not None:
            driver.write(sequence)
            driver.flush()

    def poll_ended(self) -> None:
        """The ``poll`` worker ended (done, failed or cancelled): schedule the next one."""
        self.polling = False
        self.gc_window.close()
        self.set_timer(SETTLE_SECONDS, self.pace.release, name="poll-settle")
        self.main.update_status(progress=None)
        self.arm_poll_timer()

    def arm_poll_timer(self) -> None:
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
        if not self.polling:
            self.run_poll(force=False)
