"""Messages: every worker posts its result back to the UI as one of these (Toolong style).

The App's workers (poll, config, history) answer the App; the main screen's workers (view,
store, browser, export) answer the screen."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from textual.message import Message

from monitor.alerts import Alert
from monitor.backtest import Backtest
from monitor.match import Matcher
from monitor.models import Config, Item
from monitor.poll import FeedReport, PollReport
from monitor.search import SearchIndex
from monitor.stories.rows import StoryRows
from monitor.trends import TrendRow
from monitor.view import ViewData


@dataclass
class PollProgress(Message):
    """One feed of the running poll finished."""

    report: FeedReport
    done: int
    total: int


@dataclass
class PollFinished(Message):
    """The poll finished and its new items are in the history."""

    report: PollReport
    health: list[tuple[bool, str]] = field(default_factory=list)  # summary.health_changes
    alert: Alert | None = None  # alerts.build_alert (built in a thread: 10,000 new items)


@dataclass
class HistoryLoaded(Message):
    """The rest of a history opened with its newest items only has been read (and retagged
    if the watchlists changed since); build the whole view."""


@dataclass
class HistoryChanged(Message):
    """Another process wrote the history and it was reloaded; rebuild the view."""


@dataclass
class ConfigReloaded(Message):
    """feeds.toml was edited and is valid; the history has been re-tagged."""

    config: Config
    matcher: Matcher
    retagged: int


@dataclass
class WatchlistsEdited(Message):
    """feeds.toml is valid and changes existing watchlists: what they would gain and lose.

    Nothing is retagged until the analyst applies the edit (the review screen)."""

    config: Config
    results: list[Backtest]


@dataclass
class ConfigFailed(Message):
    """feeds.toml was edited into something invalid; the last good config stays."""

    error: str


@dataclass
class ExportWritten(Message):
    """The briefing was written."""

    path: Path
    count: int


@dataclass
class SearchSaved(Message):
    """A search was added to feeds.toml as a [[searches]] entry (the config reload follows)."""

    name: str


@dataclass
class ViewReady(Message):
    """The view worker built a new snapshot of the history for the UI."""

    view: ViewData
    generation: int  # how many writes had been applied when it started


@dataclass
class IndexReady(Message):
    """The view worker built the search index of a snapshot it posted before (by ViewReady)."""

    view: ViewData
    index: SearchIndex
    saved: dict[str, list[int]]  # saved search name -> the rows it finds


@dataclass
class WriteApplied(Message):
    """The store worker applied one queued read/flag change to the history."""

    item: Item | None
    was: tuple[bool, bool] | None  # the item's (read, flagged) before the change
    now: tuple[bool, bool] | None  # and after it (the next write may change it again)


@dataclass
class OpenInTerminal(Message):
    """The default browser runs in this terminal: the UI must suspend to let it draw."""

    item: Item
    url: str


@dataclass
class LinkOpened(Message):
    """The browser worker tried to open a link; ``opened`` is what the browser answered."""

    item: Item
    url: str
    opened: bool


@dataclass
class TrendsReady(Message):
    """The Trends screen's rows, counted off the event loop for a range of ``days``."""

    rows: list[TrendRow]
    days: int


@dataclass
class StoriesReady(Message):
    """The stories of the recent history, grouped off the event loop."""

    stories: StoryRows


@dataclass
class LinkCopied(Message):
    """The clipboard worker tried the system's clipboard tool; ``tool`` is None if none worked."""

    link: str
    tool: str | None
