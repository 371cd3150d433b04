"""The search box: the query language (monitor.query) as you type, errors shown in place."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input

from monitor.query import QueryError
from monitor.text import one_line


class SearchBar(Input):
    """Hidden until ``/``; esc clears and hides it, enter returns to the list.

    A query that cannot be used yet (an open quote, a dangling OR) turns the border red and
    says what and at which column in it; the list keeps the last good result meanwhile.
    """

    BINDINGS = [
        Binding("escape", "screen.clear_search", "Clear search", show=False),
        Binding("down", "screen.focus_items", "To list", show=False),
        Binding("enter", "submit", "Back to the list, keep the search", show=False),
    ]

    error: QueryError | None = None

    def show_error(self, error: QueryError | None, *, offset: int = 0) -> None:
        """Show ``error`` (None: clear it); ``offset`` is what the query lost to strip()."""
        self.error = error
        if error is None:
            self.border_subtitle = None
            self.remove_class("-query-error")
            return
        self.border_subtitle = one_line(f"column {error.position + offset + 1}: {error.message}")
        self.add_class("-query-error")
