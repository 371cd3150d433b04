"""The "save this search" dialog: a name for the current query, checked before it closes."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from monitor.text import one_line


class SaveSearchScreen(ModalScreen[str | None]):
    """Enter saves under the name typed, esc cancels; a name in use keeps the dialog open."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, query: str, taken: set[str]) -> None:
        super().__init__()
        self.search_query = query
        self.taken = taken

    def compose(self) -> ComposeResult:
        with Vertical(id="save-search-box") as box:
            box.border_title = "Save search"
            yield Static(Text(one_line(self.search_query)), id="save-search-query")
            yield Label("Name (shown in the sidebar)")
            yield Input(id="save-search-name")
            yield Static("", id="save-search-error")

    def on_mount(self) -> None:
        self.query_one("#save-search-name", Input).focus()

    def problem(self, name: str) -> str | None:
        if not name:
            return "Give the search a name."
        if not name.isprintable():
            return "The name must be on one line."
        if name in self.taken:
            return f'A saved search is already called "{name}".'
        return None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.value.strip()
        problem = self.problem(name)
        if problem is None:
            self.dismiss(name)
            return
        error = self.query_one("#save-search-error", Static)
        error.update(Text(problem))
        error.display = True

    def action_cancel(self) -> None:
        self.dismiss(None)
