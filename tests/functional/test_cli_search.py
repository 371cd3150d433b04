"""`monitor search`: the query language on the command line, with its exit statuses."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.history import History
from monitor.match import Matcher
from monitor.models import Item, Watchlist, utcnow

CONFIG = """
[[feeds]]
name = "UNN English"
url = "https://example.org/en.xml"

[[feeds]]
name = "УНН"
url = "https://example.org/uk.xml"

[[watchlists]]
name = "Drone Deal"
terms = ["drone deal", "угода про дрони"]
"""

ITEMS = [
    ("УНН", "США та Україна підписали угоду про дрони", "Угода передбачає виробництво."),
    ("УНН", "Уряд обговорив угоди щодо дронів", "Переговори тривають"),
    ("УНН", "Новини дня", "Погода в Києві"),
    ("UNN English", "Drone deal signed in Washington", "The deals cover \x1b[31minterceptors"),
    ("UNN English", "Weather in Kyiv\x1b]0;pwned\x07", "Sunny, no deal"),
]


@pytest.fixture
def setup(tmp_path: Path) -> list[str]:
    config = tmp_path / "feeds.toml"
    config.write_text(CONFIG, encoding="utf-8")
    db = tmp_path / "history.json"
    now = utcnow()
    items = [
        Item(
            id=f"i{n}",
            feed=feed,
            title=title,
            link=f"https://example.org/{n}",
            summary=summary,
            published=now - timedelta(hours=n),
            first_seen=now,
        )
        for n, (feed, title, summary) in enumerate(ITEMS)
    ]
    matcher = Matcher([Watchlist("Drone Deal", ("drone deal", "угода про дрони"))])
    for item in items:
        matcher.apply(item)
    History.open(db).commit(items, [])
    return ["--config", str(config), "--db", str(db)]


def search(
    setup: list[str], capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["search", *args, *setup])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_ukrainian_word_in_any_form(setup: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = search(setup, capsys, "угода")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 2
    assert "США та Україна підписали угоду про дрони" in lines[0]  # newest first
    assert "Уряд обговорив угоди щодо дронів" in lines[1]
    assert "УНН" in lines[0] and "https://example.org/0" in lines[0]


def test_json_rows_are_exports(setup: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = search(setup, capsys, 'deal -"drone deal"', "--format", "json")
    assert code == 0
    (record,) = [json.loads(line) for line in out.splitlines()]
    assert record["title"].startswith("Weather in Kyiv") and record["feed"] == "UNN English"
    assert set(record) >= {"id", "link", "summary", "tags", "flagged", "matches"}


def test_fields_and_limit(setup: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = search(setup, capsys, "feed:УНН", "--limit", "2")
    assert code == 0 and len(out.splitlines()) == 2
    code, out, _ = search(setup, capsys, 'tag:"drone deal" -feed:УНН')
    assert code == 0 and [ln.split("  ")[2] for ln in out.splitlines()] == [
        "Drone deal signed in Washington"
    ]


def test_markdown(setup: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = search(setup, capsys, "deal OR угода", "--format", "markdown")
    assert code == 0
    assert out.startswith("# Search: deal OR угода")
    assert "Weather in Kyiv" in out and "\x1b" not in out


def test_nothing_found_exits_1(setup: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = search(setup, capsys, "submarine")
    assert (code, out, err) == (1, "", "")


def test_query_error_exits_2_with_the_column(
    setup: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = search(setup, capsys, 'drone "deal')
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "monitor: query: unterminated quote (at column 7)",
        '  drone "deal',
        "        ^",
    ]


def test_text_output_is_cleaned(setup: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = search(setup, capsys, "weather")
    assert code == 0 and "Weather in Kyiv" in out
    assert "\x1b" not in out and "\x07" not in out


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: monitor search") and "--limit" in out
