"""`backtest` over a history: the scan's rare-word gate skips items, never changes a result."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from monitor.backtest import backtest
from monitor.match import Matcher
from monitor.models import Item, Watchlist

NOW = datetime(2025, 10, 1, tzinfo=timezone.utc)
WATCHLIST = Watchlist(
    "Drone Deal",
    ("мегаугода",),
    rules=("(drone OR дрон) NEAR/4 (deal OR угода)",),
)
# Every way the rule's words reach a text that a gate reading too little would miss: case,
# inflection, punctuation glued to the word, hyphens, the article text.
TAGGED = [
    ("DRONE DEAL talks resume", ""),
    ("Weather", "Two Drones, one deal."),
    ("(drone)-deal signed", ""),
    ("Talks", "«Дронова» угода? Ні: угода про «дрони»"),
    ("Угоду щодо дронів", ""),
    ("Мегаугоду обговорили", ""),
    ("News", "", "The article names a drone deal."),
    ("News", "", "drone deal"),
]
# Near misses: the rare word inside other words, one side of the rule only, the two sides
# in two fields or lines, a spelling with ґ the dictionary does not know.
UNTAGGED = [
    ("Androne dealers meet", ""),
    ("Paradrone", "ideal deal"),
    ("A deal on grain", ""),
    ("Дрон збили", ""),
    ("drone", ""),
    ("Угода про зерно", ""),
    ("Угоду щодо", "дронів підписали"),  # the title and the summary are not one sentence
    ("Drone", "deal"),
    ("News", "", "The article: a drone\ndeal"),  # nor two lines
    ("Про МЕҐАУГОДУ", ""),
]
FILLER_WITH_DEALS = ("Trade deal on steel", "Угода про сталь, deal або угода")
FILLER_WITH_DRONES = ("Drone attack repelled", "Дрони атакували; drones again")


def item(n: int, title: str, summary: str, text: str = "") -> Item:
    return Item(
        id=f"f:{n}",
        feed="f",
        title=title,
        link="",
        summary=summary,
        text=text,
        published=NOW - timedelta(minutes=n),
        first_seen=NOW,
    )


@pytest.mark.parametrize("filler", [FILLER_WITH_DEALS, FILLER_WITH_DRONES])
def test_a_history_that_makes_one_word_look_rare_changes_no_result(
    filler: tuple[str, str],
) -> None:
    """The gate learns which word is rare from the newest 500 items; here they hold only
    one side of the rule, so the other looks rare, and then the older items hold it in
    every shape, twice (the second time every chunk of text is known to the scan, which
    then decides by the gate alone). The backtest must gain exactly what matching every
    item gains."""
    texts = [filler] * 600 + (TAGGED + UNTAGGED) * 2 + [filler] * 50
    items = [item(n, *t) for n, t in enumerate(texts)]
    matcher = Matcher([WATCHLIST])
    wanted = [i.id for i in items if matcher.match(i.title, i.summary, i.text, feed=i.feed)]
    assert {i.id for i in items[600 : 600 + len(TAGGED)]} <= set(wanted)
    assert not {i.id for i in items[600 + len(TAGGED) : 600 + len(TAGGED) + len(UNTAGGED)]} & set(
        wanted
    )

    result = backtest(items, WATCHLIST)

    assert [c.item.id for c in result.gained] == wanted
    assert result.lost == [] and result.kept == 0 and result.total == len(items)


def test_the_gate_does_not_hide_what_an_item_lost() -> None:
    """An item tagged today is compared however the scan judges it."""
    tagged_today = item(1, "Grain prices", "")
    matcher = Matcher([Watchlist("Drone Deal", ("grain",))])
    matcher.apply(tagged_today)
    items = [item(0, *FILLER_WITH_DEALS)] * 10 + [tagged_today]
    result = backtest(items, WATCHLIST)
    assert [c.item.id for c in result.lost] == ["f:1"]
