"""The history file's layout: chunked reads and writes give back exactly what was stored,
and files in any other layout TinyDB can read still open (and are never damaged)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest
from tinydb import TinyDB

from monitor.errors import HistoryError
from monitor.history import History, OrjsonStorage
from monitor.history import format as history_format
from monitor.models import FeedState, Item, Match

NOW = datetime(2025, 10, 20, 12, 0, tzinfo=timezone.utc)
TRICKY = 'Міністерство оборони },"12":{"id":"x"} \\"quoted\\" 🛡 \n end'


def make_item(n: int, **changes: object) -> Item:
    item = Item(
        id=f"unn-uk:{n}",
        feed="unn-uk",
        title=f"Заголовок {n}",
        link=f"https://unn.ua/news/{n}",
        summary=TRICKY if n % 7 == 0 else f"Summary {n} " * 20,
        published=None if n % 11 == 0 else NOW - timedelta(minutes=n, microseconds=n),
        first_seen=NOW - timedelta(minutes=n),
        matches=[Match("Drones", "дрон", "title", 0, 4, "дрони ...")] if n % 5 == 0 else [],
        read=n % 3 == 0,
        flag_override=(None, True, False)[n % 3] if n % 4 == 0 else None,
    )
    for name, value in changes.items():
        setattr(item, name, value)
    return item


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "history.json"


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of a few items, so a small history is read and written in many pieces."""
    monkeypatch.setattr(history_format, "CHUNK_BYTES", 700)
    monkeypatch.setattr(history_format, "CHUNK_ITEMS", 3)


def _tinydb_docs(path: Path) -> dict[str, dict]:
    return {doc["id"]: doc for doc in TinyDB(path).table("items").all()}


@pytest.mark.usefixtures("small_chunks")
def test_a_history_read_and_written_in_many_chunks_round_trips_exactly(path: Path) -> None:
    items = [make_item(n) for n in range(60)]
    history = History.open(path)
    history.commit(items, [FeedState("unn-uk", etag='"e"', last_success=NOW)])
    history.set_flag("unn-uk:7", True)
    expected = {item.id: item.to_dict() for item in items}
    expected["unn-uk:7"]["flag_override"] = True
    assert {i.id: i.to_dict() for i in History.open(path).items()} == expected  # from the journal
    history.compact()
    assert _tinydb_docs(path) == expected  # the exact documents to_dict gives, readable by TinyDB
    reopened = History.open(path)
    assert {i.id: i.to_dict() for i in reopened.items()} == expected
    assert reopened.feed_states()["unn-uk"].etag == '"e"'
    assert [i.id for i in reopened.items()] == [i.id for i in history.items()]


def test_each_item_is_written_as_its_to_dict(path: Path) -> None:
    items = [make_item(n) for n in range(15)]
    History.open(path).add_items(items)
    History.open(path).compact()
    written = orjson.loads(path.read_bytes())
    assert list(written) == ["feeds", "meta", "items"]
    for key, item in zip(written["items"], items, strict=True):
        assert orjson.dumps(written["items"][key]) == orjson.dumps(item.to_dict())


def test_times_in_other_zones_are_stored_in_utc(path: Path) -> None:
    kyiv = timezone(timedelta(hours=3))
    item = make_item(1, published=datetime(2025, 10, 20, 15, 0, 0, 250, tzinfo=kyiv))
    History.open(path).add_items([item])
    History.open(path).compact()
    doc = _tinydb_docs(path)["unn-uk:1"]
    assert doc["published"] == "2025-10-20T12:00:00.000250+00:00"
    assert History.open(path).get("unn-uk:1").published == datetime(
        2025, 10, 20, 12, 0, 0, 250, tzinfo=timezone.utc
    )


