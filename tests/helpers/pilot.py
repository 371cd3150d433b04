"""Driving the UI in tests: a standard size, waiting for a condition, what the screen shows
and what the app told the user (read through Textual's own API and messages, not through
attributes kept in the app for tests)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rich.text import Text
from textual.drivers.headless_driver import HeadlessDriver
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Static

from monitor.app import MonitorApp
from monitor.components.item_list import ItemList

SIZE = (120, 36)


async def until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the app run until ``condition()`` holds (bounded)."""
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached in time")


def titles(app: MonitorApp) -> list[str]:
    return [item.title for item in app.main.item_list.visible_items()]


def screen_lines(app: MonitorApp) -> list[str]:
    """The item list's rows as drawn on screen (its visible lines, through Textual's
    ``render_line``)."""
    rows = app.main.query_one("#items", ItemList)
    return [rows.render_line(y).text for y in range(rows.scrollable_content_region.height)]


def screen_rows(app: MonitorApp) -> str:
    return "\n".join(screen_lines(app))


def detail_shown(app: MonitorApp) -> str:
    """The plain text the detail pane shows."""
    content = app.main.query_one("#detail-body", Static).content
    return content.plain if isinstance(content, Text) else str(content)


class Told(list[str]):
    """What the app told the user, newest last: the text of every notification (Textual's
    ``Notify`` message). Pass it as ``app.run_test(message_hook=told)``."""

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.append(message.notification.message)


def terminal_writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the app writes to the (headless) terminal from now on, less Textual's own
    pointer-shape sequence (OSC 22), which it writes even when headless."""
    written: list[str] = []

    def write(driver: HeadlessDriver, data: str) -> None:
        if not data.startswith("\x1b]22;"):
            written.append(data)

    monkeypatch.setattr(HeadlessDriver, "write", write)
    return written
