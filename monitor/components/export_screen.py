"""The export dialog: since, watchlist and file, then the app writes the briefing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


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
    """Enter writes, esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel export")]

    def __init__(self, default_path: Path, watchlists: list[str]) -> None:
        super().__init__()
        self.default_path = default_path
        self.watchlists = watchlists

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box") as box:
            box.border_title = "Export briefing"
            yield Label("Since (e.g. 7d, 24h, 2025-10-01)")
            yield Input("7d", id="export-since")
            names = ", ".join(self.watchlists) or "none configured"
            yield Label(f"Watchlist (empty: all; {names})", markup=False)
            yield Input("", placeholder="all", id="export-watchlist")
            yield Label("File")
            yield Input(str(self.default_path), id="export-path")
            with Horizontal(id="export-buttons"):
                yield Button("Write", variant="primary", id="export-write")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one("#export-since", Input).focus()

    def request(self) -> ExportRequest:
        since = self.query_one("#export-since", Input).value.strip() or "7d"
        watchlist = self.query_one("#export-watchlist", Input).value.strip() or None
        raw = self.query_one("#export-path", Input).value.strip()
        path = Path(raw).expanduser() if raw else self.default_path
        return ExportRequest(since, watchlist, path)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(self.request())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(self.request() if event.button.id == "export-write" else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
