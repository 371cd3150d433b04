"""The ``monitor`` command line: the TUI by default, plus poll, export, check and demo.

Errors are one line on stderr prefixed ``monitor:``. Exit codes: 0 fine, 1 some feed
failed (or another runtime error), 2 usage/config/history error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from monitor.cli.common import PROG, config_path, format_report_line, report, retag
from monitor.cli.parser import build_parser
from monitor.config import load_config
from monitor.errors import HistoryError, MonitorError, error_line

__all__ = ["PROG", "build_parser", "format_report_line", "main", "run", "run_app", "started"]


def run_app(config_path: Path, db_path: Path | None) -> int:
    """Load the config and the newest screenful of the history, then run the UI (which
    reads the rest of the history after its first paint); 2 on a config/history problem."""
    from monitor.history import open_history
    from monitor.match import Matcher
    from monitor.view import FIRST_SCREEN_ITEMS

    try:
        config = load_config(config_path)
        history = open_history(config, db_path, head=FIRST_SCREEN_ITEMS)
    except MonitorError as exc:
        return report(exc)
    matcher = Matcher(config.watchlists)
    if history.loaded:  # else the App retags once it has read the rest
        retag(history, matcher)
    from monitor.app import MonitorApp  # Textual loads only for the UI

    app = MonitorApp(config, config_path, history, matcher)
    app.run()
    if app.load_error is not None:
        error = app.load_error
        return report(error if isinstance(error, MonitorError) else HistoryError(error_line(error)))
    return app.return_code or 0


def cmd_tui(args: argparse.Namespace) -> int:
    return run_app(config_path(args), args.db)


def cmd_demo(args: argparse.Namespace) -> int:
    from monitor.demo import run_demo

    result = run_demo()
    return result if isinstance(result, int) else 0


# Sub-command -> the module of monitor.cli that holds its cmd_<name>. Imported when run:
# `monitor poll` (every 15 minutes, from cron) does not pay for the briefing, stories and
# export modules it never uses.
COMMANDS: dict[str, str] = {
    "check": "sources",
    "poll": "polling",
    "export": "briefings",
    "opml": "sources",
    "add": "sources",
    "trends": "briefings",
    "search": "briefings",
    "stories": "briefings",
    "watchlist": "sources",
    "compact": "polling",
}


def command(name: str) -> Callable[[argparse.Namespace, TextIO], int] | None:
    """The handler of sub-command ``name`` (None for the TUI and demo)."""
    module = COMMANDS.get(name)
    if module is None:
        return None
    handler: Callable[[argparse.Namespace, TextIO], int]
    handler = getattr(importlib.import_module(f"monitor.cli.{module}"), f"cmd_{name}")
    return handler


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (never raises for user errors)."""
    return _main(argv)[0]


# Commands after which the process skips the interpreter's teardown (see run()).
QUICK_EXIT = frozenset({"poll"})


def run() -> NoReturn:
    """The ``monitor`` command (and ``python -m monitor``): :func:`main`, then the exit.

    After ``monitor poll`` (every 15 minutes, from cron) the exit skips the interpreter's
    teardown, which frees its ~450 modules one by one (~45 ms, as long as a warm poll's
    200 requests): see :func:`quick_exit`."""
    code, name = _main(None)
    if name in QUICK_EXIT:
        quick_exit(code)
    sys.exit(code)


def quick_exit(code: int) -> None:
    """``os._exit(code)`` when the teardown has nothing left to do; else return.

    The history is written and fsynced by then; the output is flushed and the ``atexit``
    handlers run here. Not when a thread is still alive (the normal exit waits for it) or
    when ``multiprocessing`` was loaded (a worker pool's semaphores and children are its
    finalisers' business), nor when the output cannot be flushed (a closed pipe: the
    normal exit reports it)."""
    import atexit
    import threading

    if threading.active_count() > 1 or "multiprocessing" in sys.modules:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    atexit._run_exitfuncs()
    os._exit(code)


def _main(argv: Sequence[str] | None) -> tuple[int, str | None]:
    """The exit status and the sub-command that ran (None when none did)."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
        if args.command == "demo" and (args.config is not None or args.db is not None):
            parser.error(
                "demo uses its own sample feeds.toml and a temporary history; "
                "--config and --db do not apply to it"
            )
    except SystemExit as exc:  # --help, --version, usage errors
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        return code, None
    return _run_command(args), args.command


def started() -> None:
    """Start-up is over: the cyclic GC back on if ``entry()`` turned it off, with the objects
    start-up made frozen out of its scans (they live as long as the process)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def _run_command(args: argparse.Namespace) -> int:
    if args.command != "poll":  # `monitor poll` says when its start-up is over
        gc.enable()
    out = sys.stdout
    try:
        handler = command(args.command)
        if handler is not None:
            return handler(args, out)
        if args.command == "demo":
            return cmd_demo(args)
        return cmd_tui(args)
    except MonitorError as exc:
        return report(exc)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `monitor export | head`: the reader went away; quietly stop writing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
