"""The status line: poll progress, next poll, last poll summary, what is shown."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from monitor import timefmt
from monitor.text import one_line


@dataclass(frozen=True, slots=True)
class StatusState:
    progress: tuple[int, int] | None = None  # (done, total) while polling
    next_poll: datetime | None = None
    last_poll: str | None = None  # e.g. "12:00: 5 new, 1 failing"
    shown: int = 0
    total: int = 0
    filters: tuple[str, ...] = field(default_factory=tuple)
    down: int = 0  # enabled feeds failing now
    down_since: datetime | None = None
    config_error: str | None = None  # feeds.toml is broken: the last good config runs
    loading: bool = False  # only the newest items are in memory yet: ``total`` is theirs

    def with_(self, **changes: object) -> StatusState:
        return replace(self, **changes)  # type: ignore[arg-type]


def status_text(state: StatusState, now: datetime, width: int | None = None) -> Text:
    """What is shown first, then the poll; the last poll's summary is dropped first when
    ``width`` is short, then the next poll."""
    shown = Text(no_wrap=True, end="")
    if state.loading:
        shown.append(f"{state.total:,} newest items  ")
        shown.append("loading the history…", "bold yellow")
    elif state.shown == state.total:
        shown.append(f"{state.total:,} items")
    else:
        shown.append(f"{state.shown:,} of {state.total:,} items")
    if state.filters:
        shown.append("  │  filter: ", "dim")
        shown.append(one_line(" · ".join(state.filters)), "bold")
    poll = Text(no_wrap=True, end="")
    if state.progress is not None:
        done, total = state.progress
        # before the first feed answers the poll does not know how many it will ask
        poll.append(f"polling {done} of {total} feeds" if total else "polling…", "bold yellow")
    elif state.next_poll is not None:
        when = f"{timefmt.clock(state.next_poll, now)} {timefmt.zone_label(state.next_poll)}"
        poll.append(f"next poll {when}")
    else:
        poll.append("no poll scheduled", "dim")
    last = (
        Text("last poll " + one_line(state.last_poll), "dim", no_wrap=True, end="")
        if state.last_poll
        else None
    )
    parts = [part for part in (shown, poll, last) if part is not None]
    # What must stay in sight at any width: an outage and a broken feeds.toml.
    sticky = Text(no_wrap=True, end="")
    if state.down:
        feeds = "feed" if state.down == 1 else "feeds"
        since = f" since {timefmt.clock(state.down_since, now)}" if state.down_since else ""
        sticky.append(f" {state.down} {feeds} down{since} ", "bold reverse red")
    if state.config_error:
        sticky.append(" feeds.toml broken (last good config in use): ", "bold red")
        sticky.append(one_line(state.config_error), "red")
    if sticky.cell_len:
        # an outage and a broken config push the rest out, never the other way round
        parts = [sticky, *parts]
    while True:
        text = Text(no_wrap=True, end="")
        text.append(" monitor ", "bold reverse")
        for n, part in enumerate(parts):
            text.append("  │  " if n else "  ", "dim")
            text.append_text(part)
        if width is None or text.cell_len <= width or len(parts) == 1:
            break
        parts.pop()
    if width is not None:
        text.truncate(width, overflow="ellipsis")
    return text


class StatusLine(Static):
    """One line at the top of the screen."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.state = StatusState()
        self.now: datetime | None = None

    def set_state(self, state: StatusState, now: datetime) -> None:
        """Redraw the line. Its size never changes (one row, the screen's width), so no
        layout pass: that reflowed the whole screen at every poll progress step (~5 ms of
        the event loop each, 200 times a poll)."""
        self.state, self.now = state, now
        self.update(status_text(state, now, self.size.width or None), layout=False)

    def on_resize(self) -> None:
        if self.now is not None:
            self.update(status_text(self.state, self.now, self.size.width or None), layout=False)
