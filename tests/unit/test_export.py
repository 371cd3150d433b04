"""Briefings: grouping, neutralised feed text, only http(s) links, JSON lines round-trip."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor.briefing import LEAD_MAX
from monitor.errors import MonitorError
from monitor.export import md_escape, parse_since, select_items, to_jsonl, to_markdown
from monitor.models import Item, Match

NOW = datetime(2025, 10, 3, 12, 0, tzinfo=timezone.utc)


def item(
    n: int,
    *,
    title: str = "",
    tags: tuple[str, ...] = (),
    published: datetime | None = None,
    link: str | None = None,
    summary: str = "",
    feed: str = "UNN (English)",
    flag: bool | None = None,
) -> Item:
    matches = [
        Match(
            watchlist=t, term=t, field="summary", start=0, end=len(t), snippet=f"…about {t} here…"
        )
        for t in tags
    ]
    return Item(
        id=f"id{n}",
        feed=feed,
        title=title or f"Item {n}",
        link=link if link is not None else f"https://example.org/{n}",
        summary=summary,
        published=published,
        first_seen=NOW - timedelta(hours=n),
        matches=matches,
        flag_override=flag,
    )


def test_parse_since() -> None:
    assert parse_since("7d", NOW) == NOW - timedelta(days=7)
    assert parse_since("12h", NOW) == NOW - timedelta(hours=12)
    assert parse_since("2w", NOW) == NOW - timedelta(weeks=2)
    assert parse_since("2025-10-01", NOW) == datetime(2025, 10, 1, tzinfo=timezone.utc)
    assert parse_since("2025-10-01T06:30:00+03:00", NOW) == datetime(
        2025, 10, 1, 3, 30, tzinfo=timezone.utc
    )
    for bad in ("yesterday", "7 days", "2025-13-01", ""):
        with pytest.raises(MonitorError) as info:
            parse_since(bad, NOW)
        assert "\n" not in str(info.value) and info.value.field == "since"
        assert "--since" not in str(info.value)  # the front end names the option


def test_select_items_flagged_since_and_watchlist() -> None:
    old = item(1, tags=("PURL",), published=NOW - timedelta(days=10))
    purl = item(2, tags=("PURL",), published=NOW - timedelta(days=1))
    drone = item(3, tags=("Drone Deal",), published=NOW - timedelta(hours=2))
    plain = item(4)
    by_hand = item(5, flag=True)
    unflagged = item(6, tags=("PURL",), flag=False)
    items = [old, purl, drone, plain, by_hand, unflagged]
    assert [i.id for i in select_items(items)] == ["id3", "id5", "id2", "id1"]  # newest first
    assert [i.id for i in select_items(items, since=NOW - timedelta(days=7))] == [
        "id3",
        "id5",
        "id2",
    ]
    assert [i.id for i in select_items(items, watchlist="PURL")] == ["id2", "id1"]
    assert len(select_items(items, include_all=True)) == 6


def test_markdown_groups_by_watchlist_then_date() -> None:
    d1 = datetime(2025, 10, 2, 9, 0, tzinfo=timezone.utc)
    d0 = datetime(2025, 10, 1, 18, 0, tzinfo=timezone.utc)
    items = [
        item(1, title="Drone Deal signed", tags=("Drone Deal",), published=d1),
        item(2, title="PURL package", tags=("PURL",), published=d1 - timedelta(hours=1)),
        item(3, title="Older drone news", tags=("Drone Deal",), published=d0),
        item(4, title="Hand picked", flag=True, published=d0),
    ]
    md = to_markdown(items, now=NOW, watchlist_order=["Drone Deal", "PURL"], details=True)
    assert md.startswith("# Defence-policy briefing, 2025-10-01 to 2025-10-03\n")
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert headings == [
        "# Defence-policy briefing, 2025-10-01 to 2025-10-03",
        "## Drone Deal (2)",
        "### 2025-10-02",
        "#### Drone Deal signed",
        "### 2025-10-01",
        "#### Older drone news",
        "## PURL (1)",
        "### 2025-10-02",
        "#### PURL package",
        "## Flagged by hand (1)",
        "### 2025-10-01",
        "#### Hand picked",
    ]
    section = md.split("#### Drone Deal signed", 1)[1].split("####", 1)[0]
    assert "UNN (English)" in section and "2025-10-02 09:00 UTC" in section
    assert "<https://example.org/1>" in section
    assert "- Matched: term “Drone Deal” (summary)" in section
    assert "> " not in section  # no summary: no quote (never a match fragment)


def test_markdown_neutralises_feed_text() -> None:
    hostile = item(
        1,
        title="[x](javascript:alert(1)) <script>alert(1)</script> \x1b[31mred\x1b[0m *bold* _em_ `code` | pipe",
        summary="# heading\n<img src=x onerror=alert(1)> \x1b]8;;http://evil\x07click\x1b]8;;\x07 &amp; \x07bell",
        tags=(),
        flag=True,
        link="javascript:alert(1)",
    )
    hostile.matches = []
    md = to_markdown([hostile], now=NOW)
    body = md.split("## Flagged by hand (1)\n", 1)[1]
    assert "\x1b" not in md and "\x07" not in md
    assert "<script" not in md and "<img" not in md
    assert not re.search(r"(?<!\\)\]\(", md)  # no unescaped "](" that could form a link
    assert "Link:" not in body  # not an http(s) link: omitted
    assert "\\[x\\]" in body and "&lt;script&gt;" in body and "\\*bold\\*" in body
    assert "\\_em\\_" in body and "\\`code\\`" in body and "\\| pipe" in body
    assert "> \\# heading" in body  # the summary's lead, no heading and no raw HTML
    assert "&amp;amp;" in body
    # No line of the item starts a Markdown structure other than the ones we wrote.
    for line in body.splitlines():
        assert not line or re.match(r"(#{2,4} |- |> |$)", line), line


def test_markdown_links_only_http() -> None:
    good = item(1, tags=("PURL",), link="https://mod.gov.ua/news/a b<c>")
    ftp = item(2, tags=("PURL",), link="ftp://example.org/x")
    data = item(3, tags=("PURL",), link="data:text/html,<b>x</b>")
    md = to_markdown([good, ftp, data], now=NOW)
    links = [line for line in md.splitlines() if line.startswith("- Link:")]
    assert links == ["- Link: <https://mod.gov.ua/news/a%20b%3Cc%3E>"]


def test_md_escape_list_markers() -> None:
    assert md_escape("- not a list") == "\\- not a list"
    assert md_escape("1. not a list") == "1\\. not a list"


def test_markdown_long_summary_is_cut() -> None:
    long = item(1, flag=True, summary="word " * 200)
    quote = next(
        line for line in to_markdown([long], now=NOW).splitlines() if line.startswith("> ")
    )
    assert 300 < len(quote) <= LEAD_MAX + 4 and quote.endswith("word …")


def test_markdown_empty() -> None:
    assert "No flagged items." in to_markdown([], now=NOW)


def test_jsonl_round_trip() -> None:
    a = item(
        1,
        title="PURL \x1b[31m<b>",
        tags=("PURL", "Drone Deal"),
        summary="line\u2028two",
        published=datetime(2025, 10, 1, 3, 30, tzinfo=timezone(timedelta(hours=3))),
    )
    b = item(2, flag=True)
    b.read = True
    text = to_jsonl([a, b])
    lines = text.splitlines()
    assert len(lines) == 2 and text.endswith("\n")
    first, second = (json.loads(line) for line in lines)
    assert first["id"] == "id1" and first["feed"] == "UNN (English)"
    assert first["title"] == a.title and first["summary"] == a.summary  # data kept exactly
    assert first["link"] == "https://example.org/1"
    assert first["published"] == "2025-10-01T00:30:00+00:00"
    assert first["first_seen"] == a.first_seen.isoformat()
    assert first["tags"] == ["PURL", "Drone Deal"]
    assert first["matches"][0] | {"start": 0, "end": 0} == {
        "watchlist": "PURL",
        "term": "PURL",
        "field": "summary",
        "snippet": "…about PURL here…",
        "start": 0,
        "end": 0,
        "rule": "",
    }
    assert first["flagged"] is True and first["read"] is False
    assert second["published"] is None and second["tags"] == [] and second["matches"] == []
    assert second["flagged"] is True and second["read"] is True


def test_an_age_too_large_for_a_date_is_a_one_line_error():
    for value in ("99999999d", "9999999999999w", "0001-01-01T00:00:00+01:00"):
        with pytest.raises(MonitorError) as caught:
            parse_since(value, NOW)
        assert str(caught.value).startswith("expected an age") and "\n" not in str(caught.value)
        assert caught.value.field == "since"


def test_one_wording_for_an_unknown_watchlist_and_any_case_finds_a_known_one() -> None:
    from monitor.export import UnknownWatchlist, resolve_watchlist

    names = ["Drone Deal", "PURL"]
    assert resolve_watchlist(names, " drone deal ") == "Drone Deal"
    assert resolve_watchlist(names, None) is None
    with pytest.raises(UnknownWatchlist) as err:
        resolve_watchlist(names, "Drones\x1b[31m")
    assert str(err.value) == 'unknown watchlist "Drones" (known: "Drone Deal", "PURL")'
    assert err.value.exit_code == 2


def test_the_briefing_writer_replaces_the_file_whole_and_remembers_a_markdown_briefing(
    tmp_path: Path,
) -> None:
    from monitor import briefing
    from monitor.export import write_briefing

    out = tmp_path / "brief.md"
    out.write_text("old", encoding="utf-8")
    history = tmp_path / "history.json"
    write_briefing(out, "new\n", fmt="markdown", history_path=history, now=NOW)
    assert out.read_text(encoding="utf-8") == "new\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left
    assert briefing.previous_briefing(history) == NOW
    with pytest.raises(MonitorError, match="cannot write"):
        write_briefing(
            tmp_path / "missing" / "b.md", "x", fmt="json", history_path=history, now=NOW
        )
