"""The ``monitor`` command line: the TUI by default, plus poll, export, check and demo.

Errors are one line on stderr prefixed ``monitor:``. Exit codes: 0 fine, 1 some feed
failed (or another runtime error), 2 usage/config/history error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import signal
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from monitor import __version__, briefing, timefmt
from monitor.atomic import write_text_atomic
from monitor.config import load_config
from monitor.errors import ConfigError, MonitorError, error_line
from monitor.export import (
    parse_since,
    render_briefing,
    resolve_watchlist,
    select_items,
    to_jsonl,
    to_markdown,
    write_briefing,
)
from monitor.models import Config, Item, utcnow
from monitor.paths import default_config_path
from monitor.text import one_line

if TYPE_CHECKING:
    from monitor.history import History
    from monitor.match import Matcher
    from monitor.poll import FeedReport, PollReport
    from monitor.stories import StoryIndex

PROG = "monitor"


class UsageError(MonitorError):
    """A bad argument value (exit 2)."""

    exit_code = 2


def _err(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def described(error: MonitorError) -> str:
    """A core error in the CLI's words: the input it is about named as its option."""
    return f"--{error.field}: {error}" if error.field else str(error)


def report(error: MonitorError) -> int:
    """Print a user error (every problem of a bad feeds.toml, one per line); its exit code."""
    if isinstance(error, ConfigError):
        for problem in error.problems:
            _err(problem)
    else:
        _err(error_line(error) if error.field is None else described(error))
    return error.exit_code


# -- argument parsing ----------------------------------------------------------------------


