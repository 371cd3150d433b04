"""Morning triage on the main screen: pin, note, next/previous unread, mark the view read,
copy a link truthfully; and the two small dialogs they use.

Every action works on the highlighted row of the item list, whichever pane has focus: the
detail pane only ever shows that row.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from monitor.clipboard import copy_with_tool
from monitor.components.safe_text import one_line
from monitor.messages import LinkCopied
from monitor.models import Item
from monitor.screens.feed import FeedScreen
from monitor.summary import feed_facts

if TYPE_CHECKING:
    from monitor.screens.main import MainScreen

CONFIRM_ABOVE = 50  # "A" asks first when the view holds more unread items than this

LEGEND = (
    ("★", "pinned: a key development, first in the briefing"),
    ("⚑", "flagged (a watchlist matched, or by hand)"),
    ("●", "unread"),
    ("✦", "unread and new since you last looked"),
    ("~", "before a time: the item has no date; the time it was first seen"),
    (
        "●  ✗  ‖  ○  –",
        "feeds: answering, failing, waiting (backoff or Retry-After), not polled yet, disabled",
    ),
)


def help_more(config_path: Path, history_path: Path) -> Text:
    """The legend of the list's and the panels' signs, and the files in use."""
    text = Text(end="")
    text.append("Signs\n", "bold underline")
    for sign, meaning in LEGEND:
        text.append(f"  {sign:<22}", "bold")
        text.append(f"{meaning}\n")
    text.append("\nFiles\n", "bold underline")
    text.append("  config                ", "bold")
    text.append(f"{config_path}\n")
    text.append("  history               ", "bold")
    text.append(f"{history_path}\n")
    return text


class NoteScreen(ModalScreen[str | None]):
    """One line of note for an item: enter keeps it (empty removes it), esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, note: str) -> None:
        super().__init__()
        self.item_title = title
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box", classes="dialog") as box:
            box.border_title = "Note"
            yield Label(Text(one_line(self.item_title)[:200]))
            yield Input(
                self.note, placeholder="why it matters (empty removes the note)", id="note-input"
            )
            yield Static(
                Text("enter keeps it in the history and the briefing · esc cancels", style="dim")
            )

    def on_mount(self) -> None:
        self.query_one("#note-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question: y or enter says yes, n or esc says no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog") as box:
            box.border_title = "Confirm"
            yield Static(Text(self.question))
            yield Static(Text("y: yes · n: no", style="dim"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class TriageActions:
    """Actions of :class:`~monitor.screens.main.MainScreen` for triage (a mixin)."""

    def action_pin(self: MainScreen) -> None:
        """Pin the highlighted item as a key development (first in the briefing), or unpin."""
        item = self.item_list.current
        if item is None:
            return
        pinned = not item.pinned
        self.queue_write(lambda h, i=item.id: h.set_pinned(i, pinned), item)
        self.monitor.tell(
            ("Pinned as a key development: " if pinned else "Unpinned: ")
            + one_line(item.title)[:80]
        )

    def action_note(self: MainScreen) -> None:
        item = self.item_list.current
        if item is None:
            return

        def chosen(note: str | None) -> None:
            if note is not None and note.strip() != item.note:
                self.queue_write(lambda h, i=item.id: h.set_note(i, note), item)

        self.app.push_screen(NoteScreen(item.title, item.note), chosen)

    def action_next_unread(self: MainScreen) -> None:
        if not self.item_list.move_to(lambda it: not it.read, step=1):
            self.monitor.tell("No unread item below in this view.")

    def action_previous_unread(self: MainScreen) -> None:
        if not self.item_list.move_to(lambda it: not it.read, step=-1):
            self.monitor.tell("No unread item above in this view.")

    def action_mark_view_read(self: MainScreen) -> None:
        """Mark every item of the current view read (asks first above CONFIRM_ABOVE)."""
        unread = [it.id for it in self.item_list.visible_items() if not it.read]
        if not unread:
            self.monitor.tell("Nothing unread in this view.")
            return

        def mark(yes: bool | None = True) -> None:
            if yes:
                self.queue_write(lambda h: h.set_read_many(unread, True))
                plural = "s" if len(unread) != 1 else ""
                self.monitor.tell(f"Marked {len(unread)} item{plural} read.")

        if len(unread) > CONFIRM_ABOVE:
            self.app.push_screen(
                ConfirmScreen(f"Mark {len(unread):,} items in this view read?"), mark
            )
        else:
            mark()

    def action_feed_details(self: MainScreen) -> None:
        """The feed highlighted in the feeds panel (when it has focus), else the feed of
        the highlighted item, else the feed filter."""
        name = None
        if self.focused is self.feeds_panel:
            highlighted = self.feeds_panel.highlighted
            if highlighted is not None:
                name = self.feeds_panel.names[highlighted]
        if name is None and self.item_list.current is not None:
            name = self.item_list.current.feed
        name = name or self.filter.feed
        feed = self.config.feed(name) if name else None
        if feed is None:
            self.monitor.tell("No feed to show: highlight one in the feeds panel.")
            return
        facts, per_day = feed_facts(feed, self.view.states.get(feed.name), self.items, self.now())
        self.app.push_screen(FeedScreen(feed.name, facts, per_day))

    def action_copy_link(self: MainScreen) -> None:
        item = self.item_list.current
        if item is None or not item.link.strip():
            self.monitor.tell("This item has no link.", severity="warning")
            return
        self.copy_link(item)

    @work(thread=True, group="clipboard", exit_on_error=False)
    def copy_link(self: MainScreen, item: Item) -> None:
        """A clipboard tool when there is one (it can say it worked); else OSC 52."""
        self.post_message(LinkCopied(item.link, copy_with_tool(item.link)))

    def on_link_copied(self: MainScreen, message: LinkCopied) -> None:
        link = one_line(message.link)[:80]
        if message.tool:
            self.monitor.tell(f"Copied to the clipboard ({message.tool}): {link}")
            return
        # No tool: the terminal's clipboard escape, which tmux or the terminal may drop.
        self.app.copy_to_clipboard(message.link)
        self.monitor.tell(
            f"Sent to the terminal's clipboard (no clipboard tool found; "
            f"some terminals and tmux ignore it): {link}"
        )
