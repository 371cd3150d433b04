"""Morning triage on the main screen: pin, note, next/previous unread, mark the view read,
feed details, copy a link truthfully; and the small dialogs they use.

Every action works on the highlighted row of the item list, whichever pane has focus: the
detail pane only ever shows that row.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from monitor.clipboard import copy_with_tool
from monitor.messages import LinkCopied
from monitor.screens.feed import FeedScreen
from monitor.summary import feed_facts
from monitor.text import one_line

if TYPE_CHECKING:
    from monitor.history import History
    from monitor.screens.main_items import ItemActions

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


# The main screen's triage actions: each takes the screen (its thin action_* methods call
# them), so this module stays beside it rather than inside it.


def pin(screen: ItemActions) -> None:
    """Pin the highlighted item as a key development (first in the briefing), or unpin."""
    item = screen.item_list.current
    if item is None:
        return
    item_id, pinned = item.id, not item.pinned

    def change(history: History) -> object:
        return history.set_pinned(item_id, pinned)

    screen.queue_write(change, item)
    screen.monitor.tell(
        ("Pinned as a key development: " if pinned else "Unpinned: ") + one_line(item.title)[:80]
    )


def note(screen: ItemActions) -> None:
    """Ask for a note on the highlighted item; enter keeps it, esc leaves it as it was."""
    item = screen.item_list.current
    if item is None:
        return
    item_id, before = item.id, item.note

    def chosen(text: str | None) -> None:
        if text is None or text.strip() == before:
            return

        def change(history: History) -> object:
            return history.set_note(item_id, text)

        screen.queue_write(change, item)

    screen.app.push_screen(NoteScreen(item.title, item.note), chosen)


def next_unread(screen: ItemActions, step: int) -> None:
    """Move to the next (``step`` 1) or previous (-1) unread row of the view."""
    if not screen.item_list.move_to(lambda it: not it.read, step=step):
        where = "below" if step > 0 else "above"
        screen.monitor.tell(f"No unread item {where} in this view.")


def mark_view_read(screen: ItemActions) -> None:
    """Mark every item of the current view read (asks first above CONFIRM_ABOVE)."""
    unread = [it.id for it in screen.item_list.visible_items() if not it.read]
    if not unread:
        screen.monitor.tell("Nothing unread in this view.")
        return

    def change(history: History) -> object:
        return history.set_read_many(unread, True)

    def mark(yes: bool | None = True) -> None:
        if yes:
            screen.queue_write(change)
            plural = "s" if len(unread) != 1 else ""
            screen.monitor.tell(f"Marked {len(unread)} item{plural} read.")

    if len(unread) > CONFIRM_ABOVE:
        screen.app.push_screen(
            ConfirmScreen(f"Mark {len(unread):,} items in this view read?"), mark
        )
    else:
        mark()


def feed_details(screen: ItemActions) -> None:
    """The feed highlighted in the feeds panel (when it has focus), else the feed of the
    highlighted item, else the feed filter."""
    name: str | None = None
    panel = screen.feeds_panel
    if screen.focused is panel and panel.highlighted is not None:
        name = panel.names[panel.highlighted]
    if name is None and screen.item_list.current is not None:
        name = screen.item_list.current.feed
    name = name or screen.filter.feed
    feed = screen.config.feed(name) if name else None
    if feed is None:
        screen.monitor.tell("No feed to show: highlight one in the feeds panel.")
        return
    facts, per_day = feed_facts(feed, screen.view.states.get(feed.name), screen.items, screen.now())
    screen.app.push_screen(FeedScreen(feed.name, facts, per_day))


def copy_link(screen: ItemActions) -> None:
    """Copy the highlighted item's link with a clipboard tool in a worker thread; the
    answer comes back as :class:`LinkCopied` (see :func:`link_copied`)."""
    item = screen.item_list.current
    if item is None or not item.link.strip():
        screen.monitor.tell("This item has no link.", severity="warning")
        return
    link = item.link

    def copy() -> None:
        screen.post_message(LinkCopied(link, copy_with_tool(link)))

    screen.run_worker(copy, thread=True, group="clipboard", exit_on_error=False)


def link_copied(screen: ItemActions, message: LinkCopied) -> None:
    link = one_line(message.link)[:80]
    if message.tool:
        screen.monitor.tell(f"Copied to the clipboard ({message.tool}): {link}")
        return
    # No tool: the terminal's clipboard escape, which tmux or the terminal may drop.
    screen.app.copy_to_clipboard(message.link)
    screen.monitor.tell(
        f"Sent to the terminal's clipboard (no clipboard tool found; "
        f"some terminals and tmux ignore it): {link}"
    )
