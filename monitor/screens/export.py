"""The export dialog: since, watchlist and file, then the app writes the briefing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from monitor.errors import MonitorError
from monitor.export import parse_since


@dataclass(frozen=True, slots=True)
class ExportRequest:
    since: str
    watchlist: str | None  # None: every watchlist
    path: Path


def default_export_path(now: datetime, home: Path | None = None) -> Path:
    """``~/monitor-briefing-YYYY-MM-DD.md``, or in the current dir when there is no home."""
    name = f"monitor-briefing-{now:%Y-%m-%d}.md"
    try:
        base = home or Path.home()
    except RuntimeError:
        base = Path.cwd()
    return base / name


class ExportScreen(ModalScreen[ExportRequest | None]):
    """Enter writes, esc cancels. Checked before it closes: a bad "since" or an existing
    file (write again to overwrite) keeps the dialog open with the reason shown."""

    BINDINGS = [Binding("escape", "cancel", "Cancel export")]

    def __init__(self, default_path: Path, watchlists: list[str], now: datetime) -> None:
        super().__init__()
        self.default_path = default_path
        self.watchlists = watchlists
        self.now = now
        self._confirmed: Path | None = None  # the existing file the user agreed to replace

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box") as box:
            box.border_title = "Export briefing"
            yield Label("Since (e.g. 7d, 24h, 2025-10-01)")
            yield Input("7d", id="export-since")
            yield Label("Watchlist")
            yield Select(
                [(name, name) for name in self.watchlists],
                prompt="All watchlists",
                id="export-watchlist",
            )
            yield Label("File")
            yield Input(str(self.default_path), id="export-path")
            yield Static("", id="export-error")
            with Horizontal(id="export-buttons"):
                yield Button("Write", variant="primary", id="export-write")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one("#export-since", Input).focus()

    def request(self) -> ExportRequest:
        since = self.query_one("#export-since", Input).value.strip() or "7d"
        choice = self.query_one("#export-watchlist", Select).value
        watchlist = choice if isinstance(choice, str) else None
        raw = self.query_one("#export-path", Input).value.strip()
        path = Path(raw).expanduser() if raw else self.default_path
        return ExportRequest(since, watchlist, path)

    def problem(self, request: ExportRequest) -> str | None:
        """Why ``request`` cannot be written as it is, or None."""
        try:
            parse_since(request.since, self.now)
        except MonitorError as exc:
            return "Since: " + str(exc).removeprefix("--since: ")
        if request.path.is_dir():
            return f"File: {request.path} is a folder"
        if request.path.exists() and request.path != self._confirmed:
            self._confirmed = request.path
            self.query_one("#export-write", Button).label = "Overwrite"
            return f"File: {request.path} exists. Write again to overwrite it."
        return None

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
