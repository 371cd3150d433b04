"""Briefings from the history: flagged items as Markdown or JSON Lines.

Feed text is data. Everything taken from a feed is neutralised before it reaches the
Markdown: control characters and terminal escape sequences are removed, Markdown and HTML
syntax is escaped, and only http(s) links are emitted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from urllib.parse import quote

from monitor import briefing, timefmt
from monitor.atomic import write_text_atomic
from monitor.errors import MonitorError
from monitor.models import FeedConfig, FeedState, Item, to_iso
from monitor.stories import Story, singleton_story_id
from monitor.text import is_http_url, one_line

FLAGGED_BY_HAND = "Flagged by hand"
NOT_FLAGGED = "Not flagged"

_SINCE_AGO = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.IGNORECASE)
_SINCE_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}#|~!])")
_LIST_START = re.compile(r"^(\d*)([-+.)=])")  # "- x", "+ x", "1. x", "1) x" would start a list
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def md_escape(text: str) -> str:
    """Plain text made inert for Markdown: no markup, no HTML, no links, one line."""
    text = one_line(text)
    text = "".join(_HTML.get(ch, ch) for ch in text)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _LIST_START.sub(r"\1\\\2", text)


def safe_url(url: str) -> str | None:
    """The URL if it is http(s) with a host, percent-encoding what Markdown cannot hold."""
    url = (url or "").strip()
    if not url.isprintable():  # control characters: refused, as parse refuses them
        return None
    url = quote(url, safe="/:?#[]@!$&'()*+,;=%-._~")  # spaces, "<", ">" ...
    return url if is_http_url(url) else None


def parse_since(text: str, now: datetime, tz: tzinfo | None = None) -> datetime:
    """``"7d"``, ``"12h"``, ``"2w"``, ``"30m"`` before ``now``; or a date or ISO datetime.

    A date means midnight and a datetime without an offset means wall time, both in the
    display zone ``tz`` (default: :func:`monitor.timefmt.zone`), as the reader means them.
    A moment after ``now`` is refused: it would silently select nothing."""
    raw = (text or "").strip()
    try:
        if m := _SINCE_AGO.match(raw):
            return now - timedelta(**{_SINCE_UNITS[m[2].lower()]: int(m[1])})
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            when = timefmt.midnight(datetime.strptime(raw, "%Y-%m-%d").date(), tz)
        else:
            when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=tz or timefmt.zone())
        when = when.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        shown = one_line(text or "")
        raise MonitorError(
            f'expected an age like "7d", "12h", "2w" or a date like "2025-10-01", got "{shown}"',
            field="since",
        ) from None
    if when > now:
        raise MonitorError(
            f'"{one_line(raw)}" is in the future ({timefmt.full(when, tz)}); '
            'give a past date or an age like "7d"',
            field="since",
        )
    return when


def select_items(
    items: Iterable[Item],
    *,
    since: datetime | None = None,
    watchlist: str | None = None,
    include_all: bool = False,
) -> list[Item]:
    """Flagged items (every item with ``include_all``), newest first, filtered by time and tag."""
    chosen = [
        item
        for item in items
        if (include_all or item.flagged)
        and (since is None or item.time >= since)
        and (watchlist is None or watchlist in item.tags)
    ]
    return sorted(chosen, key=lambda i: i.time, reverse=True)


def _groups(items: Sequence[Item], watchlist_order: Sequence[str] | None) -> dict[str, list[Item]]:
    """Items under each of their watchlists; untagged ones under "Flagged by hand"/"Not flagged"."""
    groups: dict[str, list[Item]] = {name: [] for name in watchlist_order or ()}
    for item in items:
        tags = item.tags
        if tags:
            for tag in tags:
                groups.setdefault(tag, []).append(item)
        else:
            groups.setdefault(FLAGGED_BY_HAND if item.flagged else NOT_FLAGGED, []).append(item)
    rank = {name: i for i, name in enumerate(watchlist_order or ())}
    tagged = [k for k, v in groups.items() if v and k not in (FLAGGED_BY_HAND, NOT_FLAGGED)]
    tagged.sort(key=lambda k: (rank.get(k, len(rank)), k))
    ordered = {k: groups[k] for k in tagged}
    for special in (FLAGGED_BY_HAND, NOT_FLAGGED):
        if groups.get(special):
            ordered[special] = groups[special]
    return ordered


def _item_markdown(
    item: Item,
    group: str | None,
    tz: tzinfo | None,
    *,
    details: bool,
    previous: datetime | None,
) -> list[str]:
    """One item: title, where and when, its lead, the analyst's note; matches on request."""
    title = md_escape(item.title) or "(untitled)"
    lines = [f"#### {title}", ""]
    when = timefmt.full(item.time, tz)
    if item.published is None:
        when += " (undated: first seen)"
    source = f"- Source: {md_escape(item.feed)}, {when}"
    if briefing.is_new(item, previous):
        source += " · new since the previous briefing"
    lines.append(source)
    if group is None and item.tags:  # a key development: say which watchlists it is in
        lines.append(f"- Watchlists: {', '.join(md_escape(t) for t in item.tags)}")
    url = safe_url(item.link)
    if url:
        lines.append(f"- Link: <{url}>")
    text = md_escape(briefing.lead(item))
    if text:
        lines += ["", f"> {text}"]
    # Hits in the article text: their snippets (the reader cannot see them in the lead),
    # never the text itself.
    in_text = [m for m in item.matches if m.field == "text"]
    in_text = [m for m in in_text if m.watchlist == group] or in_text
    for hit in list(dict.fromkeys(m.snippet for m in in_text))[:3]:
        excerpt = one_line(hit)
        if len(excerpt) > 300:
            excerpt = excerpt[:300].rsplit(" ", 1)[0] + " …"
        lines += ["", f"> {md_escape(excerpt)}"]
    if item.note.strip():
        lines += ["", f"**Note:** {md_escape(item.note)}"]
    if details:
        matches = [m for m in item.matches if m.watchlist == group] or item.matches
        if matches:
            fields: dict[str, list[str]] = {}
            for m in matches:
                seen = fields.setdefault(m.describe(), [])
                if m.field not in seen:
                    seen.append(m.field)
            terms = [f"{md_escape(fired)} ({', '.join(f)})" for fired, f in fields.items()]
            lines += ["", f"- Matched: {', '.join(terms)}"]
            others = [t for t in item.tags if t != group]
            if others and group in item.tags:
                lines.append(f"- Also in: {', '.join(md_escape(t) for t in others)}")
    lines.append("")
    return lines


