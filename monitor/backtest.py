"""What a watchlist edit would change, before it is saved: gained and lost items.

``monitor watchlist test NAME --config edited.toml`` and the UI's "Drone Deal: +12 / −1"
review both call :func:`backtest`: the watchlist as written in the (edited) config is run
over every stored item and compared with the tags the items carry today (what the config
in force tagged). Nothing is written; the history is retagged only when the edit is saved
(CLI) or accepted (UI).

Speed: most items cannot be tagged by one watchlist, and the word beginnings they hold say
so without tokenising them (:mod:`monitor.scan`, whose rare-word gate learns which words are
rare from the newest items); the rest are matched in full.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from monitor import timefmt
from monitor.match import Matcher
from monitor.models import Item, Match, Watchlist
from monitor.scan import Scan
from monitor.text import clip, strip_escapes

_SAMPLE = 500  # items whose words tell the scan which words are rare

__all__ = [
    "Backtest",
    "Change",
    "backtest",
    "edited_watchlists",
    "find_watchlist",
    "removal",
    "report_lines",
    "review_edit",
    "watchlists_changed",
]


@dataclass(frozen=True, slots=True)
class Change:
    """One item a watchlist would gain or lose, with the hits that explain it."""

    item: Item
    matches: tuple[Match, ...]  # gained: the new hits; lost: the hits it had

    @property
    def fired_by(self) -> str:
        """The first term or rule that fired, for one line of output."""
        return self.matches[0].fired_by if self.matches else ""


@dataclass(slots=True)
class Backtest:
    """The items a watchlist as written would tag, against the tags of today."""

    watchlist: str
    gained: list[Change] = field(default_factory=list)
    lost: list[Change] = field(default_factory=list)
    kept: int = 0  # tagged today and still tagged
    total: int = 0  # items looked at
    change: Literal["edited", "new", "removed"] = "edited"  # what the config does to it

    @property
    def summary(self) -> str:
        """``Drone Deal: +12 / −1`` (a true minus sign, as a person writes it); a new or a
        removed watchlist says so: ``Aid (new): +3 / −0``, ``PURL (removed): +0 / −5``."""
        label = self.watchlist if self.change == "edited" else f"{self.watchlist} ({self.change})"
        return f"{label}: +{len(self.gained)} / −{len(self.lost)}"


def find_watchlist(watchlists: Sequence[Watchlist], name: str) -> Watchlist | None:
    """The watchlist called ``name``, in any case."""
    folded = name.strip().casefold()
    return next((w for w in watchlists if w.name.casefold() == folded), None)


def backtest(
    items: Iterable[Item], watchlist: Watchlist, *, tagged_as: str | None = None
) -> Backtest:
    """Run ``watchlist`` over ``items``; compare with their stored tags for ``tagged_as``
    (default: the watchlist's own name, as today's config called it).

    Items are newest first in, newest first out. Hand flags do not count: a tag is what
    the watchlist decides, a flag is what the analyst decides."""
    name = tagged_as if tagged_as is not None else watchlist.name
    items = items if isinstance(items, Sequence) else list(items)
    matcher = Matcher([watchlist])
    # The scan's rare-word gate picks each term's and rule's rarest words in these items.
    scan = Scan(matcher, [(i.title, i.summary, i.text) for i in items[:_SAMPLE]])
    out = Backtest(watchlist.name, total=len(items))
    for item in items:
        before = tuple(m for m in item.matches if m.watchlist == name) if item.matches else ()
        # Read once: a long summary or text may be kept on disk (monitor.history.rows).
        title, summary, text = item.title, item.summary, item.text
        if not before and not scan.could_tag(title, summary, text):
            continue  # most items: no term or rule can fire (monitor/scan.py)
        after = matcher.match(title, summary, text, feed=item.feed)
        if after and before:
            out.kept += 1
        elif after:
            out.gained.append(Change(item, tuple(after)))
        elif before:
            out.lost.append(Change(item, before))
    return out


def watchlists_changed(old: Sequence[Watchlist], new: Sequence[Watchlist]) -> bool:
    """Whether ``new`` adds, removes or edits (in what it matches) any watchlist of ``old``:
    then the edit waits for review before the history is retagged."""
    before = {w.name: _matching(w) for w in old}
    return before != {w.name: _matching(w) for w in new}


def review_edit(
    items: Sequence[Item], old: Sequence[Watchlist], new: Sequence[Watchlist]
) -> list[Backtest]:
    """What a config edit would change in the tags of ``items``, per watchlist (the edited
    ones, the new ones, then the removed ones): an edited watchlist is backtested; a new one
    gains every item it would tag; a removed one loses every item it tags today."""
    names = {w.name for w in new}
    out = [backtest(items, w) for w in edited_watchlists(old, new)]
    before = {w.name for w in old}
    for watchlist in new:
        if watchlist.name not in before:
            result = backtest(items, watchlist)
            result.change = "new"
            out.append(result)
    for watchlist in old:
        if watchlist.name not in names:
            out.append(removal(items, watchlist.name))
    return out


def removal(items: Iterable[Item], name: str) -> Backtest:
    """A removed watchlist: every item it tags today is lost (newest first, as given)."""
    out = Backtest(name, change="removed")
    for item in items:
        out.total += 1
        hits = tuple(m for m in item.matches if m.watchlist == name)
        if hits:
            out.lost.append(Change(item, hits))
    return out


def edited_watchlists(old: Sequence[Watchlist], new: Sequence[Watchlist]) -> list[Watchlist]:
    """The watchlists of ``new`` that exist in ``old`` under the same name but differ in
    what they match (terms, rules, exclude, case). New and removed ones are not edits."""
    before = {w.name: w for w in old}
    return [w for w in new if w.name in before and _matching(before[w.name]) != _matching(w)]


def _matching(w: Watchlist) -> tuple[object, ...]:
    return (w.terms, w.rules, w.exclude, w.case_sensitive)


def hit_line(match: Match) -> str:
    """``rule “…” → "the words" (in summary)``: what fired and on which words."""
    fired = strip_escapes(match.describe(70))
    return f"{fired} → “{clip(match.snippet, 90)}” (in {match.field})"


def report_lines(result: Backtest, *, source: str) -> list[str]:
    """The backtest for people: a summary line, then the gained and the lost items, each
    with its time, feed and title, and under it what fired (gained) or had fired (lost)."""
    lines = [
        f"{result.summary} over {result.total:,} stored items ({result.kept:,} tagged both "
        f"ways): {source} as written, against the tags of today"
    ]
    for label, changes, prefix in (("Gained", result.gained, ""), ("Lost", result.lost, "was: ")):
        if not changes:
            continue
        lines += ["", f"{label} ({len(changes)}):"]
        for change in changes:
            item = change.item
            when = timefmt.local(item.time).strftime("%Y-%m-%d %H:%M")
            title = clip(item.title, 100) or "(no title)"
            lines.append(f"  {when}  {clip(item.feed, 30)}  {title}")
            if change.matches:
                lines.append(f"      {prefix}{hit_line(change.matches[0])}")
    if not result.gained and not result.lost:
        lines.append("No item would change.")
    return lines
