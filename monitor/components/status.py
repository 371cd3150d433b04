"""The status line: poll progress, next poll, last poll summary, what is shown."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from monitor.components.formatting import clock_time
from monitor.components.safe_text import one_line


@dataclass(frozen=True, slots=True)
class StatusState:
    progress: tuple[int, int] | None = None  # (done, total) while polling
    next_poll: datetime | None = None
    last_poll: str | None = None  # e.g. "12:00: 5 new, 1 failing"
    shown: int = 0
    total: int = 0
    filters: tuple[str, ...] = field(default_factory=tuple)

    def with_(self, **changes: object) -> StatusState:
        return replace(self, **changes)  # type: ignore[arg-type]


def status_text(state: StatusState, now: datetime) -> Text:
    text = Text(no_wrap=True, end="")
    text.append(" monitor ", "bold reverse")
    text.append("  ")
    if state.progress is not None:
        done, total = state.progress
        text.append(f"polling {done} of {total} feeds", "bold yellow")
    elif state.next_poll is not None:
        text.append(f"next poll {clock_time(state.next_poll, now)} UTC")
    else:
        text.append("no poll scheduled", "dim")
    if state.last_poll:
        text.append("  │  last poll " + one_line(state.last_poll), "dim")
    text.append("  │  ")
    if state.shown == state.total:
        text.append(f"{state.total:,} items")
    else:
        text.append(f"{state.shown:,} of {state.total:,} items")
    if state.filters:
        text.append("  │  filter: ", "dim")
        text.append(one_line(" · ".join(state.filters)), "bold")
    return text


class StatusLine(Static):
    """One line at the top of the screen."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.state = StatusState()

    def set_state(self, state: StatusState, now: datetime) -> None:
        self.state = state
        self.update(status_text(state, now))
