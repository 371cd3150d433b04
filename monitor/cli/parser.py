"""The argument parser: every sub-command, its options and help."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor import __version__

if TYPE_CHECKING:
    pass
from monitor.cli.common import PROG, positive_days, positive_limit


def add_common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
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
    add_common(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    def command(name: str, help_: str, description: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=description)
        add_common(p, suppress=True)
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
        "--limit", type=positive_limit, metavar="N", help="at most N items (the newest)"
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
        type=positive_days,
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
    add_common(stories, suppress=True)
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
    add_common(opml_import, suppress=True)
    opml_import.add_argument("file", type=Path, metavar="FILE", help="the OPML file")
    opml_import.add_argument(
        "--dry-run", action="store_true", help="print what would be added; change nothing"
    )
    opml_export = opml_sub.add_parser(
        "export",
        help="write the configured sources as OPML 2.0",
        description="Write the configured sources as OPML 2.0.",
    )
    add_common(opml_export, suppress=True)
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
    add_common(watchlist_test, suppress=True)
    watchlist_test.add_argument("name", metavar="NAME", help="the watchlist (any case)")
    watchlist_suggest = watchlist_sub.add_parser(
        "suggest",
        help="words, phrases and NEAR pairs common in its hits (writes nothing)",
        description="Mine the history for words and phrases (lemmas and stems, English and "
        "Ukrainian) far more common in the items the watchlist NAME tags than in the others, "
        "and propose candidate terms and rules with counts and sample titles of the untagged "
        "items each would add. Nothing is written.",
    )
    add_common(watchlist_suggest, suppress=True)
    watchlist_suggest.add_argument("name", metavar="NAME", help="the watchlist (any case)")
    watchlist_suggest.add_argument(
        "--limit",
        type=positive_limit,
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
