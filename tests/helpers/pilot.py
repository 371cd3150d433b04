"""Driving the UI in tests: a standard size, waiting for a condition, what the screen shows."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from monitor.app import MonitorApp

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


def screen_rows(app: MonitorApp) -> str:
    return "\n".join(app.main.item_list.rendered_lines())