def to_markdown(
    items: Sequence[Item],
    *,
    now: datetime,
    title: str | None = None,
    feeds_order: Sequence[str] | None = None,
    watchlist_order: Sequence[str] | None = None,
    since: datetime | None = None,
    tz: tzinfo | None = None,
    watchlist: str | None = None,
    details: bool = False,
    previous: datetime | None = None,
    feeds: Sequence[FeedConfig] | None = None,
    states: Mapping[str, FeedState] | None = None,
    sources: Mapping[str, Sequence[tuple[Item, bool]]] | None = None,
) -> str:
    """A briefing to forward: a top line, the analyst's picks, then one section per watchlist
    (then hand-flagged items) by day, newest first, and the coverage of the period.

    ``sources`` (item id -> the other items of its story, each with whether it is only a
    possible part of it, see :mod:`monitor.stories`) lists a story once: its newest item with
    every other outlet's item under it, the others not again in that section.

    Times and days are those of ``tz`` (default: the display zone, :mod:`monitor.timefmt`):
    an item at 23:51 UTC on 30 November is filed under 1 December in Kyiv. ``watchlist``
    keeps only that watchlist's section (and titles the briefing with it). ``details`` adds
    which terms matched. ``previous`` (the last briefing's time) counts and marks what is
    new since. ``feeds`` and ``states`` give the coverage section: the feeds that failed.
    ``feeds_order`` breaks ties between items of the same minute (config order);
    ``watchlist_order`` orders the sections (config order; others follow by name).
    """
    rank = {name: i for i, name in enumerate(feeds_order or ())}
    ordered = sorted(items, key=lambda i: (rank.get(i.feed, len(rank)), i.feed))
    ordered = sorted(ordered, key=lambda i: i.time.replace(second=0, microsecond=0), reverse=True)
    heading = title or briefing.briefing_title(watchlist, since, now, ordered, tz)
    out = [f"# {md_escape(heading)}", ""]
    top = briefing.top_line(ordered, watchlist_order or (), previous, watchlist)
    out += [md_escape(top.words(tz)), ""]
    scope = f" covering from {timefmt.full(since, tz)}" if since else ""
    out += [f"Generated {timefmt.full(now, tz)}{scope}.", ""]
    if not ordered:
        out += ["No flagged items.", ""]
    picks = [i for i in ordered if i.pinned]
    if picks:
        out += [f"## Key developments ({len(picks)})", ""]
        for item in picks:
            out += _item_markdown(item, None, tz, details=details, previous=previous)
    for group, group_items in _groups(ordered, watchlist_order).items():
        if watchlist is not None and group != watchlist:
            continue
        out += [f"## {md_escape(group)} ({len(group_items)})", ""]
        day = None
        listed: set[str] = set()  # items already shown as another item's source
        for item in group_items:
            if item.id in listed:
                continue
            item_day = timefmt.day(item.time, tz)
            if item_day != day:
                day = item_day
                out += [f"### {day.isoformat()}", ""]
            if item.pinned:
                out += [f"- {md_escape(item.title) or '(untitled)'}: under Key developments", ""]
                continue
            lines = _item_markdown(item, group, tz, details=details, previous=previous)
            others = (sources or {}).get(item.id, ())
            if others:
                lines[-1:] = [*_sources_markdown(others, tz), ""]
                listed.update(other.id for other, _ in others)
            out += lines
    if feeds is not None:
        total, gaps = briefing.coverage(feeds, states or {}, since, tz)
        out += ["## Coverage", ""]
        if not gaps:
            out += [f"All {total} feeds answered in this period.", ""]
        else:
            answered = total - len(gaps)
            out += [f"{answered} of {total} feeds answered throughout; these did not:", ""]
            out += [f"- {md_escape(g.feed)}: {md_escape(g.what)}" for g in gaps]
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _sources_markdown(others: Sequence[tuple[Item, bool]], tz: tzinfo | None) -> list[str]:
    """The other outlets' items of a story, under the item that stands for it."""
    lines = ["", f"Also reported by {len(others)} more:"]
    for other, possible in others:
        url = safe_url(other.link)
        link = f": <{url}>" if url else ""
        maybe = " (possible same story)" if possible else ""
        title = md_escape(other.title) or "(untitled)"
        lines.append(
            f"- {md_escape(other.feed)}, {timefmt.full(other.time, tz)}{maybe}: {title}{link}"
        )
    return lines


