"""What the item list shows: the filters, the search index and one snapshot of the history.

Headless (no Textual): the main screen keeps an :class:`ItemFilter` and a :class:`ViewData`.

:func:`build_view` runs in the app's "view" thread worker after every history change: the
items newest first, the panel counts, the rows of each feed and watchlist; then the search
index (:mod:`monitor.search`, grown incrementally: a new snapshot indexes only unseen items).
:class:`RowFilter` answers every filter change from that, without a recount.
"""

from __future__ import annotations

import operator
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from itertools import accumulate
from operator import attrgetter, itemgetter
from typing import cast

from monitor import timefmt
from monitor.models import FeedState, Item, SavedSearch
from monitor.query import Query, QueryError, parse_query
from monitor.search import SearchIndex

# The UI opens the history with only this many newest items (a few milliseconds at any size),
# paints them, and reads the rest in a worker: more than the tallest screen, so paging down
# works while it loads.
FIRST_SCREEN_ITEMS = 300


@dataclass(frozen=True, slots=True)
class ItemFilter:
    """Every active filter; they combine (all must hold)."""

    query: str = ""
    feed: str | None = None
    watchlist: str | None = None
    flagged_only: bool = False
    unread_only: bool = False
    folder: str | None = None  # a feeds.toml folder: every feed in it (``folder_feeds``)
    folder_feeds: frozenset[str] = frozenset()
    since: datetime | None = None  # only items from then on (the Trends screen's range)

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
        if self.since is not None:
            parts.append(f"since {timefmt.iso_day(self.since)}")
        if self.feed:
            parts.append(f"feed: {self.feed}")
        if self.folder:
            parts.append(f"folder: {self.folder}")
        if self.watchlist:
            parts.append(f"watchlist: {self.watchlist}")
        if self.query:
            parts.append(f"/{self.query}")
        return parts


def parsed(text: str) -> Query:
    """The query of a filter; the screen only sets queries that parse (cached: one per text)."""
    return _parse_cached(text)


@lru_cache(maxsize=64)
def _parse_cached(text: str) -> Query:
    try:
        return parse_query(text)
    except QueryError:
        return parse_query("")  # never reached from the UI, which refuses such a filter


def filter_rows(
    items: Sequence[Item],
    flt: ItemFilter,
    index: SearchIndex | None = None,
    *,
    now: datetime | None = None,
) -> list[int]:
    """Indices into ``items`` of the items ``flt`` lets through, in order."""
    if not flt.active:
        return list(range(len(items)))
    rows: Sequence[int] | None = None
    if flt.query:
        if index is None or not index.covers(items):
            index = SearchIndex.build(items)
        rows = index.search(parsed(flt.query), now=now)
    if flt.feed is not None:
        feed = flt.feed
        rows = [
            i for i in (rows if rows is not None else range(len(items))) if items[i].feed == feed
        ]
    if flt.folder is not None:
        feeds = flt.folder_feeds
        rows = [
            i for i in (rows if rows is not None else range(len(items))) if items[i].feed in feeds
        ]
    if flt.watchlist is not None:
        wl = flt.watchlist
        rows = [
            i
            for i in (rows if rows is not None else range(len(items)))
            if any(m.watchlist == wl for m in items[i].matches)
        ]
    return live_filter(items, flt, rows)


def live_filter(items: Sequence[Item], flt: ItemFilter, rows: Sequence[int] | None) -> list[int]:
    """Apply the filters on state that changes under the user (flagged, read) to ``rows``."""
    rows = range(len(items)) if rows is None else rows
    if flt.flagged_only:
        rows = [i for i in rows if items[i].flagged]
    if flt.unread_only:
        rows = [i for i in rows if not items[i].read]
    if flt.since is not None:
        since = flt.since
        rows = [i for i in rows if items[i].time >= since]
    return rows if isinstance(rows, list) else list(rows)


@dataclass(slots=True)
class Counts:
    """Unread and flagged per feed, matched per watchlist."""

    unread: dict[str, int]
    flagged: dict[str, int]
    watchlists: dict[str, int]
    unread_all: int = 0
    flagged_all: int = 0
    watchlists_unread: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class ViewData:
    """One snapshot; ``counts``/``index`` are None while the worker has not built them yet."""

    items: list[Item]
    states: dict[str, FeedState] = field(default_factory=dict)
    counts: Counts | None = None
    index: SearchIndex | None = None
    by_feed: dict[str, list[int]] | None = None
    by_watchlist: dict[str, list[int]] | None = None
    saved: dict[str, list[int]] | None = None  # saved search name -> the rows it finds


def display_order(items: list[Item]) -> list[Item]:
    """Newest first, where an undated item (no published time: some pages give none) sorts
    by when it was first seen, but never above news already out by then: it is placed no
    higher than the newest dated item first seen at or before it, and after it on a tie.

    ``items`` is the history's order (by ``Item.time``, so its dated items are newest
    first); without undated items it is kept. Only the undated items are placed: a merge,
    not a sort of the whole list (100,000 items stay a few milliseconds)."""
    undated = [item for item in items if item.published is None]
    if not undated:
        return items
    dated = [item for item in items if item.published is not None]
    by_seen = sorted(dated, key=attrgetter("first_seen"))
    seen_at = [item.first_seen for item in by_seen]
    newest = list(accumulate((cast(datetime, item.published) for item in by_seen), max))

    def effective(item: Item) -> datetime:
        known = bisect_right(seen_at, item.first_seen)
        if known and newest[known - 1] < item.first_seen:
            return newest[known - 1]
        return item.first_seen

    ascending = [cast(datetime, item.published) for item in reversed(dated)]
    out: list[Item] = []
    taken = 0
    for item, when in sorted(
        ((item, effective(item)) for item in undated), key=itemgetter(1), reverse=True
    ):
        newer = len(ascending) - bisect_left(ascending, when)  # dated items at or after it
        if newer > taken:
            out.extend(dated[taken:newer])
            taken = newer
        out.append(item)
    out.extend(dated[taken:])
    return out


