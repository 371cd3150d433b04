"""What every sub-command shares: error printing, the config in use, tagged items."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from monitor import timefmt
from monitor.config import load_config
from monitor.errors import ConfigError, HistoryError, MonitorError, error_line
from monitor.models import Config, Item
from monitor.paths import default_config_path
from monitor.text import one_line

if TYPE_CHECKING:
    from monitor.history import History
    from monitor.match import Matcher
    from monitor.poll import FeedReport


PROG = "monitor"


class UsageError(MonitorError):
    """A bad argument value (exit 2)."""

    exit_code = 2


def err(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def described(error: MonitorError) -> str:
    """A core error in the CLI's words: the input it is about named as its option."""
    return f"--{error.field}: {error}" if error.field else str(error)


def report(error: MonitorError) -> int:
    """Print a user error (every problem of a bad feeds.toml, one per line); its exit code."""
    if isinstance(error, ConfigError):
        for problem in error.problems:
            err(problem)
    elif isinstance(error, HistoryError) and error.another:
        err(f"{error_line(error)} with --db PATH")
    else:
        err(error_line(error) if error.field is None else described(error))
    return error.exit_code


def positive_days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, got {text!r}") from None
    if not 1 <= days <= 3660:
        raise argparse.ArgumentTypeError(f"expected 1 to 3660 days, got {days}")
    return days


def positive_limit(text: str) -> int:
    try:
        limit = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if limit < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {limit}")
    return limit


def config_path(args: argparse.Namespace) -> Path:
    if args.config is not None:
        path: Path = args.config
        return path
    try:
        return default_config_path()
    except OSError as exc:
        raise UsageError(
            f"cannot set up the default feeds.toml: {exc}; use --config PATH"
        ) from None


def load(args: argparse.Namespace, path: Path | None = None) -> Config:
    """The config, whose zone becomes the one every time is shown in."""
    config = load_config(path or config_path(args))
    timefmt.set_zone(timefmt.resolve_zone(config.settings.timezone))
    return config


def retag(history: History, matcher: Matcher) -> None:
    """Re-match stored items when the watchlists changed since they were tagged."""
    if history.matcher_signature != matcher.signature:
        history.retag(matcher.apply, matcher.signature)


def tagged_copies(history: History, matcher: Matcher) -> list[Item]:
    """The items as the current watchlists tag them, without writing the history.

    When the watchlists changed since the items were tagged, copies are re-matched in
    memory, so an export works on a read-only history and never races a writer."""
    items = history.items()
    if history.matcher_signature == matcher.signature:
        return items
    copies = [dataclasses.replace(item) for item in items]
    for copy in copies:
        matcher.apply(copy)  # assigns a new matches list: the stored item is untouched
    return copies


def format_report_line(report: FeedReport, now: datetime) -> str:
    """One line for one feed: ``NAME: 12 new, 3 matched (Drone Deal: 2, PURL: 1)``."""
    name = one_line(report.feed)
    error = one_line(report.error or "")
    if report.outcome == "ok":
        text = f"{report.new} new"
        if report.matched:
            counts = ", ".join(
                f"{one_line(k)}: {v}" for k, v in sorted(report.watchlist_counts.items())
            )
            text += f", {report.matched} matched" + (f" ({counts})" if counts else "")
    elif report.outcome == "not_modified":
        text = "not modified"
    elif report.outcome == "skipped":
        text = "skipped"
        if report.retry_at and report.server_pause:
            until = timefmt.clock_zone(report.retry_at, now)
            text += f": the server asked for a pause until {until} (Retry-After)"
        elif report.retry_at:
            text += f": backoff until {timefmt.clock_zone(report.retry_at, now)} (--retry asks now)"
        if error and error != "backoff":
            text += f" (last error: {error})"
    else:
        text = f"error: {error or 'failed'}"
        if report.retry_at:
            text += f" (retry after {timefmt.clock_zone(report.retry_at, now)})"
    if report.warning:
        text += f"; warning: {one_line(report.warning)}"
    return f"{name}: {text}"