def _common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """--config/--db, accepted both before and after the sub-command."""
    default: Any = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        default=default,
        help="feeds.toml to use (default: ./feeds.toml if present, else the user config dir's)",
    )
    parser.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        default=default,
        help="history file (default: [settings] history, else the user data dir's)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Watch defence-policy news feeds, tag items that match your watchlists, "
            "and export briefings. Without a command, opens the terminal UI."
        ),
        epilog="Run 'monitor COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _common(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    def command(name: str, help_: str, description: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=description)
        _common(p, suppress=True)
        return p

    poll = command(
        "poll",
        "poll every feed now (or on schedule with --loop) and print one line per feed",
        "Fetch every feed now (except feeds waiting out a server's Retry-After or an error "
        "backoff, which are listed as skipped), store new items in the history, tag them by "
        "watchlist and print one line per feed. Exit status 1 when a feed failed or is still "
        "waiting out a failure.",
    )
    poll.add_argument(
        "--loop",
        action="store_true",
        help="keep polling as feeds fall due, reloading feeds.toml each cycle, until Ctrl-C",
    )
    poll.add_argument(
        "--due",
        action="store_true",
        help="poll only the feeds whose interval has elapsed (for cron)",
    )
    poll.add_argument(
        "--feed",
        action="append",
        metavar="NAME",
        dest="feeds",
        help="poll only this feed (repeatable); a failing one is asked again at once",
    )
    poll.add_argument(
        "--retry",
        action="store_true",
        help="ask failing feeds again now instead of waiting out their error backoff "
        "(a server's Retry-After is still honoured)",
    )
    poll.add_argument("--cycles", type=int, default=None, help=argparse.SUPPRESS)

    export = command(
        "export",
        "write flagged items as a Markdown briefing or JSON lines",
        "Export flagged items (watchlist hits and items flagged by hand) from the history, "
        "as a Markdown briefing grouped by watchlist and date, or as JSON lines.",
    )
    export.add_argument(
        "--since",
        metavar="AGE|DATE",
        help='only items newer than this: an age ("7d", "12h", "2w") or a date ("2025-10-01")',
    )
    export.add_argument(
        "--watchlist",
        metavar="NAME",
        help="only this watchlist's items, and the briefing titled with it (any case)",
    )
    export.add_argument(
        "--details", action="store_true", help="say under each item which terms matched (Markdown)"
    )
    export.add_argument(
        "--all", action="store_true", dest="include_all", help="include items that are not flagged"
    )
    export.add_argument(
        "--format",
        choices=("markdown", "json"),
        default="markdown",
        help="markdown (default) or json (one object per line)",
    )
    export.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="write to FILE (atomically) instead of standard output",
    )

    search = command(
        "search",
        "find items in the history with the search language (as / in the UI)",
        "Search titles, summaries and article text of every stored item with the query "
        'language of the UI\'s search box: words in any form, "phrases", -exclusions, OR, '
        "(groups), a NEAR/5 b, feed:, watchlist:/tag:, is:flagged|unread|read, since:, "
        "before: (see the README). Newest first. Exit status 0 with results, 1 with none, "
        "2 when the query cannot be used (the message gives its column).",
    )
    search.add_argument("query", metavar="QUERY", help="the query (quote it for your shell)")
    search.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="text: one line per item (default); markdown: a briefing; "
        "json: one object per line, as monitor export",
    )
    search.add_argument(
        "--limit", type=_positive_limit, metavar="N", help="at most N items (the newest)"
    )

    trends = command(
        "trends",
        "hits per day for every watchlist: what is rising, busiest day, spikes",
        "Count the items each watchlist tagged per day (days in Europe/Kyiv, or [settings] "
        "timezone), with the last 7 days against the 7 before, the busiest day, the last hit "
        "and spike days (at least twice the median of the 14 days before, and 3 items or more).",
    )
    trends.add_argument(
        "--days",
        type=_positive_days,
        default=30,
        metavar="N",
        help="days to show, today included (default 30)",
    )
    trends.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (default) or json: one object per line per watchlist, "
        '{"name", "days": [{"date", "count"}, ...], ...}, every day present',
    )

    stories = sub.add_parser(
        "stories",
        help=argparse.SUPPRESS,
        description="Print the stories found in the history (items grouped across outlets), "
        "the biggest and a random sample, to check the story_* thresholds on real data.",
    )
    _common(stories, suppress=True)
    stories.add_argument(
        "--since",
        metavar="AGE|DATE",
        default="7d",
        help='only items newer than this (default "7d")',
    )
    stories.add_argument(
        "--samples",
        type=int,
        default=20,
        metavar="N",
        help="random stories to show besides the ten biggest (default 20)",
    )

    command(
        "compact",
        "fold the history's journal into its snapshot now",
        "Write the history's journal of recent changes into a new snapshot (the TinyDB file) "
        "and start an empty journal. monitor does this by itself when the journal grows and "
        "when poll --loop is idle; the previous snapshot is kept as HISTORY.bak.",
    )
    check = command(
        "check",
        "validate feeds.toml and report every problem",
        "Read feeds.toml and report every problem found, one per line, naming the line, "
        "feed or watchlist. Exit status 2 when there are problems. With --online, also fetch "
        "every enabled source once (articles included; nothing is written to the history) and "
        "print what it gives: items found, the share with a date, a summary and a text, and "
        "three sample titles; exit status 1 when a source gives no items.",
    )
    check.add_argument(
        "--online",
        action="store_true",
        help="fetch every enabled source once and report what it gives",
    )
    opml = command(
        "opml",
        "import feeds from OPML (newsboat, Miniflux, FreshRSS, Feedly…) or export them",
        "Import feeds from an OPML file into feeds.toml (folders kept, duplicates and bad "
        "entries skipped and reported, every existing line of feeds.toml kept), or export the "
        "configured sources as OPML 2.0.",
    )
    opml_sub = opml.add_subparsers(dest="opml_command", metavar="ACTION", required=True)
    opml_import = opml_sub.add_parser(
        "import",
        help="add the feeds of an OPML file to feeds.toml",
        description="Add the feeds of an OPML file to feeds.toml.",
    )
    _common(opml_import, suppress=True)
    opml_import.add_argument("file", type=Path, metavar="FILE", help="the OPML file")
    opml_import.add_argument(
        "--dry-run", action="store_true", help="print what would be added; change nothing"
    )
    opml_export = opml_sub.add_parser(
        "export",
        help="write the configured sources as OPML 2.0",
        description="Write the configured sources as OPML 2.0.",
    )
    _common(opml_export, suppress=True)
    opml_export.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="write to FILE (atomically) instead of standard output",
    )

    watchlist = command(
        "watchlist",
        "try a watchlist edit on the history before saving it; get suggestions",
        "Work on one watchlist: 'test' runs it as written in feeds.toml (or an edited copy "
        "given with --config) over every stored item and prints the items it would gain and "
        "lose against the tags of today, with what fired; 'suggest' proposes terms and rules "
        "from the history. Nothing is written.",
    )
    watchlist_sub = watchlist.add_subparsers(
        dest="watchlist_command", metavar="ACTION", required=True
    )
    watchlist_test = watchlist_sub.add_parser(
        "test",
        help="items a watchlist as written would gain and lose (writes nothing)",
        description="Run the watchlist NAME as written in the config (--config FILE: an edited "
        "copy) over the whole history and print the items it would gain and lose against "
        "today's tags, with titles and the term or rule that fired. Exit status 0.",
    )
    _common(watchlist_test, suppress=True)
    watchlist_test.add_argument("name", metavar="NAME", help="the watchlist (any case)")
    watchlist_suggest = watchlist_sub.add_parser(
        "suggest",
        help="words, phrases and NEAR pairs common in its hits (writes nothing)",
        description="Mine the history for words and phrases (lemmas and stems, English and "
        "Ukrainian) far more common in the items the watchlist NAME tags than in the others, "
        "and propose candidate terms and rules with counts and sample titles of the untagged "
        "items each would add. Nothing is written.",
    )
    _common(watchlist_suggest, suppress=True)
    watchlist_suggest.add_argument("name", metavar="NAME", help="the watchlist (any case)")
    watchlist_suggest.add_argument(
        "--limit",
        type=_positive_limit,
        default=12,
        metavar="N",
        help="candidates per section (default 12)",
    )

    add = command(
        "add",
        "add a source by its URL: a feed, a page advertising one, a news listing, a sitemap",
        "Fetch URL and work out what it is: an RSS/Atom feed; an HTML page that advertises a "
        "feed (the feed is added); an HTML news listing (a page source whose links regex is "
        "derived from its article links, shown with three sample titles); or a sitemap. The "
        "entry is appended to feeds.toml, every other line kept as it is. Exit status 0 when "
        "added (or, with --dry-run, when it would be), 1 when nothing usable was found or the "
        "URL is already configured, 2 for usage or feeds.toml errors.",
    )
    add.add_argument("url", metavar="URL", help="the feed, page or sitemap URL")
    add.add_argument("--name", help="the entry's name (default: the feed's or page's title)")
    add.add_argument(
        "--kind",
        choices=("feed", "page", "sitemap"),
        help="read URL as this kind instead of detecting it",
    )
    add.add_argument(
        "--dry-run", action="store_true", help="show the entry that would be added; change nothing"
    )

    demo = sub.add_parser(
        "demo",
        help="open the UI on bundled sample feeds (offline)",
        description="Serve bundled sample feeds on 127.0.0.1 and open the UI on a temporary "
        "history, so you can try monitor without touching the network or your own files. "
        "It uses its own feeds.toml and history: --config and --db are refused.",
    )
    for option in ("--config", "--db"):  # parsed only to be refused with a clear message (main)
        demo.add_argument(option, type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


# -- helpers ---------------------------------------------------------------------------------


def _positive_days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, got {text!r}") from None
    if not 1 <= days <= 3660:
        raise argparse.ArgumentTypeError(f"expected 1 to 3660 days, got {days}")
    return days


def _positive_limit(text: str) -> int:
    try:
        limit = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if limit < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {limit}")
    return limit


def _config_path(args: argparse.Namespace) -> Path:
    if args.config is not None:
        path: Path = args.config
        return path
    try:
        return default_config_path()
    except OSError as exc:
        raise UsageError(
            f"cannot set up the default feeds.toml: {exc}; use --config PATH"
        ) from None


def _load(args: argparse.Namespace, path: Path | None = None) -> Config:
    """The config, whose zone becomes the one every time is shown in."""
    config = load_config(path or _config_path(args))
    timefmt.set_zone(timefmt.resolve_zone(config.settings.timezone))
    return config


def _retag(history: History, matcher: Matcher) -> None:
    """Re-match stored items when the watchlists changed since they were tagged."""
    if history.matcher_signature != matcher.signature:
        history.retag(matcher.apply, matcher.signature)


def _tagged_copies(history: History, matcher: Matcher) -> list[Item]:
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


# -- commands --------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    path = _config_path(args)
    config = _load(args, path)
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


def _poll_once(
    config: Config, history: History, args: argparse.Namespace, out: TextIO, *, retry: bool = False
) -> int:
    from monitor.match import Matcher
    from monitor.poll import next_due, poll

    matcher = Matcher(config.watchlists)
    _retag(history, matcher)
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
    for feed_report in report.feeds:
        print(format_report_line(feed_report, now), file=out, flush=True)
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
            _err(problem)


def _check_feed_names(config: Config, names: list[str] | None) -> None:
    unknown = [n for n in names or () if config.feed(n) is None]
    if unknown:
        known = ", ".join(f'"{f.name}"' for f in config.feeds) or "none"
        raise UsageError(f'unknown feed "{unknown[0]}" (known: {known})')


def cmd_poll(args: argparse.Namespace, out: TextIO) -> int:
    from monitor.history import open_history

    path = _config_path(args)
    config = _load(args, path)
    _check_feed_names(config, args.feeds)
    history = open_history(config, args.db, ids_only=True)  # the items load only if needed
    # A feed named on the command line is wanted now: its backoff is not waited out either.
    retry = bool(args.retry or args.feeds)
    if not args.loop:
        return _poll_once(config, history, args, out, retry=retry)
    return _poll_loop(path, config, history, args, out, retry=retry)


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
                config = _load(args, path)
            except ConfigError as exc:
                for problem in exc.problems:
                    _err(problem)
                _err("keeping the last good configuration")
    except KeyboardInterrupt:
        return 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def cmd_compact(args: argparse.Namespace, out: TextIO) -> int:
    from monitor.history import open_history

    config = _load(args, _config_path(args))
    history = open_history(config, args.db, create=False)
    folded = history.journal_bytes
    done = history.compact()
    what = f"{folded:,} bytes of journal folded in" if done else "nothing to fold"
    print(f"{history.path}: {len(history):,} items, {what}", file=out)
    return 0


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def story_index(everything: list[Item], config: Config, chosen: list[Item]) -> StoryIndex:
    """Stories among the items near the chosen ones (only those can share their stories)."""
    from monitor.stories import StorySettings, group_stories

    settings = StorySettings.from_settings(config.settings)
    return group_stories(everything if chosen else [], settings, around=chosen)


def story_sources(
    index: StoryIndex, everything: list[Item], chosen: list[Item]
) -> dict[str, list[tuple[Item, bool]]]:
    """Item id -> the other items of its story, for the briefing."""
    by_id = {i.id: i for i in everything}
    return {
        item.id: [(by_id[o], possible) for o, possible in index.sources(item.id) if o in by_id]
        for item in chosen
    }


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    """Never writes the history (it may be a read-only copy)."""
    from monitor.history import open_history
    from monitor.match import Matcher

    now = utcnow()
    config = _load(args)
    since = None
    if args.since is not None:
        try:
            since = parse_since(args.since, now)
        except MonitorError as exc:
            raise UsageError(described(exc)) from None
    names = [w.name for w in config.watchlists]
    watchlist = resolve_watchlist(names, args.watchlist)
    history = open_history(config, args.db, create=False)
    everything = _tagged_copies(history, Matcher(config.watchlists))
    items = select_items(everything, since=since, watchlist=watchlist, include_all=args.include_all)
    stories = story_index(everything, config, items)
    text = render_briefing(
        items,
        fmt=args.format,
        now=now,
        feeds=config.feeds,
        watchlist_order=names,
        since=since,
        watchlist=watchlist,
        details=args.details,
        previous=briefing.previous_briefing(history.path),
        states=history.feed_states(),
        stories={i.id: stories.story(i.id) for i in items},
        sources=story_sources(stories, everything, items),
    )
    if args.out is None:
        out.write(text)
        out.flush()
    else:
        write_briefing(args.out, text, fmt=args.format, history_path=history.path, now=now)
        _err(f"wrote {len(items)} item{'s' if len(items) != 1 else ''} to {args.out}")
    return 0


def cmd_search(args: argparse.Namespace, out: TextIO) -> int:
    """Never writes the history; the same language and evaluator as the UI's search."""
    from monitor.history import open_history
    from monitor.match import Matcher
    from monitor.query import QueryError, parse_query
    from monitor.search import search_items

    try:
        query = parse_query(args.query)
    except QueryError as exc:
        shown = one_line(args.query)
        _err(f"query: {exc}")
        if len(shown) == len(args.query) and len(shown) <= 200:
            print(f"  {shown}\n  {' ' * exc.position}^", file=sys.stderr)
        return 2
    now = utcnow()
    config = _load(args)
    history = open_history(config, args.db, create=False)
    items = search_items(_tagged_copies(history, Matcher(config.watchlists)), query, now=now)
    if args.limit is not None:
        items = items[: args.limit]
    if args.format == "json":
        out.write(to_jsonl(items))
    elif args.format == "markdown":
        out.write(
            to_markdown(
                items,
                now=now,
                title=f"Search: {one_line(args.query)}",
                feeds_order=[f.name for f in config.feeds],
                watchlist_order=[w.name for w in config.watchlists],
            )
        )
    else:
        for item in items:
            when = timefmt.local(item.time).strftime("%Y-%m-%d %H:%M")
            when = when if item.published else f"~{when}"  # undated: when it was first seen
            title = one_line(item.title) or "(no title)"
            out.write(f"{when}  {one_line(item.feed)}  {title}  {one_line(item.link)}\n")
    out.flush()
    return 0 if items else 1


def cmd_opml(args: argparse.Namespace, out: TextIO) -> int:
    from monitor import opml
    from monitor.config_edit import append_entries

    path = _config_path(args)
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

    path = _config_path(args)
    config = _load(args, path)
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

    path = _config_path(args)
    config = _load(args, path)
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


def cmd_trends(args: argparse.Namespace, out: TextIO) -> int:
    """Never writes the history (like export)."""
    import json

    from monitor.history import open_history
    from monitor.match import Matcher
    from monitor.trends import compute_trends, format_table, trend_zone

    config = _load(args)
    history = open_history(config, args.db, create=False)
    items = _tagged_copies(history, Matcher(config.watchlists))
    zone = trend_zone(config)
    rows = compute_trends(items, [w.name for w in config.watchlists], days=args.days, zone=zone)
    if args.format == "json":
        out.write("".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in rows))
    else:
        out.write(format_table(rows, zone))
    out.flush()
    return 0


