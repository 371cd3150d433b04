"""The search box: filters title + summary as you type."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input


class SearchBar(Input):
    """Hidden until ``/``; esc clears and hides it, enter returns to the list."""

    BINDINGS = [
        Binding("escape", "screen.clear_search", "Clear search", show=False),
        Binding("down", "screen.focus_items", "To list", show=False),
        Binding("enter", "submit", "Back to the list, keep the search", show=False),
    ]