def same_items(a: Sequence[Item], b: Sequence[Item]) -> bool:
    """The same Item objects in the same order (cheap: one C loop of identity checks)."""
    return len(a) == len(b) and all(map(operator.is_, a, b))


def build_view(
    items: list[Item],
    states: dict[str, FeedState],
    *,
    index: SearchIndex | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    searches: Sequence[SavedSearch] = (),
    now: datetime | None = None,
    with_index: bool = True,
    pause: Callable[[], None] | None = None,
) -> ViewData | None:
    """Count and index ``items`` in one pass each; None if ``cancelled()`` turned true.

    ``with_index=False``: counts only, unless ``index`` already covers ``items`` (the UI
    shows the counts first and adds the index with :func:`add_index`)."""
    unread: dict[str, int] = {}
    flagged: dict[str, int] = {}
    tagged: dict[str, int] = {}
    tagged_unread: dict[str, int] = {}
    by_feed: dict[str, list[int]] = {}
    by_watchlist: dict[str, list[int]] = {}
    unread_all = flagged_all = 0
    for n, item in enumerate(items):
        feed = item.feed
        rows = by_feed.get(feed)
        if rows is None:
            rows = by_feed[feed] = []
            unread[feed] = flagged[feed] = 0
        rows.append(n)
        if not item.read:
            unread[feed] += 1
            unread_all += 1
        if item.flagged:
            flagged[feed] += 1
            flagged_all += 1
        if item.matches:
            for tag in {m.watchlist for m in item.matches}:
                tagged[tag] = tagged.get(tag, 0) + 1
                by_watchlist.setdefault(tag, []).append(n)
                if not item.read:
                    tagged_unread[tag] = tagged_unread.get(tag, 0) + 1
        if not n & 0x3FF:
            if pause is not None:
                pause()  # the UI's monitor.pace.Pace: give way to the loop during a poll
            if not n & 0x3FFF and cancelled():
                return None
    if cancelled():
        return None
    counts = Counts(unread, flagged, tagged, unread_all, flagged_all, tagged_unread)
    view = ViewData(items, states, counts, None, by_feed, by_watchlist)
    if with_index and (index is None or not index.covers(items)):
        index = SearchIndex.build(items, previous=index, pause=pause)  # only unseen items
    if index is not None and index.covers(items):
        view.index, view.saved = index, saved_rows(index, searches, now=now)
    return view


def saved_rows(
    index: SearchIndex, searches: Sequence[SavedSearch], *, now: datetime | None = None
) -> dict[str, list[int]]:
    """The rows each saved search finds in ``index``'s items."""
    return {s.name: index.search(parsed(s.query), now=now) for s in searches}


def adjust_counts(
    counts: Counts,
    item: Item,
    was_read: bool,
    was_flagged: bool,
    now: tuple[bool, bool] | None = None,
) -> None:
    """Update ``counts`` in place after ``item``'s read/flagged state changed to ``now``
    (default: its current state)."""
    feed = item.feed
    read, flagged = now if now is not None else (item.read, item.flagged)
    if read != was_read:
        step = -1 if read else 1
        counts.unread[feed] = counts.unread.get(feed, 0) + step
        counts.unread_all += step
        for tag in item.tags:
            counts.watchlists_unread[tag] = counts.watchlists_unread.get(tag, 0) + step
    if flagged != was_flagged:
        step = 1 if flagged else -1
        counts.flagged[feed] = counts.flagged.get(feed, 0) + step
        counts.flagged_all += step


class RowFilter:
    """Which rows of one :class:`ViewData` a filter lets through."""

    def __init__(self, view: ViewData) -> None:
        self.view = view

    def rows(self, flt: ItemFilter, *, now: datetime | None = None) -> list[int]:
        view = self.view
        items = view.items
        if not flt.active:
            return list(range(len(items)))
        if flt.query and view.index is None:
            # The worker has not indexed these items yet: index now (the UI waits instead).
            view.index = SearchIndex.build(items)
        if view.by_feed is None or view.by_watchlist is None:
            return filter_rows(items, flt, view.index, now=now)
        rows: list[int] | None = None
        if flt.feed is not None:
            rows = view.by_feed.get(flt.feed, [])
        elif flt.folder is not None:  # rows are indices into newest-first items: keep that order
            rows = sorted(i for feed in flt.folder_feeds for i in view.by_feed.get(feed, ()))
        if flt.watchlist is not None:
            tagged = view.by_watchlist.get(flt.watchlist, [])
            if rows is None:
                rows = tagged
            else:
                in_list = set(tagged)
                rows = [i for i in rows if i in in_list]
        if flt.query and view.index is not None:
            rows = view.index.search(parsed(flt.query), now=now, rows=rows)
        return live_filter(items, flt, rows)