def cmd_stories(args: argparse.Namespace, out: TextIO) -> int:
    """A report of the history's stories (hidden: a tool for tuning thresholds)."""
    from monitor.history import open_history
    from monitor.match import Matcher
    from monitor.stories import StorySettings, group_stories
    from monitor.stories.report import format_report

    config = _load(args)
    try:
        since = parse_since(args.since, utcnow())
    except MonitorError as exc:
        raise UsageError(described(exc)) from None
    history = open_history(config, args.db, create=False)
    items = select_items(
        _tagged_copies(history, Matcher(config.watchlists)), since=since, include_all=True
    )
    index = group_stories(items, StorySettings.from_settings(config.settings))
    out.write(format_report(index, items, samples=max(0, args.samples)))
    out.flush()
    return 0


def run_app(config_path: Path, db_path: Path | None) -> int:
    """Load the config and history, then run the UI; 2 on a config/history problem."""
    from monitor.history import open_history
    from monitor.match import Matcher

    try:
        config = load_config(config_path)
        history = open_history(config, db_path)
    except MonitorError as exc:
        return report(exc)
    matcher = Matcher(config.watchlists)
    _retag(history, matcher)
    from monitor.app import MonitorApp  # Textual loads only for the UI

    MonitorApp(config, config_path, history, matcher).run()
    return 0


def cmd_tui(args: argparse.Namespace) -> int:
    return run_app(_config_path(args), args.db)


def cmd_demo(args: argparse.Namespace) -> int:
    from monitor.demo import run_demo

    result = run_demo()
    return result if isinstance(result, int) else 0


# -- entry point -----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (never raises for user errors)."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
        if args.command == "demo" and (args.config is not None or args.db is not None):
            parser.error(
                "demo uses its own sample feeds.toml and a temporary history; "
                "--config and --db do not apply to it"
            )
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    out = sys.stdout
    try:
        if args.command == "check":
            return cmd_check(args, out)
        if args.command == "poll":
            return cmd_poll(args, out)
        if args.command == "export":
            return cmd_export(args, out)
        if args.command == "opml":
            return cmd_opml(args, out)
        if args.command == "add":
            return cmd_add(args, out)
        if args.command == "trends":
            return cmd_trends(args, out)
        if args.command == "search":
            return cmd_search(args, out)
        if args.command == "stories":
            return cmd_stories(args, out)
        if args.command == "watchlist":
            return cmd_watchlist(args, out)
        if args.command == "compact":
            return cmd_compact(args, out)
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
