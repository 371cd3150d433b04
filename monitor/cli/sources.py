"""The config's sub-commands: `check` (and `--online`), `add`, `opml`, `watchlist`."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING, TextIO

from monitor.atomic import write_text_atomic
from monitor.config import load_config
from monitor.models import utcnow
from monitor.text import one_line

if TYPE_CHECKING:
    pass
from monitor.cli.common import UsageError, config_path, load


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    path = config_path(args)
    config = load(args, path)
    disabled = sum(1 for f in config.feeds if not f.enabled)
    feeds = f"{len(config.feeds)} feed{'s' if len(config.feeds) != 1 else ''}"
    if disabled:
        feeds += f", {disabled} disabled"
    lists = f"{len(config.watchlists)} watchlist{'s' if len(config.watchlists) != 1 else ''}"
    print(f"{path}: OK ({feeds}, {lists})", file=out)
    if not args.online:
        return 0
    from monitor.online import check_online, format_check

    checks = asyncio.run(check_online(config))
    for result in checks:
        for line in format_check(result):  # cleaned there, one line each
            print(line, file=out, flush=True)
    return 1 if any(c.empty for c in checks) else 0


def cmd_opml(args: argparse.Namespace, out: TextIO) -> int:
    from monitor import opml
    from monitor.config_edit import append_entries

    path = config_path(args)
    config = load_config(path)
    if args.opml_command == "export":
        text = opml.to_opml(config, now=utcnow())
        if args.out is None:
            out.write(text)
        else:
            write_text_atomic(args.out, text)
        return 0
    try:
        data = args.file.expanduser().read_bytes()
    except OSError as exc:
        raise UsageError(f"{args.file}: cannot read: {exc.strerror or exc}") from None
    plan = opml.plan_import(data, str(args.file), config)
    if plan.added and not args.dry_run:
        append_entries(path, "feeds", plan.added)
    for line in opml.report_lines(plan, dry_run=args.dry_run):
        print(one_line(line), file=out)
    if plan.added and not args.dry_run:
        print(f"{path}: updated", file=out)
    return 1 if plan.invalid and not plan.added and not plan.duplicates else 0


def cmd_watchlist(args: argparse.Namespace, out: TextIO) -> int:
    """``watchlist test`` and ``watchlist suggest``: never write anything."""
    from monitor import suggest
    from monitor.backtest import backtest, find_watchlist, report_lines
    from monitor.history import open_history

    path = config_path(args)
    config = load(args, path)
    watchlist = find_watchlist(config.watchlists, args.name)
    if watchlist is None:
        names = ", ".join(f'"{w.name}"' for w in config.watchlists) or "none"
        raise UsageError(f'{path}: no watchlist "{args.name}" (watchlists: {names})')
    history = open_history(config, args.db, create=False)
    if args.watchlist_command == "suggest":
        found = suggest.suggest(history.items(), watchlist, limit=args.limit)
        lines = suggest.report_lines(found)
    else:
        lines = report_lines(backtest(history.items(), watchlist), source=str(path))
    for line in lines:
        print(line, file=out)
    out.flush()
    return 0


def cmd_add(args: argparse.Namespace, out: TextIO) -> int:
    from monitor.config_edit import append_entries, render_entries
    from monitor.discover import add_plan

    path = config_path(args)
    config = load(args, path)
    plan = asyncio.run(add_plan(config, args.url, name=args.name, kind=args.kind))
    found = plan.found
    print(f"{one_line(found.how)}: {found.url}", file=out)
    if found.links:
        print(f"  links = {found.links}", file=out)
    for title in found.samples:
        print(f"  e.g. {one_line(title)}", file=out)
    block = render_entries("feeds", [found.entry()])
    if args.dry_run:
        print(f"would add to {path}:\n{block}", end="", file=out)
        return 0
    append_entries(path, "feeds", [found.entry()])
    print(f"added to {path}:\n{block}", end="", file=out)
    return 0