def item_record(item: Item) -> dict[str, object]:
    """The JSON-ready record of one item (plain text fields, ISO 8601 UTC times)."""
    return {
        "id": item.id,
        "feed": item.feed,
        "title": item.title,
        "link": item.link,
        "published": to_iso(item.published),
        "first_seen": to_iso(item.first_seen),
        "summary": item.summary,
        "text": item.text,
        "tags": item.tags,
        "matches": [
            {
                "watchlist": m.watchlist,
                "term": m.term,
                "field": m.field,
                "snippet": m.snippet,
                "start": m.start,
                "end": m.end,
                "rule": m.rule,
            }
            for m in item.matches
        ],
        "flagged": item.flagged,
        "read": item.read,
        "pinned": item.pinned,
        "note": item.note,
    }


def story_fields(item: Item, story: Story | None) -> dict[str, object]:
    """``story`` (an id shared by the items of one story; an item alone is its own),
    ``story_outlets`` (the feeds carrying it) and ``story_possible`` (true when the story
    joins items across languages by shared anchors only: "possible same story")."""
    if story is None:
        return {
            "story": singleton_story_id(item.id),
            "story_outlets": [item.feed],
            "story_possible": False,
        }
    return {"story": story.id, "story_outlets": list(story.feeds), "story_possible": story.possible}


def to_jsonl(items: Iterable[Item], stories: Mapping[str, Story] | None = None) -> str:
    """One JSON object per line (UTF-8, control characters escaped by JSON); every row
    carries its story (``stories``: item id -> Story; missing: the item alone)."""
    stories = stories or {}
    lines = (
        json.dumps(item_record(i) | story_fields(i, stories.get(i.id)), ensure_ascii=False)
        for i in items
    )
    # U+2028/2029 are valid in JSON but split lines in some readers: escape them too.
    return "".join(
        line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n" for line in lines
    )


# -- one path for both fronts: the export dialog and `monitor export` -------------------------


class UnknownWatchlist(MonitorError):
    """An export or search named a watchlist that feeds.toml does not have (exit 2)."""

    exit_code = 2


def resolve_watchlist(names: Sequence[str], wanted: str | None) -> str | None:
    """The configured name ``wanted`` means (any case), None for none wanted; raises
    :class:`UnknownWatchlist` naming the known ones."""
    if wanted is None:
        return None
    key = wanted.strip().casefold()
    found = next((n for n in names if n.casefold() == key), None)
    if found is None:
        known = ", ".join(f'"{n}"' for n in names) or "none"
        raise UnknownWatchlist(f'unknown watchlist "{one_line(wanted)}" (known: {known})')
    return found


def render_briefing(
    items: Sequence[Item],
    *,
    fmt: str,
    now: datetime,
    feeds: Sequence[FeedConfig],
    watchlist_order: Sequence[str],
    since: datetime | None = None,
    watchlist: str | None = None,
    details: bool = False,
    previous: datetime | None = None,
    states: Mapping[str, FeedState] | None = None,
    stories: Mapping[str, Story] | None = None,
    sources: Mapping[str, Sequence[tuple[Item, bool]]] | None = None,
) -> str:
    """The export's text: JSON lines (``fmt == "json"``) or the Markdown briefing."""
    if fmt == "json":
        return to_jsonl(items, stories)
    return to_markdown(
        items,
        now=now,
        feeds_order=[f.name for f in feeds],
        watchlist_order=watchlist_order,
        since=since,
        watchlist=watchlist,
        details=details,
        previous=previous,
        feeds=feeds,
        states=states,
        sources=sources,
    )


def write_briefing(
    path: Path,
    text: str,
    *,
    fmt: str,
    history_path: Path,
    now: datetime,
    make_folder: bool = False,
) -> None:
    """Write the export to ``path`` atomically (never half a file); a Markdown briefing is
    remembered, so the next one counts what is new since it. ``make_folder``: create a
    missing folder (the dialog, where the folder was picked; the CLI reports it instead)."""
    if make_folder:
        try:
            path.expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MonitorError(f"cannot write {path}: {exc.strerror or exc}") from None
    write_text_atomic(path, text)
    if fmt == "markdown":
        briefing.remember_briefing(history_path, now)
