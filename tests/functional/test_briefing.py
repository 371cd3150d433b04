"""A briefing worth forwarding: one watchlist, a top line, the analyst's picks and notes,
leads instead of fragments, match details on request, and the feeds that failed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor import briefing
from monitor.cli import main
from monitor.export import to_markdown
from monitor.history import History
from monitor.models import FeedConfig, FeedState, Item, Match

NOW = datetime.now(timezone.utc).replace(second=0, microsecond=0)

CONFIG = """
[[feeds]]
name = "UNN"
url = "http://127.0.0.1:9/unn.xml"

[[feeds]]
name = "MoD"
url = "http://127.0.0.1:9/mod.xml"

[[watchlists]]
name = "Drone Deal"
terms = ["Drone Deal"]

[[watchlists]]
name = "PURL"
case_sensitive = true
terms = ["PURL"]
"""


def item(n: int, title: str, summary: str, watchlist: str, hours: float, **kw: object) -> Item:
    when = NOW - timedelta(hours=hours)
    start = summary.find(watchlist)
    return Item(
        id=f"i{n}",
        feed="UNN",
        title=title,
        link=f"https://example.org/{n}",
        summary=summary,
        published=when,
        first_seen=when,
        matches=[
            Match(watchlist, watchlist, "summary", start, start + len(watchlist), f"…{watchlist}…")
        ],
        **kw,  # type: ignore[arg-type]
    )


def items() -> list[Item]:
    return [
        item(
            1,
            "Denmark joins the Drone Deal",
            "Denmark will fund drone production in Ukraine. Officials said the Drone Deal grows.",
            "Drone Deal",
            2,
        ),
        item(
            2,
            "New PURL package",
            "NATO allies announced a new package. It is paid under PURL.",
            "PURL",
            3,
        ),
        item(3, "Second PURL tranche", "The Netherlands pays more. PURL grows again.", "PURL", 30),
    ]


@pytest.fixture
def setup(tmp_path: Path) -> tuple[list[str], Path]:
    config = tmp_path / "feeds.toml"
    config.write_text(CONFIG, encoding="utf-8")
    db = tmp_path / "history.json"
    history = History.open(db)
    history.add_items(items())
    history.save_feed_states(
        [
            FeedState("UNN", last_attempt=NOW, last_success=NOW, last_outcome="ok"),
            FeedState(
                "MoD",
                last_attempt=NOW,
                last_success=NOW - timedelta(days=2),
                last_outcome="error",
                last_error="HTTP 503 Service Unavailable",
                failures=4,
                down_since=NOW - timedelta(hours=26),
            ),
        ]
    )
    return ["--config", str(config), "--db", str(db)], db


def test_export_by_watchlist_has_only_it_and_names_it_and_the_period(
    setup: tuple[list[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, _ = setup
    assert main(["export", "--watchlist", "purl", "--since", "7d", *base]) == 0  # any case
    md = capsys.readouterr().out
    first, today = (NOW - timedelta(days=7)).date().isoformat(), NOW.date().isoformat()
    assert md.splitlines()[0] == f"# Defence-policy briefing: PURL, {first} to {today}"
    assert "## PURL (2)" in md and "Drone Deal" not in md
    assert md.splitlines()[2].startswith("2 items: PURL 2")
    assert main(["export", "--watchlist", "knitting", *base]) == 2
    assert (
        capsys.readouterr().err
        == 'monitor: unknown watchlist "knitting" (known: "Drone Deal", "PURL")\n'
    )


def test_picks_first_notes_under_them_leads_and_details_on_request(
    setup: tuple[list[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, db = setup
    history = History.open(db)
    history.set_pinned("i2", True)
    history.set_note("i2", "Ask the ministry *which* systems.")
    assert main(["export", *base]) == 0
    md = capsys.readouterr().out
    assert "3 items: Drone Deal 1, PURL 2 · 1 key development" in md
    picks = md.index("## Key developments (1)")
    assert picks < md.index("## Drone Deal (1)") < md.index("## PURL (2)")
    pick = md[picks : md.index("## Drone Deal")]
    assert "#### New PURL package" in pick and "- Watchlists: PURL" in pick
    assert "> NATO allies announced a new package.\n" in pick  # the lead, whole
    assert "**Note:** Ask the ministry \\*which\\* systems." in pick
    assert "- New PURL package: under Key developments" in md  # not repeated in its section
    assert "> Denmark will fund drone production in Ukraine.\n" in md
    assert "Matched:" not in md and "…Drone Deal…" not in md

    assert main(["export", "--details", *base]) == 0
    assert "- Matched: term “Drone Deal” (title, summary)" in capsys.readouterr().out


def test_coverage_names_the_feeds_that_failed(
    setup: tuple[list[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, _ = setup
    assert main(["export", "--since", "7d", *base]) == 0
    md = capsys.readouterr().out
    coverage = md[md.index("## Coverage") :]
    assert "1 of 2 feeds answered throughout" in coverage
    assert "- MoD: failing since " in coverage and "HTTP 503 Service Unavailable" in coverage


def test_new_since_the_previous_briefing(
    setup: tuple[list[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, db = setup
    out = db.parent / "brief.md"
    assert main(["export", "--out", str(out), *base]) == 0
    assert "new since the previous briefing" not in out.read_text(encoding="utf-8")  # the first one
    later = item(4, "PURL grows", "More PURL money. Details follow.", "PURL", 0)
    later.first_seen = datetime.now(timezone.utc) + timedelta(seconds=1)
    History.open(db).add_items([later])
    assert main(["export", "--out", str(out), *base]) == 0
    md = out.read_text(encoding="utf-8")
    assert "1 new since the previous briefing (" in md
    section = md[md.index("#### PURL grows") :]
    assert section.splitlines()[2].endswith(" · new since the previous briefing")


def test_json_export_carries_pins_and_notes(
    setup: tuple[list[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, db = setup
    History.open(db).set_note("i1", "Follow up")
    assert main(["export", "--format", "json", "--watchlist", "Drone Deal", *base]) == 0
    (record,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert record["note"] == "Follow up" and record["pinned"] is False


def test_lead_is_the_first_sentence_not_a_fragment() -> None:
    it = Item("x", "F", "T", "", "Gen. Smith said U.S. aid arrives. Then more followed.", None, NOW)
    assert briefing.lead(it) == "Gen. Smith said U.S. aid arrives."
    short = Item(
        "y",
        "F",
        "T",
        "",
        "KYIV. The Ministry of Defence announced new drones today. More.",
        None,
        NOW,
    )
    assert briefing.lead(short) == "KYIV. The Ministry of Defence announced new drones today."
    long = Item("z", "F", "T", "", "word " * 200, None, NOW)
    assert len(briefing.lead(long)) <= briefing.LEAD_MAX + 2 and briefing.lead(long).endswith(" …")


def test_undated_items_say_so_in_the_briefing() -> None:
    undated = Item("u", "MoD", "Undated news", "https://example.org/u", "", None, NOW)
    md = to_markdown(
        [undated], now=NOW, feeds=[FeedConfig("MoD", "https://example.org/")], states={}
    )
    assert "(undated: first seen)" in md
    assert "- MoD: not polled yet" in md
