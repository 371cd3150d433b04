"""``monitor check --online``: fetch every enabled source once and say what each one gives.

The real poll (fetch, parse, articles, sitemaps, matching) runs into a throwaway history in
a temporary directory, so nothing is written to the user's history and no feed state
(backoff, validators) is read or kept: every source is asked afresh.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from monitor.history import History
from monitor.match import Matcher
from monitor.models import Config, Item, utcnow
from monitor.poll import FeedReport, poll
from monitor.text import one_line, shorten

__all__ = ["SourceCheck", "check_online", "format_check"]


@dataclass(slots=True)
class SourceCheck:
    """What one source gave when asked once."""

    feed: str
    outcome: str  # ok / error
    error: str | None = None
    warning: str | None = None
    items: int = 0  # items it lists now (read now, plus those whose articles would wait)
    read: list[Item] = field(default_factory=list)  # the items this check stored
    fetches_articles: bool = False

    @property
    def empty(self) -> bool:
        return self.items == 0

    def share(self, what: str) -> int:
        """Percent of the items read that have a date / summary / text."""
        if not self.read:
            return 0
        has = {
            "date": [i.published is not None for i in self.read],
            "summary": [bool(i.summary) for i in self.read],
            "text": [bool(i.text) for i in self.read],
        }[what]
        return round(100 * sum(has) / len(has))


async def check_online(config: Config, *, now: datetime | None = None) -> list[SourceCheck]:
    """One :class:`SourceCheck` per enabled source, in feeds.toml order."""
    now = now or utcnow()
    with tempfile.TemporaryDirectory(prefix="monitor-check-") as directory:
        history = History.open(Path(directory) / "history.json")
        report = await poll(config, history, Matcher(config.watchlists), now=now, force=True)
        stored = history.items()
    by_feed: dict[str, list[Item]] = {}
    for item in stored:
        by_feed.setdefault(item.feed, []).append(item)
    feeds = {f.name: f for f in config.feeds}
    return [
        _check(r, by_feed.get(r.feed, []), feeds[r.feed].fetches_articles)
        for r in report.feeds
        if r.feed in feeds
    ]


def _check(report: FeedReport, items: list[Item], fetches_articles: bool) -> SourceCheck:
    return SourceCheck(
        feed=report.feed,
        outcome="ok" if report.outcome in ("ok", "not_modified") else "error",
        error=report.error,
        warning=report.warning,
        items=len(items) + report.deferred,
        read=items,
        fetches_articles=fetches_articles,
    )


def format_check(check: SourceCheck) -> list[str]:
    """The lines ``monitor check --online`` prints for one source (plain text, cleaned)."""
    name = one_line(check.feed)
    if check.outcome == "error":
        return [f"{name}: error: {one_line(check.error or 'failed')}"]
    found = f"{check.items} item{'s' if check.items != 1 else ''}"
    if check.items > len(check.read):
        found += f" ({len(check.read)} read now, {check.items - len(check.read)} next time)"
    shares = (
        f"date {check.share('date')}%, summary {check.share('summary')}%, "
        f"text {check.share('text')}%"
    )
    line = f"{name}: ok, {found}; {shares}" if check.read else f"{name}: ok, {found}"
    if check.warning:
        line += f"; warning: {shorten(one_line(check.warning), 200)}"
    newest = sorted(check.read, key=lambda i: i.time, reverse=True)[:3]
    return [line] + [f"  e.g. {shorten(one_line(i.title), 100)}" for i in newest]
