"""App-level messages: results that workers post back to the UI (Toolong style)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.message import Message

from monitor.components.view import ViewData
from monitor.match import Matcher
from monitor.models import Config
from monitor.poll import FeedReport, PollReport


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
class ConfigFailed(Message):
    """feeds.toml was edited into something invalid; the last good config stays."""

    error: str


@dataclass
class ExportWritten(Message):
    """The briefing was written."""

    path: Path
    count: int


@dataclass
class ViewReady(Message):
    """The view worker built a new snapshot of the history for the UI."""

    view: ViewData
    generation: int  # how many writes had been applied when it started
