"""The main screen's item actions: flag, read, open the link, expand a story, and the
triage keys (:mod:`monitor.screens.triage`); every change to the history goes through one
FIFO write queue (:class:`~monitor.writes.WriteQueue`) drained by a thread worker."""

from __future__ import annotations

import webbrowser
from functools import partial
from urllib.parse import urlsplit

from textual import on, work
from textual.app import SuspendNotSupported

from monitor.components.item_list import ItemList
from monitor.history import History
from monitor.messages import LinkCopied, LinkOpened, OpenInTerminal, WriteApplied
from monitor.models import Item
from monitor.screens import triage
from monitor.screens.main_view import ViewScreen
from monitor.text import one_line
from monitor.view import adjust_counts
from monitor.writes import Change, toggle_flag, toggle_read


def terminal_browser() -> bool:
    """The default browser runs in this terminal (lynx, w3m…: no display to open a window on)."""
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    return isinstance(browser, webbrowser.GenericBrowser) and not isinstance(
        browser, webbrowser.BackgroundBrowser
    )


class ItemActions(ViewScreen):
    """What the keys do to the highlighted item (and its story)."""

    @on(ItemList.Highlighted)
    def _show_detail(self, event: ItemList.Highlighted) -> None:
        self.show_detail(event.item)

    @on(ItemList.Opened)
    def _open_item(self, event: ItemList.Opened) -> None:
        # Focus stays in the list: j/k keep moving and every key acts on the highlighted
        # row, which the detail pane follows (tab goes to the detail pane to scroll it).
        self.show_detail(event.item)
        self.mark_read(event.item)

    # --- actions: triage (monitor/screens/triage.py) -------------------------------------

    def action_pin(self) -> None:
        triage.pin(self)

    def action_note(self) -> None:
        triage.note(self)

    def action_next_unread(self) -> None:
        triage.next_unread(self, 1)

    def action_previous_unread(self) -> None:
        triage.next_unread(self, -1)

    def action_mark_view_read(self) -> None:
        triage.mark_view_read(self)

    def action_feed_details(self) -> None:
        if not self.wait_for_history("Feed details"):
            triage.feed_details(self)

    def action_copy_link(self) -> None:
        triage.copy_link(self)

    def on_link_copied(self, message: LinkCopied) -> None:
        triage.link_copied(self, message)

    def action_toggle_story(self) -> None:
        item = self.item_list.current
        story = self.stories.story_of.get(item.id) if item is not None else None
        if story is None:
            self.monitor.tell("This item is not part of a story carried by other outlets.")
            return
        self.expanded ^= {story}
        self.refilter()

    # --- actions: the item under the cursor ---------------------------------------------

    def action_toggle_flag(self) -> None:
        item = self.item_list.current
        if item is not None:
            self.queue_write(partial(toggle_flag, item_id=item.id), item)

    def action_toggle_read(self) -> None:
        item = self.item_list.current
        if item is not None:
            self.queue_write(partial(toggle_read, item_id=item.id), item)

    def mark_read(self, item: Item) -> None:
        """Mark ``item`` read, and the items of its story in its language (never those
        linked across languages: those are only possibly the same story)."""
        ids = [
            i
            for i in self.stories.same_language(item.id)
            if (other := self.history.get(i)) is not None and not other.read
        ]
        if item.id not in ids and not item.read:
            ids.append(item.id)
        if len(ids) == 1 and ids[0] == item.id:
            self.queue_write(partial(History.set_read, item_id=item.id, read=True), item)
        elif ids:  # several items: the view is recounted after the write
            self.queue_write(partial(History.set_read_many, ids=tuple(ids), read=True), None)

    def action_open_link(self) -> None:
        item = self.item_list.current
        if item is None:
            return
        if not item.link.strip():
            self.monitor.tell("This item has no link.", severity="warning")
            return
        if urlsplit(item.link).scheme.lower() not in ("http", "https"):
            self.monitor.tell(
                f"Not opening a non-web link: {one_line(item.link)[:80]}", severity="warning"
            )
            return
        self.open_link(item, item.link)

    @work(thread=True, group="browser", exit_on_error=False)
    def open_link(self, item: Item, url: str) -> None:
        """Start the browser off the event loop; a terminal browser gets the terminal."""
        browser = self.monitor.browser
        if browser is webbrowser.open and terminal_browser():
            self.post_message(OpenInTerminal(item, url))
            return
        self.post_message(LinkOpened(item, url, bool(browser(url))))

    def on_open_in_terminal(self, message: OpenInTerminal) -> None:
        try:
            with self.app.suspend():
                opened = bool(webbrowser.open(message.url))
        except SuspendNotSupported:
            opened = False
        self.post_message(LinkOpened(message.item, message.url, opened))

    def on_link_opened(self, message: LinkOpened) -> None:
        if message.opened:
            self.mark_read(message.item)
        else:
            self.monitor.tell(
                f"No browser opened {one_line(message.url)[:80]} (y copies the link)",
                severity="warning",
            )

    # --- history writes (one FIFO queue, drained by thread workers) ---------------------

    def queue_write(self, change: Change, item: Item | None = None) -> None:
        """Apply ``change`` (to ``item``'s state) to the history in a thread, in the order
        the user asked (:class:`~monitor.writes.WriteQueue`)."""
        if self.writes.put(change, item):
            self._drain_writes()

    @work(thread=True, group="store", exit_on_error=False)
    def _drain_writes(self) -> None:
        self.writes.drain(
            self.history, lambda item, was, now: self.post_message(WriteApplied(item, was, now))
        )

    def on_write_applied(self, message: WriteApplied) -> None:
        """Redraw; the rows stay as they are (an item read in the unread-only view stays
        until the filter changes), only the counts follow."""
        item, was = message.item, message.was
        self._writes_done += 1
        self.item_list.refresh()
        self.show_detail(self.item_list.current)
        counts = self.view.counts
        if (
            item is not None
            and was is not None
            and counts is not None
            and self.history.get(item.id) is item
        ):
            adjust_counts(counts, item, *was, now=message.now)
            self.refresh_panels()
        else:  # the history reloaded other objects, or we cannot tell what changed
            self.rebuild_view()
