"""Search over many items: the index answers exactly as the evaluator does item by item."""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.models import Item, Match
from monitor.query import Document, Evaluator, parse_query
from monitor.search import SearchIndex, highlight, search_items

NOW = datetime(2025, 10, 6, 12, 0, tzinfo=timezone.utc)

TEXTS = [
    ("США та Україна підписали угоду про дрони", "Угода передбачає спільне виробництво."),
    ("Drone deal signed in Washington", "The deal covers interceptor drones: more to come."),
    ("Уряд обговорив угоди щодо дронів", "Переговори тривають"),
    ("PURL package delivered", "Another PURL tranche; knitting purl stitch unrelated"),
    ("Knitting: the purl stitch", "A craft story. Nothing about drones"),
    ("Мегаугода з США", "Дрони, ракети і снаряди"),
    ("Новини дня", "Підписано угодою від 1.10 про закупівлю"),
    ("A drone. Deal talks go on", ""),
    ("", "drone production deal with the US"),
]


def make_items() -> list[Item]:
    items = []
    for n, (title, summary) in enumerate(TEXTS):
        items.append(
            Item(
                id=f"i{n}",
                feed="UNN English" if title.isascii() else "УНН",
                title=title,
                link=f"https://e.org/{n}",
                summary=summary,
                published=NOW - timedelta(days=n),
                first_seen=NOW,
                matches=[Match("Drone Deal", "drone deal", "title", 0, 1, "")]
                if n % 3 == 0
                else [],
                read=n % 2 == 0,
                flag_override=True if n == 4 else None,
            )
        )
    return items


def one_by_one(items: list[Item], query: str) -> list[int]:
    ev = Evaluator(parse_query(query))
    return [i for i, it in enumerate(items) if ev.evaluate(Document.from_item(it), now=NOW).matched]


QUERIES = [
    "угода",
    "угоду",
    "deal",
    "drone deal",
    '"drone deal"',
    '"угода про дрони"',
    "дрон -угода",
    "-drone",
    "-угода -drone",
    "drone OR дрон",
    "(drone OR дрон) (deal OR угода)",
    "deal -(knitting OR purl)",
    "purl -knitting",
    "drone NEAR/2 deal",
    "дрон NEAR/3 угода",
    '"drone deal" NEAR/3 US',
    'feed:"UNN English" deal',
    "feed:УНН",
    "-feed:УНН",
    'tag:"drone deal"',
    "is:unread",
    "is:read угода",
    "is:flagged",
    "-is:read drone",
    "since:3d",
    "before:3d deal",
    "since:2025-10-04 OR purl",
    "deal OR -drone",
    "(deal OR -drone) -purl",
    "1",
    "10",
    'tag:"drone deal" OR -is:read',
]


@pytest.mark.parametrize("query", QUERIES)
def test_index_and_the_cli_path_agree_with_the_evaluator(query: str) -> None:
    items = make_items()
    index = SearchIndex.build(items)
    expected = one_by_one(items, query)
    assert index.search(parse_query(query), now=NOW) == expected
    assert search_items(items, parse_query(query), now=NOW) == [items[i] for i in expected]


def test_what_a_user_finds() -> None:
    items = make_items()
    index = SearchIndex.build(items)

    def titles(q: str) -> list[str]:
        return [items[i].title for i in index.search(parse_query(q), now=NOW)]

    assert titles("угода") == [
        "США та Україна підписали угоду про дрони",
        "Уряд обговорив угоди щодо дронів",
        "Новини дня",
    ]
    assert titles('"drone deal"') == ["Drone deal signed in Washington"]
    assert titles("drone NEAR/2 deal") == ["Drone deal signed in Washington", ""]


def test_rows_restrict_the_search() -> None:
    items = make_items()
    index = SearchIndex.build(items)
    assert index.search(parse_query("угода"), rows=[0, 1, 6]) == [0, 6]
    assert index.search(parse_query("-угода"), rows=[0, 1, 6]) == [1]
    assert index.search(parse_query(""), rows=[3, 1]) == [1, 3]


def test_state_filters_read_live_state() -> None:
    items = make_items()
    index = SearchIndex.build(items)
    q = parse_query("is:read угода")
    assert index.search(q) == [0, 2, 6]
    items[2].read = False  # the user marks an item unread: no rebuild needed
    assert index.search(q) == [0, 6]


def test_highlight_spans() -> None:
    item = make_items()[1]
    out = highlight(parse_query("deal -purl"), item)
    assert [
        (
            s.field,
            item.summary[s.start : s.end] if s.field == "summary" else item.title[s.start : s.end],
        )
        for s in out.spans
    ] == [("title", "deal"), ("summary", "deal")]


def test_search_items_keeps_order() -> None:
    items = make_items()
    found = search_items(items[::-1], parse_query("угода"), now=NOW)
    assert [i.id for i in found] == ["i6", "i2", "i0"]


_WORDS = [
    "drone",
    "drones",
    "deal",
    "deals",
    "угода",
    "угоду",
    "дрон",
    "дрони",
    "US",
    "the",
    ".",
    ":",
    "\n",
    ",",
    "-",
    "purl",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(st.sampled_from(_WORDS), max_size=12).map(" ".join), min_size=1, max_size=8),
    st.sampled_from(QUERIES),
)
def test_index_agrees_on_random_texts(texts: list[str], query: str) -> None:
    rng = random.Random(len(texts))
    items = [
        Item(
            id=str(n),
            feed=rng.choice(["A", "B"]),
            title=t,
            link="",
            summary=t[::-1],
            published=NOW - timedelta(hours=n * 20),
            first_seen=NOW,
            read=rng.random() < 0.5,
            text=t.upper(),
        )
        for n, t in enumerate(texts)
    ]
    expected = one_by_one(items, query)
    assert SearchIndex.build(items).search(parse_query(query), now=NOW) == expected
    assert search_items(items, parse_query(query), now=NOW) == [items[i] for i in expected]


def test_a_new_snapshot_indexes_only_what_changed_and_drops_what_went() -> None:
    items = make_items()
    first = SearchIndex.build(items)
    docs_before = first.text.docs
    # A poll: one new item on top, one pruned, one item's article text fetched later.
    new = Item(
        id="new",
        feed="УНН",
        title="Угодою про дрони опікується уряд",
        link="",
        summary="",
        published=NOW,
        first_seen=NOW,
    )
    changed = dataclasses.replace(items[4], text="The knitting club signed a drone deal")
    snapshot = [new, *items[:4], changed, *items[6:]]  # items[5] is gone
    second = SearchIndex.build(snapshot, previous=first)
    assert second.text is first.text and second.text.docs == docs_before + 2
    assert second.search(parse_query("угода"), now=NOW) == one_by_one(snapshot, "угода")
    assert second.search(parse_query('"drone deal"'), now=NOW) == [2, 5]
    assert second.search(parse_query("мегаугода"), now=NOW) == []  # items[5] left the view
    # the old snapshot still answers for its own items
    assert first.search(parse_query('"drone deal"'), now=NOW) == [1]
