"""The help screen: every key, generated from the bindings of the screen and its widgets."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "space": "space",
    "escape": "esc",
    "enter": "enter",
    "down": "↓",
    "up": "↑",
}


def key_label(key: str) -> str:
    return KEY_NAMES.get(key, key)


def binding_rows(
    sections: Iterable[tuple[str, Iterable[BindingType]]],
) -> list[tuple[str, str, str]]:
    """(section, keys, description) for every described binding, keys of one action merged."""
    rows: list[tuple[str, str, str]] = []
    for section, bindings in sections:
        merged: dict[str, tuple[list[str], str]] = {}
        for binding in Binding.make_bindings(bindings):
            if not binding.description:
                continue
            keys, _ = merged.setdefault(binding.action, ([], binding.description))
            label = key_label(binding.key)
            if label not in keys:
                keys.append(label)
        for keys, description in merged.values():
            rows.append((section, ", ".join(keys), description))
    return rows


def help_text(rows: list[tuple[str, str, str]]) -> Text:
    text = Text(end="")
    section = None
    for name, keys, description in rows:
        if name != section:
            if section is not None:
                text.append("\n")
            text.append(f"{name}\n", "bold underline")
            section = name
        text.append(f"  {keys:<22}", "bold")
        text.append(f"{description}\n")
    text.append("\nAll actions are also in the command palette (ctrl+p).", "dim")
    return text


class HelpScreen(ModalScreen[None]):
    """Lists every key; any of esc, q or ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close help"),
        Binding("j", "scroll('down')", "Scroll", show=False),
        Binding("k", "scroll('up')", "Scroll", show=False),
    ]

    def __init__(self, rows: list[tuple[str, str, str]], more: Text | None = None) -> None:
        """``more``: what follows the keys (the legend, the files in use)."""
        super().__init__()
        self.rows = rows
        self.more = more

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            box.border_title = "Keys"
            text = help_text(self.rows)
            if self.more is not None:
                text.append("\n\n")
                text.append_text(self.more)
            yield Static(text, id="help-text")

    def action_scroll(self, direction: str) -> None:
        box = self.query_one("#help-box", VerticalScroll)
        box.scroll_relative(y=1 if direction == "down" else -1, animate=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
