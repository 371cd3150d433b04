"""Which items the list shows: a filter value and a cheap index computation."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from monitor.models import Item


@dataclass(frozen=True, slots=True)
class ItemFilter:
    """Every active filter; they combine (all must hold)."""

    query: str = ""
    feed: str | None = None
    watchlist: str | None = None
    flagged_only: bool = False
    unread_only: bool = False

    @property
    def active(self) -> bool:
        return self != ItemFilter()

    def with_(self, **changes: object) -> ItemFilter:
        return replace(self, **changes)  # type: ignore[arg-type]

    def describe(self) -> list[str]:
        """Short labels for the status line."""
        parts = []
        if self.flagged_only:
            parts.append("flagged")
        if self.unread_only:
            parts.append("unread")
        if self.feed:
            parts.append(f"feed: {self.feed}")
        if self.watchlist:
            parts.append(f"watchlist: {self.watchlist}")
        if self.query:
            parts.append(f"/{self.query}")
        return parts


class SearchIndex:
    """Case-folded ``title + summary`` per item, built once per item list on first search."""

    def __init__(self) -> None:
        self._items: Sequence[Item] | None = None
        self._texts: list[str] = []

    def texts(self, items: Sequence[Item]) -> list[str]:
        if self._items is not items:
            self._texts = [f"{i.title}\n{i.summary}".casefold() for i in items]
            self._items = items
        return self._texts


def filter_rows(items: Sequence[Item], flt: ItemFilter, index: SearchIndex | None = None) -> list[int]:
    """Indices into ``items`` of the items ``flt`` lets through, in order."""
    if not flt.active:
        return list(range(len(items)))
    feed, wl = flt.feed, flt.watchlist
    flagged, unread = flt.flagged_only, flt.unread_only
    rows = range(len(items))
    if flt.query:
        needle = flt.query.casefold()
        texts = (index or SearchIndex()).texts(items)
        rows = [i for i in rows if needle in texts[i]]
    return [
        i
        for i in rows
        if (feed is None or items[i].feed == feed)
        and (not unread or not items[i].read)
        and (not flagged or items[i].flagged)
        and (wl is None or any(m.watchlist == wl for m in items[i].matches))
    ]
