"""The feed detail view: one feed's URL, when it last answered, its last error in full,
and how many items it brought each day (the sidebar has room for a line of each)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from monitor.text import one_line

BAR_WIDTH = 30


def feed_text(name: str, facts: list[tuple[str, str]], per_day: list[tuple[str, int]]) -> Text:
    text = Text(end="")
    text.append(one_line(name) + "\n\n", "bold")
    for label, value in facts:
        text.append(f"{label:<13}", "dim")
        text.append(one_line(value) + "\n")
    text.append("\nItems per day\n", "bold")
    most = max((n for _, n in per_day), default=0) or 1
    for day, count in per_day:
        text.append(f"  {day}  {count:>4}  ")
        text.append("█" * max(1 if count else 0, round(BAR_WIDTH * count / most)), "green")
        text.append("\n")
    return text


class FeedScreen(ModalScreen[None]):
    """esc, q or i closes it; j/k scroll."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,i", "close", "Close"),
        Binding("j", "scroll(1)", "Scroll", show=False),
        Binding("k", "scroll(-1)", "Scroll", show=False),
    ]

    def __init__(self, name: str, facts: list[tuple[str, str]], per_day: list[tuple[str, int]]):
        super().__init__()
        self.feed_name = name
        self.facts = facts
        self.per_day = per_day

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="feed-box", classes="dialog") as box:
            box.border_title = "Feed"
            yield Static(feed_text(self.feed_name, self.facts, self.per_day), id="feed-text")

    def action_scroll(self, step: int) -> None:
        self.query_one("#feed-box", VerticalScroll).scroll_relative(y=step, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
