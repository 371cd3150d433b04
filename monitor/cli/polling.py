"""`monitor poll` (once, `--loop`, `--due`, `--retry`) and `monitor compact`."""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from monitor import timefmt
from monitor.errors import ConfigError
from monitor.models import Config, utcnow

if TYPE_CHECKING:
    from monitor.history import History
    from monitor.poll import PollReport
from monitor.cli.common import UsageError, config_path, err, format_report_line, load, retag


def cmd_poll(args: argparse.Namespace, out: TextIO) -> int:
    from monitor.history import open_history

    path = config_path(args)
    config = load(args, path)
    _check_feed_names(config, args.feeds)
    history = open_history(config, args.db, ids_only=True)  # the items load only if needed
    import monitor.match  # noqa: F401 - start-up's imports, before started()
    import monitor.poll  # noqa: F401
    from monitor.cli import started

    started()
    # A feed named on the command line is wanted now: its backoff is not waited out either.
    retry = bool(args.retry or args.feeds)
    if not args.loop:
        return _poll_once(config, history, args, out, retry=retry)
    return _poll_loop(path, config, history, args, out, retry=retry)


def _poll_once(
    config: Config, history: History, args: argparse.Namespace, out: TextIO, *, retry: bool = False
) -> int:
    from monitor.match import Matcher
    from monitor.poll import next_due, poll

    matcher = Matcher(config.watchlists)
    retag(history, matcher)
    now = utcnow()
    if config.settings.retention_days:
        history.prune(config.settings.retention_days, now)
    only = set(args.feeds) if args.feeds else None
    force = not (args.loop or args.due)
    report: PollReport = asyncio.run(
        poll(config, history, matcher, now=now, force=force, only=only, retry=retry)
    )
    if not report.feeds and not args.loop:
        due = next_due(config, history, now)
        print(
            "no feeds due" + (f" (next at {timefmt.clock_zone(due, now)})" if due else ""), file=out
        )
    # One write for the whole report (200 feeds: 1 system call instead of 400).
    lines = [format_report_line(feed_report, now) for feed_report in report.feeds]
    if lines:
        out.write("\n".join(lines) + "\n")
        out.flush()
    _notify(config, report)
    return 1 if report.failed else 0


def _notify(config: Config, report: PollReport) -> None:
    """Run notify_command for the poll's new hits; its failure is reported, never fatal."""
    from monitor.alerts import build_alert, run_notify_command

    command = config.settings.notify_command
    alert = build_alert(report.new_items, config.watchlists) if command else None
    if command and alert is not None:
        problem = run_notify_command(command, alert)
        if problem:
            err(problem)


def _check_feed_names(config: Config, names: list[str] | None) -> None:
    unknown = [n for n in names or () if config.feed(n) is None]
    if unknown:
        known = ", ".join(f'"{f.name}"' for f in config.feeds) or "none"
        raise UsageError(f'unknown feed "{unknown[0]}" (known: {known})')


def _poll_loop(
    path: Path,
    config: Config,
    history: History,
    args: argparse.Namespace,
    out: TextIO,
    *,
    retry: bool = False,
) -> int:
    from monitor.poll import next_due

    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term) if _main_thread() else None
    code = 0
    cycle = 0
    try:
        while True:
            code = _poll_once(config, history, args, out, retry=retry and cycle == 0)
            cycle += 1
            if args.cycles is not None and cycle >= args.cycles:
                return code
            now = utcnow()
            due = next_due(config, history, now)
            interval = max(1.0, config.settings.poll_interval)
            delay = interval if due is None else (due - now).total_seconds()
            history.compact_when_idle()
            time.sleep(min(max(delay, 1.0), interval))
            try:
                config = load(args, path)
            except ConfigError as exc:
                for problem in exc.problems:
                    err(problem)
                err("keeping the last good configuration")
    except KeyboardInterrupt:
        return 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def cmd_compact(args: argparse.Namespace, out: TextIO) -> int:
    from monitor.history import open_history

    config = load(args, config_path(args))
    history = open_history(config, args.db, create=False)
    folded = history.journal_bytes
    done = history.compact()
    what = f"{folded:,} bytes of journal folded in" if done else "nothing to fold"
    print(f"{history.path}: {len(history):,} items, {what}", file=out)
    return 0


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
