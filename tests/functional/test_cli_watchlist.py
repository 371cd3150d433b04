"""`monitor watchlist test`: an edited watchlist run over the history, gained and lost items."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.cli import main
from monitor.history import History
from monitor.match import Matcher
from monitor.models import Item, Watchlist, utcnow

TODAY = """
[[feeds]]
name = "UNN English"
url = "https://example.org/en.xml"

[[watchlists]]
name = "Drone Deal"
terms = ["drone deal", "drone agreement"]
"""

EDITED = """
[[feeds]]
name = "UNN English"
url = "https://example.org/en.xml"

[[watchlists]]
name = "Drone Deal"
terms = ["drone deal"]
rules = ['(drone OR дрон) NEAR/6 (deal OR agreement OR угода) (US OR США OR Washington)']
"""

ITEMS = [
    ("Drone deal signed in Washington", "The deal covers interceptors."),
    ("Kyiv and Washington near an agreement on drones", "Talks continue."),
    ("США та Україна готують угоду щодо дронів", "Переговори тривають."),
    ("Ukraine and Denmark sign drone agreement", "Production starts next year."),
    ("Weather in Kyiv\x1b]0;pwned\x07", "Sunny."),
]


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    today, edited = tmp_path / "feeds.toml", tmp_path / "edited.toml"
    today.write_text(TODAY, encoding="utf-8")
    edited.write_text(EDITED, encoding="utf-8")
    db = tmp_path / "history.json"
    now = utcnow()
    items = [
        Item(
            id=f"i{n}",
            feed="UNN English",
            title=title,
            link=f"https://example.org/{n}",
            summary=summary,
            published=now - timedelta(hours=n),
            first_seen=now,
        )
        for n, (title, summary) in enumerate(ITEMS)
    ]
    matcher = Matcher([Watchlist("Drone Deal", ("drone deal", "drone agreement"))])
    for item in items:
        matcher.apply(item)
    History.open(db).commit(items, [])
    return today, edited, db


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_gained_and_lost_items_with_what_fired(
    setup: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, edited, db = setup
    before = db.read_bytes()
    code, out, err = run(
        capsys, "watchlist", "test", "drone deal", "--config", str(edited), "--db", str(db)
    )
    assert code == 0 and err == ""
    assert out.splitlines()[0].startswith("Drone Deal: +2 / −1 over 5 stored items (1 tagged")
    gained = out[out.index("Gained (2):") : out.index("Lost (1):")]
    assert "Kyiv and Washington near an agreement on drones" in gained
    assert "США та Україна готують угоду щодо дронів" in gained
    assert "rule “(drone OR дрон) NEAR/6" in gained and "(in title)" in gained
    lost = out[out.index("Lost (1):") :]
    assert "Ukraine and Denmark sign drone agreement" in lost
    assert "was: term “drone agreement”" in lost
    assert "Weather" not in out and "\x1b" not in out
    assert db.read_bytes() == before  # nothing written


def test_the_config_in_force_changes_nothing(
    setup: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    today, _, db = setup
    code, out, _ = run(
        capsys, "watchlist", "test", "Drone Deal", "--config", str(today), "--db", str(db)
    )
    assert code == 0
    assert out.splitlines()[0].startswith("Drone Deal: +0 / −0")
    assert "No item would change." in out


def test_unknown_watchlist_and_broken_rule(
    setup: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    today, edited, db = setup
    code, _, err = run(capsys, "watchlist", "test", "PURL", "--config", str(today), "--db", str(db))
    assert code == 2 and err.strip().endswith('no watchlist "PURL" (watchlists: "Drone Deal")')
    edited.write_text(EDITED.replace("NEAR/6 (deal", "NEAR/6 ((deal"), encoding="utf-8")
    code, out, err = run(
        capsys, "watchlist", "test", "Drone Deal", "--config", str(edited), "--db", str(db)
    )
    assert code == 2 and out == ""
    assert f'{edited}:9: watchlist "Drone Deal": rule 1' in err and "unclosed '('" in err


def _scan_words() -> list[str]:
    from tests.helpers.watchlist_passages import PASSAGES
    from tests.unit.test_match import UK_LEXEMES

    words = {w for _, p in PASSAGES for w in p.replace("\n", " ").split()}
    words |= {f for forms in UK_LEXEMES.values() for f in forms[::3]}
    words |= {"мегаугодою", "Дронами", "ДРОНІВ", "UAVs", "Purchasing", "dying", "дрончик", "_drone"}
    return sorted(words)


_SCAN_WORDS = _scan_words()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_SCAN_WORDS), max_size=30), st.sampled_from([0, 1]))
def test_the_history_scan_never_skips_an_item_the_watchlist_tags(
    words: list[str], which: int
) -> None:
    """monitor.scan may only skip items: whatever it rules out has no hit at all."""
    from monitor.config import load_config
    from monitor.paths import shipped_feeds_toml
    from monitor.scan import Scan

    watchlist = load_config(shipped_feeds_toml()).watchlists[which]
    matcher = Matcher([watchlist])
    scan = Scan(matcher)
    text = " ".join(words)
    if not scan.could_tag(text):
        assert matcher.match(text, "") == []


def test_the_history_scan_skips_most_unrelated_items() -> None:
    from monitor.config import load_config
    from monitor.paths import shipped_feeds_toml
    from monitor.scan import Scan

    watchlist = load_config(shipped_feeds_toml()).watchlists[0]
    news = [  # a history is mostly other news
        "Air raid alert in Kyiv",
        "Уряд ухвалив бюджет на наступний рік",
        "Football results",
        "Energy grid repaired after the strike",
        "Нова школа відкрилася у Львові",
        "Defence minister meets partners in Brussels",
        "Міністр оборони зустрівся з партнерами",
        "Weather service warns of frost",
        "Курс гривні на понеділок",
        "Prices rose in October",
    ]
    scan = Scan(Matcher([watchlist]))
    assert [n for n in news if scan.could_tag(n)] == []
    assert not scan.could_tag("Parliament debates the budget", "Погода: у Києві похолодання")
    assert scan.could_tag("Washington wants to buy Ukrainian interceptor drones")
