"""The search box: filters title + summary as you type."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input


class SearchBar(Input):
    """Hidden until ``/``; esc clears and hides it, enter returns to the list."""

    BINDINGS = [
        Binding("escape", "app.clear_search", "Clear search", show=False),
        Binding("down", "app.focus_items", "To list", show=False),
    ]
