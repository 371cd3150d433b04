"""The load cache (``<history>.rows``): a compacted history reopens from it with every field
as stored, long summaries and texts are read from the snapshot only when asked for, and a
cache that does not fit its snapshot (stale, damaged, foreign) is ignored, never trusted."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from tinydb import TinyDB

from monitor.history import History, OrjsonStorage
from monitor.history.rows import Stored, rows_path
from monitor.models import Item, Match, raw_field

NOW = datetime(2025, 10, 20, 12, 0, tzinfo=timezone.utc)
TRICKY = 'Міністерство },"summary":"x","published":"y" \\"q\\" \x01\x1f 🛡 \n\t end ' * 3
ARTICLE = "Повний текст статті про оборону. " * 600  # ~20,000 characters


def make_item(n: int) -> Item:
    return Item(
        id=f"unn-uk:{n}",
        feed=f"UNN {n % 3}",
        title=f'Заголовок {n} "лапки" ',
        link=f"https://unn.ua/news/{n}",
        summary=TRICKY if n % 4 == 0 else ("" if n % 9 == 0 else f"Summary {n} " * 10),
        published=None if n % 11 == 0 else NOW - timedelta(minutes=n, microseconds=n),
        first_seen=NOW - timedelta(minutes=n),
        matches=[Match("Drones", "дрон", "title", 0, 4, "дрони …", rule="дрон AND угода")]
        if n % 5 == 0
        else [],
        read=n % 3 == 0,
        flag_override=(None, True, False)[n % 3],
        text=ARTICLE + str(n) if n % 6 == 0 else ("коротко" if n % 7 == 0 else ""),
        pinned=n % 8 == 0,
        note="нотатка" if n % 10 == 0 else "",
    )


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "history.json"


def _stored(path: Path, items: list[Item]) -> History:
    history = History.open(path)
    history.add_items(items)
    history.compact()
    return history


def _docs(history: History) -> dict[str, dict]:
    return {it.id: it.to_dict() for it in history.items()}


def test_a_compacted_history_reopens_from_its_rows_with_every_field(path: Path) -> None:
    items = [make_item(n) for n in range(40)]
    expected = {it.id: it.to_dict() for it in items}
    _stored(path, [make_item(n) for n in range(40)])
    assert rows_path(path).is_file()

    again = History.open(path)
    assert _docs(again) == expected
    # Long summaries and article texts stay in the snapshot until read.
    article = again.get("unn-uk:6")
    assert article is not None and isinstance(raw_field(article, "text"), Stored)
    assert isinstance(raw_field(article, "summary"), Stored)
    assert article.text == ARTICLE + "6"
    # The same history read from its JSON alone gives the same items.
    rows_path(path).unlink()
    assert _docs(History.open(path)) == expected


def test_a_head_open_then_the_rest_from_the_rows_gives_every_item(path: Path) -> None:
    _stored(path, [make_item(n) for n in range(40)])
    expected = _docs(History.open(path))
    head = History.open(path, head=5)
    first = head.newest(5)
    head.load_rest()
    assert _docs(head) == expected
    assert head.newest(5) == first and head.newest(5)[0] is first[0]


@pytest.mark.parametrize(
    "damage",
    ["truncated", "flipped", "garbage", "empty", "other_snapshot", "rewritten_by_tinydb"],
)
def test_rows_that_do_not_fit_their_snapshot_are_ignored(path: Path, damage: str) -> None:
    _stored(path, [make_item(n) for n in range(30)])
    expected = _docs(History.open(path))
    rows = rows_path(path)
    data = rows.read_bytes()
    if damage == "truncated":
        rows.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":
        rows.write_bytes(data[:-40] + bytes([data[-40] ^ 0xFF]) + data[-39:])
    elif damage == "garbage":
        rows.write_bytes(b"\x00garbage" * 100)
    elif damage == "empty":
        rows.write_bytes(b"")
    elif damage == "other_snapshot":  # the rows of an older compaction
        old = rows.with_name("old.rows")
        shutil.copyfile(rows, old)
        History.open(path).set_read("unn-uk:1", False)
        History.open(path).compact()
        expected = _docs(History.open(path))
        os.replace(old, rows)
    else:  # a script rewrote the snapshot through TinyDB (the rows name the old file)
        db = TinyDB(path, storage=OrjsonStorage)
        db.table("items").update({"title": "edited"}, doc_ids=[1])
        db.close()
        expected = {**expected}
        first = next(it for it in History.open(path).items() if it.title == "edited")
        expected[first.id] = {**expected[first.id], "title": "edited"}
        assert any(doc["title"] == "edited" for doc in expected.values())
    assert _docs(History.open(path)) == expected


def test_texts_stay_readable_after_another_process_compacts(path: Path) -> None:
    _stored(path, [make_item(n) for n in range(30)])
    mine = History.open(path)
    article = mine.get("unn-uk:6")
    assert article is not None and isinstance(raw_field(article, "text"), Stored)

    other = History.open(path)
    other.add_items([make_item(100)])
    other.compact()  # replaces the snapshot my texts point into
    assert article.text == ARTICLE + "6"
    assert article.summary == make_item(6).summary

    mine.refresh()
    assert mine.get("unn-uk:100") is not None
    again = mine.get("unn-uk:6")
    assert again is not None and again.text == ARTICLE + "6"


def test_my_own_compaction_moves_the_texts_to_the_new_snapshot(path: Path) -> None:
    history = _stored(path, [make_item(n) for n in range(30)])
    history = History.open(path)
    history.add_items([make_item(120)])  # arrives as plain strings
    history.compact()
    history.compact()  # nothing new: a no-op
    history.set_note("unn-uk:120", "x")
    history.compact()  # a second compaction of items holding deferred texts
    item = history.get("unn-uk:120")
    assert item is not None and isinstance(raw_field(item, "text"), Stored)
    assert item.text == ARTICLE + "120"
    old = path.with_name("history.json.bak")
    assert old.is_file()
    # Everything reads back the same from a fresh open, and TinyDB still reads the file.
    expected = _docs(history)
    assert _docs(History.open(path)) == expected
    docs = {doc["id"]: doc for doc in TinyDB(path, storage=OrjsonStorage).table("items").all()}
    assert docs["unn-uk:120"]["text"] == ARTICLE + "120"
    assert docs["unn-uk:4"]["summary"] == TRICKY


def test_fields_of_a_newer_version_survive_compactions(path: Path) -> None:
    _stored(path, [make_item(n) for n in range(10)])
    db = TinyDB(path, storage=OrjsonStorage)
    db.table("items").update({"future": {"summary": "x", "text": "y"}}, doc_ids=[2])
    db.close()
    for _ in range(2):
        history = History.open(path)
        history.set_read("unn-uk:3", True)
        history.compact()
    docs = TinyDB(path, storage=OrjsonStorage).table("items").all()
    assert [d["future"] for d in docs if "future" in d] == [{"summary": "x", "text": "y"}]
    assert _docs(History.open(path))["unn-uk:4"]["summary"] == TRICKY


def test_a_history_without_rows_opens_and_gains_them_at_its_next_compaction(
    path: Path,
) -> None:
    _stored(path, [make_item(n) for n in range(20)])
    rows_path(path).unlink()  # as a history written by the previous release
    expected = _docs(History.open(path))
    history = History.open(path)
    history.set_read("unn-uk:1", True)
    expected["unn-uk:1"]["read"] = True
    history.compact()
    assert rows_path(path).is_file()
    again = History.open(path)
    assert _docs(again) == expected
    item = again.get("unn-uk:6")
    assert item is not None and isinstance(raw_field(item, "text"), Stored)
