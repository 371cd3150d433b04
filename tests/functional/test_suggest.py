"""`monitor watchlist suggest`: words and phrases common in a watchlist's hits, from the history."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.history import History
from monitor.models import Item, Watchlist, utcnow
from monitor.suggest import suggest

CONFIG = """
[[watchlists]]
name = "Drone Deal"
terms = ["drone deal", "дронова угода"]
"""

TAGGED = [
    "Drone deal: Washington wants Ukrainian interceptors",
    "Kyiv and Washington discuss the drone deal and interceptors",
    "The drone deal would bring interceptor production to the US",
    "Drone deal talks: interceptor volumes agreed",
    "Дронова угода: Вашингтон хоче купувати українські перехоплювачі",
    "Дронову угоду обговорили у Вашингтоні: перехоплювачі та фінансування",
    "Дронова угода передбачає спільне виробництво перехоплювачів",
    "Drone deal could be signed soon, Washington says",
]
UNTAGGED_NEAR_MISSES = [
    "Washington is interested in Ukrainian interceptors",
    "Перехоплювачі для Вашингтона: переговори тривають",
    "Interceptor production for the US discussed in Kyiv",
]
BACKGROUND = [
    "Parliament debates the budget",
    "Weather service warns of frost",
    "Air raid alert in Kyiv",
    "Уряд ухвалив бюджет на наступний рік",
    "Погода: у Києві похолодання",
    "Football results",
    "Energy grid repaired after the strike",
    "Нова школа відкрилася у Львові",
    "Defence minister meets partners in Brussels",
    "Міністр оборони зустрівся з партнерами",
] * 4


def make_items() -> list[Item]:
    now = utcnow()
    titles = TAGGED + UNTAGGED_NEAR_MISSES + BACKGROUND
    return [
        Item(
            id=f"i{n}",
            feed="UNN",
            title=t,
            link=f"https://example.org/{n}",
            summary="",
            published=now - timedelta(hours=n),
            first_seen=now,
        )
        for n, t in enumerate(titles)
    ]


def test_suggests_words_over_represented_in_hits_with_the_items_they_would_add() -> None:
    found = suggest(make_items(), Watchlist("Drone Deal", ("drone deal", "дронова угода")))
    assert found.tagged == len(TAGGED)
    words = {c.text: c for c in found.words}
    assert "interceptors" in words or "interceptor" in words
    interceptor = words.get("interceptors") or words["interceptor"]
    assert interceptor.hits >= 3 and interceptor.others == 2
    assert set(interceptor.samples) <= set(UNTAGGED_NEAR_MISSES) and interceptor.samples
    assert any(c.text.startswith("перехоплювач") for c in found.words)  # Ukrainian, by lemma
    assert "washington" in words
    assert not any(c.text in ("the", "and", "budget") for c in found.words)
    assert all(" NEAR/5 " in c.text for c in found.rules)


def test_cli_prints_candidates_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text(CONFIG, encoding="utf-8")
    db = tmp_path / "history.json"
    History.open(db).commit(make_items(), [])
    before = (config.read_bytes(), db.read_bytes())
    code = main(["watchlist", "suggest", "drone deal", "--config", str(config), "--db", str(db)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith('Suggestions for "Drone Deal": 8 items tagged')
    assert "untagged: Washington is interested in Ukrainian interceptors" in out
    assert "monitor watchlist test" in out
    assert (config.read_bytes(), db.read_bytes()) == before
