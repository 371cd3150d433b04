"""Reading the history: `monitor export`, `search`, `trends` and the `stories` report."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from monitor import briefing, timefmt
from monitor.errors import MonitorError
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
from monitor.text import one_line

if TYPE_CHECKING:
    from monitor.stories import StoryIndex
from monitor.cli.common import UsageError, described, err, load, tagged_copies


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
    config = load(args)
    since = None
    if args.since is not None:
        try:
            since = parse_since(args.since, now)
        except MonitorError as exc:
            raise UsageError(described(exc)) from None
    names = [w.name for w in config.watchlists]
    watchlist = resolve_watchlist(names, args.watchlist)
    history = open_history(config, args.db, create=False)
    everything = tagged_copies(history, Matcher(config.watchlists))
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
        err(f"wrote {len(items)} item{'s' if len(items) != 1 else ''} to {args.out}")
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
        err(f"query: {exc}")
        if len(shown) == len(args.query) and len(shown) <= 200:
            print(f"  {shown}\n  {' ' * exc.position}^", file=sys.stderr)
        return 2
    now = utcnow()
    config = load(args)
    history = open_history(config, args.db, create=False)
    items = search_items(tagged_copies(history, Matcher(config.watchlists)), query, now=now)
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


def cmd_trends(args: argparse.Namespace, out: TextIO) -> int:
    """Never writes the history (like export)."""
    import json

    from monitor.history import open_history
    from monitor.match import Matcher
    from monitor.trends import compute_trends, format_table, trend_zone

    config = load(args)
    history = open_history(config, args.db, create=False)
    items = tagged_copies(history, Matcher(config.watchlists))
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

    config = load(args)
    try:
        since = parse_since(args.since, utcnow())
    except MonitorError as exc:
        raise UsageError(described(exc)) from None
    history = open_history(config, args.db, create=False)
    items = select_items(
        tagged_copies(history, Matcher(config.watchlists)), since=since, include_all=True
    )
    index = group_stories(items, StorySettings.from_settings(config.settings))
    out.write(format_report(index, items, samples=max(0, args.samples)))
    out.flush()
    return 0
