"""The main screen's export: the dialog (started from the current view) and the worker that
writes the briefing with the same writer as ``monitor export``."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from textual import work

from monitor import briefing
from monitor.export import (
    parse_since,
    render_briefing,
    resolve_watchlist,
    select_items,
    write_briefing,
)
from monitor.messages import ExportWritten
from monitor.models import Item
from monitor.screens.export import ExportRequest, ExportScreen, default_export_path
from monitor.screens.main_view import ViewScreen
from monitor.stamps import LAST_EXPORT_FOLDER, read_note, write_note


class ExportHandling(ViewScreen):
    """``e``: export a briefing of the current view."""

    def action_export(self) -> None:
        """The dialog starts from the current view: its watchlist and feed, flagged items,
        a file named for them in the last folder used."""
        if self.wait_for_history("The briefing"):
            return
        now = self.now()
        kept = read_note(self.history.path, LAST_EXPORT_FOLDER)
        folder = Path(kept) if kept else self.monitor.export_dir
        flt = self.filter
        start = ExportRequest(
            "7d", flt.watchlist, default_export_path(now, folder, flt.watchlist), feed=flt.feed
        )
        names = [w.name for w in self.config.watchlists]
        self.app.push_screen(
            ExportScreen(
                folder, names, now, start=start, count=lambda r: len(self._export_items(r, now))
            ),
            self._export_chosen,
        )

    def _export_items(self, request: ExportRequest, now: datetime) -> list[Item]:
        items = select_items(
            self.history.items(),
            since=parse_since(request.since, now),
            watchlist=request.watchlist,
            include_all=not request.flagged_only,
        )
        return [i for i in items if request.feed is None or i.feed == request.feed]

    def _export_chosen(self, request: ExportRequest | None) -> None:
        if request is not None:
            self.export_briefing(request)

    @work(thread=True, group="export", exit_on_error=False)
    def export_briefing(self, request: ExportRequest) -> None:
        """The same writer as ``monitor export`` (:func:`monitor.export.write_briefing`)."""
        now = self.now()
        config = self.config
        names = [w.name for w in config.watchlists]
        watchlist = resolve_watchlist(names, request.watchlist) if names else request.watchlist
        request = replace(request, watchlist=watchlist)
        items = self._export_items(request, now)
        text = render_briefing(
            items,
            fmt=request.format,
            now=now,
            feeds=config.feeds,
            watchlist_order=names,
            since=parse_since(request.since, now),
            watchlist=watchlist,
            previous=briefing.previous_briefing(self.history.path),
            states=self.history.feed_states(),
        )
        path = request.path
        write_briefing(
            path,
            text,
            fmt=request.format,
            history_path=self.history.path,
            now=now,
            make_folder=True,
        )
        write_note(self.history.path, LAST_EXPORT_FOLDER, str(path.parent.resolve()))
        self.post_message(ExportWritten(path, len(items)))

    def on_export_written(self, message: ExportWritten) -> None:
        self.monitor.tell(f"Wrote {message.count} items to {message.path}")
