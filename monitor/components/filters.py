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
    """Case-folded ``title + summary`` per item of one items snapshot.

    Built off the event loop by the view worker (:func:`SearchIndex.build`); :meth:`texts`
    still builds it on demand for a list it does not cover (small histories, tests).
    """

    def __init__(self, items: Sequence[Item] | None = None, texts: list[str] | None = None) -> None:
        self._items: Sequence[Item] | None = items
        self._texts: list[str] = texts if texts is not None else []

    @classmethod
    def build(cls, items: Sequence[Item]) -> SearchIndex:
        """Index ``items`` (pure Python, one short C call per item: fine in a thread)."""
        return cls(items, [f"{i.title}\n{i.summary}".casefold() for i in items])

    def covers(self, items: Sequence[Item]) -> bool:
        return self._items is items

    def texts(self, items: Sequence[Item]) -> list[str]:
        if self._items is not items:
            self._texts = SearchIndex.build(items)._texts
            self._items = items
        return self._texts

    def search(self, items: Sequence[Item], query: str, rows: Sequence[int] | None = None) -> list[int]:
        """The indices (of ``rows``, default all) whose text contains ``query``, any case."""
        needle = query.casefold()
        texts = self.texts(items)
        if rows is None:
            return [i for i, text in enumerate(texts) if needle in text]
        return [i for i in rows if needle in texts[i]]


def filter_rows(items: Sequence[Item], flt: ItemFilter, index: SearchIndex | None = None) -> list[int]:
    """Indices into ``items`` of the items ``flt`` lets through, in order."""
    if not flt.active:
        return list(range(len(items)))
    rows: Sequence[int] | None = None
    if flt.query:
        rows = (index or SearchIndex()).search(items, flt.query)
    if flt.feed is not None:
        feed = flt.feed
        rows = [i for i in (rows if rows is not None else range(len(items))) if items[i].feed == feed]
    if flt.watchlist is not None:
        wl = flt.watchlist
        rows = [i for i in (rows if rows is not None else range(len(items)))
                if any(m.watchlist == wl for m in items[i].matches)]
    return live_filter(items, flt, rows)


def live_filter(items: Sequence[Item], flt: ItemFilter, rows: Sequence[int] | None) -> list[int]:
    """Apply the filters on state that changes under the user (flagged, read) to ``rows``."""
    rows = range(len(items)) if rows is None else rows
    if flt.flagged_only:
        rows = [i for i in rows if items[i].flagged]
    if flt.unread_only:
        rows = [i for i in rows if not items[i].read]
    return rows if isinstance(rows, list) else list(rows)
