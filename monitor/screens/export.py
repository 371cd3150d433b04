"""The export dialog: it starts from the current view (watchlist, feed, flagged), proposes a
file named for the watchlist and the day in the last folder used, says how many items it
will write, and offers Markdown or JSON; then the main screen writes it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from monitor import timefmt
from monitor.errors import MonitorError
from monitor.export import parse_since

Format = Literal["markdown", "json"]
SUFFIX: dict[Format, str] = {"markdown": ".md", "json": ".jsonl"}


@dataclass(frozen=True, slots=True)
class ExportRequest:
    since: str
    watchlist: str | None  # None: every watchlist
    path: Path
    feed: str | None = None  # None: every feed
    flagged_only: bool = True
    format: Format = "markdown"


def export_name(now: datetime, watchlist: str | None, fmt: Format = "markdown") -> str:
    """``briefing-purl-2025-12-01.md``: the watchlist (when one) and the day, in the zone."""
    slug = re.sub(r"[^\w]+", "-", (watchlist or "").casefold()).strip("-")
    day = timefmt.iso_day(now)
    return f"briefing-{slug}-{day}{SUFFIX[fmt]}" if slug else f"briefing-{day}{SUFFIX[fmt]}"


def default_export_path(
    now: datetime,
    home: Path | None = None,
    watchlist: str | None = None,
    fmt: Format = "markdown",
) -> Path:
    """The proposed file, in ``home`` (the last folder used), else the home folder, else
    the current one."""
    try:
        base = home or Path.home()
    except RuntimeError:
        base = Path.cwd()
    return base / export_name(now, watchlist, fmt)


class ExportScreen(ModalScreen[ExportRequest | None]):
    """Enter writes, esc cancels. Checked before it closes: a bad "since" or an existing
    file (write again to overwrite) keeps the dialog open with the reason shown."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel export")]

    def __init__(
        self,
        folder: Path | None,
        watchlists: list[str],
        now: datetime,
        *,
        start: ExportRequest | None = None,
        count: Callable[[ExportRequest], int] | None = None,
    ) -> None:
        """``folder``: where the file is proposed (the last folder used); ``start``: the
        current view's watchlist, feed and flagged filter; ``count(request)``: how many
        items ``request`` would write."""
        super().__init__()
        self.folder = folder
        self.watchlists = watchlists
        self.now = now
        self.start = start or ExportRequest("7d", None, default_export_path(now, folder))
        self.count = count
        self._confirmed: Path | None = None  # the existing file the user agreed to replace
        self._proposed = str(self.start.path)  # replaced as the choices change, until edited

    def compose(self) -> ComposeResult:
        start = self.start
        with Vertical(id="export-box") as box:
            box.border_title = "Export briefing"
            yield Label("Since (e.g. 7d, 24h, 2025-10-01)")
            yield Input(start.since, id="export-since")
            yield Label("Watchlist")
            yield Select(
                [(name, name) for name in self.watchlists],
                prompt="All watchlists",
                id="export-watchlist",
                value=start.watchlist if start.watchlist in self.watchlists else Select.NULL,
            )
            yield Checkbox("Only flagged items", start.flagged_only, id="export-flagged")
            yield Label("Format")
            yield Select(
                [("Markdown briefing", "markdown"), ("JSON lines", "json")],
                value=start.format,
                allow_blank=False,
                id="export-format",
            )
            yield Label("File")
            yield Input(str(start.path), id="export-path")
            yield Static("", id="export-count")
            yield Static("", id="export-error")
            with Horizontal(id="export-buttons"):
                yield Button("Write", variant="primary", id="export-write")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one("#export-since", Input).focus()
        self._update_count()

    def request(self) -> ExportRequest:
        since = self.query_one("#export-since", Input).value.strip() or "7d"
        choice = self.query_one("#export-watchlist", Select).value
        watchlist = choice if isinstance(choice, str) else None
        fmt: Format = (
            "json" if self.query_one("#export-format", Select).value == "json" else "markdown"
        )
        raw = self.query_one("#export-path", Input).value.strip()
        path = (
            Path(raw).expanduser()
            if raw
            else default_export_path(self.now, self.folder, watchlist, fmt)
        )
        flagged = self.query_one("#export-flagged", Checkbox).value
        return replace(
            self.start,
            since=since,
            watchlist=watchlist,
            path=path,
            flagged_only=flagged,
            format=fmt,
        )

    def problem(self, request: ExportRequest) -> str | None:
        """Why ``request`` cannot be written as it is, or None."""
        try:
            parse_since(request.since, self.now)
        except MonitorError as exc:
            return f"Since: {exc}"
        if request.path.is_dir():
            return f"File: {request.path} is a folder"
        if request.path.exists() and request.path != self._confirmed:
            self._confirmed = request.path
            self.query_one("#export-write", Button).label = "Overwrite"
            return f"File: {request.path} exists. Write again to overwrite it."
        return None

    def _update_count(self) -> None:
        if self.count is None:
            return
        request = self.request()
        try:
            parse_since(request.since, self.now)
        except MonitorError:
            return  # the count of the last valid choice stays until "since" is valid again
        n = self.count(request)
        scope = f" from {request.feed}" if request.feed else ""
        self.query_one("#export-count", Static).update(
            Text(f"{n} item{'s' if n != 1 else ''}{scope} will be written.")
        )

    def _propose_path(self) -> None:
        """Follow the watchlist and format in the file name until the user edits it."""
        path_input = self.query_one("#export-path", Input)
        if path_input.value != self._proposed:
            return
        request = self.request()
        folder = Path(self._proposed).parent
        self._proposed = str(folder / export_name(self.now, request.watchlist, request.format))
        path_input.value = self._proposed

    def submit(self) -> None:
        request = self.request()
        problem = self.problem(request)
        if problem is None:
            self.dismiss(request)
            return
        error = self.query_one("#export-error", Static)
        error.update(Text(problem))
        error.display = True

    @on(Input.Changed, "#export-path")
    def _path_changed(self) -> None:
        self._confirmed = None
        self.query_one("#export-write", Button).label = "Write"

    @on(Input.Changed, "#export-since")
    @on(Checkbox.Changed)
    def _scope_changed(self) -> None:
        self._update_count()

    @on(Select.Changed)
    def _choice_changed(self) -> None:
        self._propose_path()
        self._update_count()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "export-write":
            self.submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
