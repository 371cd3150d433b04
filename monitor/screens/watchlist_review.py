"""Review a feeds.toml edit of watchlists before the history is retagged: gained, lost.

The app opens it with ``W`` after an edit added, removed or changed a watchlist (a new one
only gains items, a removed one only loses them); ``a`` applies the edit (retag), ``escape``
keeps today's tags (the edit waits; ``W`` again to review it).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from monitor import timefmt
from monitor.backtest import Backtest, hit_line
from monitor.text import one_line, shorten, strip_escapes

MAX_LISTED = 200  # per list: enough to judge an edit, cheap to render


def review_text(results: list[Backtest]) -> Text:
    """The gained and lost items of each edited watchlist, as plain Rich text (no markup)."""
    out = Text()
    for result in results:
        out.append(result.summary + "\n", style="bold")
        for label, changes, prefix in (
            ("Gained", result.gained, ""),
            ("Lost", result.lost, "was: "),
        ):
            if not changes:
                continue
            out.append(f"  {label} ({len(changes)}):\n", style="bold")
            for change in changes[:MAX_LISTED]:
                item = change.item
                when = timefmt.local(item.time).strftime("%Y-%m-%d %H:%M")
                title = shorten(one_line(strip_escapes(item.title)), 100) or "(no title)"
                out.append(f"    {when}  {one_line(strip_escapes(item.feed))}  {title}\n")
                if change.matches:
                    out.append(f"        {prefix}{hit_line(change.matches[0])}\n", style="dim")
            if len(changes) > MAX_LISTED:
                out.append(
                    f"    … and {len(changes) - MAX_LISTED} more "
                    "(monitor watchlist test lists them all)\n",
                    style="dim",
                )
        if not result.gained and not result.lost:
            out.append("  No item would change.\n")
        out.append("\n")
    return out


class WatchlistReviewScreen(ModalScreen[bool]):
    """Dismissed with True to apply the edit and retag, False to keep today's tags."""

    BINDINGS = [
        Binding("a", "apply", "Apply and retag"),
        Binding("escape,q", "later", "Not now"),
        Binding("j", "scroll('down')", "Down", show=False),
        Binding("k", "scroll('up')", "Up", show=False),
    ]

    DEFAULT_CSS = """
    WatchlistReviewScreen { align: center middle; }
    #review-box { width: 90%; height: 85%; border: round $accent; background: $surface; }
    #review-help { dock: bottom; height: 1; color: $text-muted; }
    """

    def __init__(self, results: list[Backtest], source: str) -> None:
        super().__init__()
        self.results = results
        self.source = source

    def compose(self) -> ComposeResult:
        with Vertical(id="review-box") as box:
            box.border_title = f"{self.source}: watchlist edit, before retagging"
            with VerticalScroll(id="review-scroll"):
                yield Static(review_text(self.results), id="review-text")
            yield Static(
                Text("a apply and retag · esc keep today's tags for now"), id="review-help"
            )

    def action_scroll(self, direction: str) -> None:
        scroll = self.query_one("#review-scroll", VerticalScroll)
        scroll.scroll_relative(y=1 if direction == "down" else -1, animate=False)

    def action_apply(self) -> None:
        self.dismiss(True)

    def action_later(self) -> None:
        self.dismiss(False)