@pytest.mark.usefixtures("small_chunks")
def test_a_file_written_by_plain_tinydb_opens_and_is_rewritten_whole(path: Path) -> None:
    items = [make_item(n) for n in range(20)]
    db = TinyDB(path, indent=2, ensure_ascii=False)  # TinyDB's own JSONStorage and layout
    db.table("meta").insert({"schema": 1, "app": "monitor", "matcher": "sig"})
    db.table("items").insert_multiple(item.to_dict() for item in items)
    db.table("feeds").insert(FeedState("unn-uk", failures=2).to_dict())
    db.close()
    history = History.open(path)
    assert {i.id: i for i in history.items()} == {i.id: i for i in items}
    assert history.matcher_signature == "sig" and history.feed_states()["unn-uk"].failures == 2
    history.add_items([make_item(99)])
    reopened = History.open(path)
    assert len(reopened) == 21 and reopened.get("unn-uk:3") == items[3]
    assert reopened.feed_states()["unn-uk"].failures == 2
    assert sorted(int(k) for k in orjson.loads(path.read_bytes())["items"]) == list(range(1, 22))


@pytest.mark.usefixtures("small_chunks")
def test_fields_of_a_newer_version_and_odd_documents_survive_a_write(path: Path) -> None:
    docs = {str(n): make_item(n).to_dict() for n in range(1, 10)}
    docs["4"]["translation"] = {"a": {}, "12": {"id": "not an item"}}  # looks like an item boundary
    docs["6"].pop("summary")  # an optional field left out
    data = {
        "feeds": {},
        "meta": {"1": {"schema": 1, "app": "monitor", "matcher": None}},
        "items": docs,
    }
    path.write_bytes(orjson.dumps(data))
    history = History.open(path)
    assert len(history) == 9 and history.get("unn-uk:6").summary == ""
    history.set_read("unn-uk:4", not history.get("unn-uk:4").read)
    stored = _tinydb_docs(path)
    assert stored["unn-uk:4"]["translation"] == {"a": {}, "12": {"id": "not an item"}}
    assert stored["unn-uk:4"]["read"] is history.get("unn-uk:4").read
    assert History.open(path).get("unn-uk:8") == make_item(8)


@pytest.mark.usefixtures("small_chunks")
def test_a_history_truncated_inside_its_items_is_refused_and_left_alone(path: Path) -> None:
    History.open(path).add_items([make_item(n) for n in range(30)])
    content = path.read_bytes()
    for cut in (len(content) // 3, len(content) - 1, len(content) - 2):
        path.write_bytes(content[:cut])
        with pytest.raises(HistoryError, match="is not valid JSON .*; it was left untouched"):
            History.open(path)
        assert path.read_bytes() == content[:cut]


def test_orjson_storage_lets_tinydb_read_and_write_the_history(path: Path) -> None:
    History.open(path).add_items([make_item(n) for n in range(3)])
    History.open(path).compact()  # TinyDB reads the snapshot: the journal folded into it
    db = TinyDB(path, storage=OrjsonStorage)
    assert len(db.table("items")) == 3
    db.table("items").update({"read": True}, doc_ids=[1])
    db.close()
    assert History.open(path).get("unn-uk:0").read is True
    assert json.loads(path.read_text(encoding="utf-8"))["meta"]["1"]["app"] == "monitor"


def test_a_history_with_sorted_tables_still_opens(tmp_path: Path) -> None:
    """``jq -S -c`` writes the tables as feeds, items, meta: not our layout, still a history."""
    path = tmp_path / "history.json"
    history = History.open(path)
    history.commit([make_item(n) for n in range(1, 30)], [FeedState("unn-uk", etag='"e"')])
    expected = [i.to_dict() for i in history.items()]
    path.write_bytes(orjson.dumps(orjson.loads(path.read_bytes()), option=orjson.OPT_SORT_KEYS))
    assert path.read_bytes().index(b'"items"') < path.read_bytes().index(b'"meta"')
    reopened = History.open(path)
    assert [i.to_dict() for i in reopened.items()] == expected
    assert reopened.feed_states()["unn-uk"].etag == '"e"'
