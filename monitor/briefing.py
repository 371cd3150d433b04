"""What a briefing says beyond its items: title, top line, leads, coverage, the last briefing.

The Markdown itself is written by :func:`monitor.export.to_markdown`; this module works out
the plain-text facts it prints (escaping is the writer's job), so that the CLI and the UI
word a briefing the same way.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from monitor import timefmt
from monitor.models import FeedConfig, FeedState, Item
from monitor.stamps import LAST_BRIEFING, read_stamp, write_stamp
from monitor.text import one_line

DEFAULT_TITLE = "Defence-policy briefing"
LEAD_MAX = 400  # characters of the lead quoted under an item
_LEAD_MIN = 25  # a first "sentence" shorter than this (a dateline, "KYIV.") takes the next too
# A sentence ends at . ! ? or … followed by a space and what starts a sentence (a capital in
# Latin or Cyrillic, a digit or an opening quote). "U.S. aid" and "p. 5" do not end one.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'»”)]?\s+(?=[\"'«“(]?[A-ZА-ЯІЇЄҐ0-9])")
_ABBREVIATION = re.compile(r"(?:\b[A-ZА-Я]\.|\b(?:Mr|Mrs|Ms|Dr|St|No|vs|Gen|Col|Lt|Sgt|Jr|Sr)\.)$")


def briefing_title(
    watchlist: str | None,
    since: datetime | None,
    now: datetime,
    items: Sequence[Item] = (),
    tz: tzinfo | None = None,
) -> str:
    """``Defence-policy briefing: PURL, 2025-11-24 to 2025-12-01`` (days in the display zone).

    Without ``since`` the period starts on the oldest item's day."""
    name = f"{DEFAULT_TITLE}: {watchlist}" if watchlist else DEFAULT_TITLE
    start = since or min((i.time for i in items), default=None)
    end = timefmt.iso_day(now, tz)
    if start is None:
        return f"{name}, {end}"
    first = timefmt.iso_day(start, tz)
    return f"{name}, {end}" if first == end else f"{name}, {first} to {end}"


def lead(item: Item) -> str:
    """The item's opening sentence: of its summary (the outlet's own lead), else of its
    article text when one was fetched.

    Quoted whole rather than a fragment around a match; cut at a word near ``LEAD_MAX``
    only when one sentence runs longer."""
    source = one_line(item.summary or item.text or "")
    if not source:
        return ""
    text, rest = "", source
    while rest:
        parts = _split_once(rest)
        text = f"{text} {parts[0]}".strip()
        rest = parts[1]
        if len(text) >= _LEAD_MIN:
            break
    if len(text) > LEAD_MAX:
        text = text[:LEAD_MAX].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return text


def _split_once(text: str) -> tuple[str, str]:
    """The first sentence of ``text`` and the rest."""
    for m in _SENTENCE_END.finditer(text):
        head = text[: m.start()].rstrip("\"'»”) ")
        if _ABBREVIATION.search(head):
            continue
        return text[: m.start()].strip(), text[m.end() :].strip()
    return text.strip(), ""


@dataclass(frozen=True, slots=True)
class TopLine:
    """The counts a reader sees first."""

    total: int
    per_watchlist: list[tuple[str, int]]  # watchlist order, only those with items
    pinned: int
    new: int | None  # first seen since the previous briefing; None: no previous briefing
    previous: datetime | None

    def words(self, tz: tzinfo | None = None) -> str:
        """``7 items: Drone Deal 4, PURL 3 · 2 key developments · 3 new since the previous
        briefing (2025-11-30 09:00 EET)``."""
        parts = [f"{self.total} item{'s' if self.total != 1 else ''}"]
        if self.per_watchlist:
            parts[0] += ": " + ", ".join(f"{name} {count}" for name, count in self.per_watchlist)
        if self.pinned:
            parts.append(f"{self.pinned} key development{'s' if self.pinned != 1 else ''}")
        if self.new is not None and self.previous is not None:
            parts.append(
                f"{self.new} new since the previous briefing ({timefmt.full(self.previous, tz)})"
            )
        return " · ".join(parts)


def top_line(
    items: Sequence[Item],
    watchlist_order: Sequence[str] = (),
    previous: datetime | None = None,
    only: str | None = None,
) -> TopLine:
    """Counts per watchlist (all, or ``only``), picks, and what is new since ``previous``."""
    counts: Counter[str] = Counter(
        tag for item in items for tag in item.tags if only in (None, tag)
    )
    rank = {name: i for i, name in enumerate(watchlist_order)}
    names = sorted(counts, key=lambda n: (rank.get(n, len(rank)), n))
    new = None if previous is None else sum(1 for i in items if i.first_seen > previous)
    return TopLine(
        len(items),
        [(n, counts[n]) for n in names],
        sum(1 for i in items if i.pinned),
        new,
        previous,
    )


def is_new(item: Item, previous: datetime | None) -> bool:
    return previous is not None and item.first_seen > previous


@dataclass(frozen=True, slots=True)
class FeedGap:
    """A feed that did not answer for some or all of the period."""

    feed: str
    what: str  # plain words: "failing since 2025-11-30 22:00 EET (HTTP 503); last answered ..."


def coverage(
    feeds: Iterable[FeedConfig],
    states: Mapping[str, FeedState],
    since: datetime | None,
    tz: tzinfo | None = None,
) -> tuple[int, list[FeedGap]]:
    """How many enabled feeds there are, and those that failed or went unasked in the period.

    Only the current run of failures is recorded (``FeedState.down_since``): a feed that
    failed and recovered within the period is not listed (unconfirmed gaps are not guessed)."""
    enabled = [f for f in feeds if f.enabled]
    gaps: list[FeedGap] = []
    for feed in enabled:
        state = states.get(feed.name)
        if state is None or state.last_attempt is None:
            gaps.append(FeedGap(feed.name, "not polled yet"))
            continue
        error = one_line(state.last_error or "error")
        answered = (
            f"last answered {timefmt.full(state.last_success, tz)}"
            if state.last_success
            else "never answered"
        )
        if state.failures:
            down = state.down_since or state.last_attempt
            gaps.append(
                FeedGap(feed.name, f"failing since {timefmt.full(down, tz)} ({error}); {answered}")
            )
        elif since is not None and (state.last_success is None or state.last_success < since):
            gaps.append(FeedGap(feed.name, f"not asked in this period; {answered}"))
    return len(enabled), gaps


# -- the previous briefing ------------------------------------------------------------------


def previous_briefing(history_path: Path | None) -> datetime | None:
    """When the last briefing from this history was written (None: never, or unreadable)."""
    return read_stamp(history_path, LAST_BRIEFING)


def remember_briefing(history_path: Path | None, when: datetime) -> None:
    """Record that a briefing was written at ``when`` (best effort: a read-only history dir
    only loses the "new since the previous briefing" count)."""
    write_stamp(history_path, LAST_BRIEFING, when)
