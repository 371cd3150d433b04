"""Opening newest first: ``History.open(path, head=N)`` gives the newest items at once and
``load_rest()`` the rest, with exactly what a whole open would give."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from tinydb import TinyDB

from monitor.history import History, OrjsonStorage
from monitor.history import format as history_format
from monitor.models import FeedState, Item, Match

NOW = datetime(2025, 10, 20, 12, 0, tzinfo=timezone.utc)


def make_item(n: int, hours_ago: float) -> Item:
    when = NOW - timedelta(hours=hours_ago)
    return Item(
        id=f"unn-en:{n}",
        feed="unn-en",
        title=f"Title {n}",
        link=f"https://example.org/{n}",
        summary=f"Summary of item {n}, long enough to spread the items over chunks. " * 3,
        published=when if n % 7 else None,  # undated items sort by first_seen
        first_seen=when,
        matches=[Match("Drones", "drone", "title", 0, 5, "drone ...")] if n % 5 == 0 else [],
    )


def snapshot(items: list[Item]) -> list[dict[str, object]]:
    return [it.to_dict() for it in items]


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of a few items, so a head read really leaves most of the file unread."""
    monkeypatch.setattr(history_format, "CHUNK_BYTES", 1500)
    monkeypatch.setattr(history_format, "CHUNK_ITEMS", 4)


@pytest.fixture
def path(tmp_path: Path, small_chunks: None) -> Path:
    """A compacted history of 120 items stored in no particular time order."""
    path = tmp_path / "history.json"
    history = History.open(path)
    hours = [(n * 37) % 120 for n in range(120)]  # a shuffle: store order is not time order
    history.commit([make_item(n, h) for n, h in enumerate(hours)], [FeedState("unn-en")])
    history.compact()
    return path


def test_head_open_gives_the_newest_items_before_the_rest(path: Path) -> None:
    whole = History.open(path).items()
    history = History.open(path, head=10)
    assert not history.loaded
    assert len(history._items) < 60  # most of the file was not read
    assert snapshot(history.newest(10)) == snapshot(whole[:10])
    assert list(history.feed_states()) == ["unn-en"]
    shown = history.newest(10)
    history.load_rest()
    assert history.loaded
    assert snapshot(history.items()) == snapshot(whole)
    assert history.newest(10) == shown and all(
        a is b for a, b in zip(history.newest(10), shown, strict=True)
    )


def test_head_open_sees_the_journal_written_since_the_compaction(path: Path) -> None:
    writer = History.open(path)
    oldest = writer.items()[-1]
    writer.add_items([make_item(500, -1), make_item(501, 200)])  # newest of all, oldest of all
    writer.set_read(oldest.id, True)
    writer.set_flag(writer.items()[3].id, True)
    writer.prune(30, NOW + timedelta(days=30, hours=100))  # drops the unflagged old ones
    assert writer.journal_bytes > 0
    whole = History.open(path).items()

    history = History.open(path, head=5)
    assert not history.loaded
    assert snapshot(history.newest(5)) == snapshot(whole[:5])
    assert history.newest(1)[0].id == "unn-en:500"
    history.load_rest()
    assert snapshot(history.items()) == snapshot(whole)


def test_everything_that_needs_every_item_waits_for_the_rest(path: Path) -> None:
    whole = History.open(path).items()
    history = History.open(path, head=3)
    assert len(history) == 120 and history.loaded

    history = History.open(path, head=3)
    assert whole[-1].id in history and history.loaded

    history = History.open(path, head=3)
    history.set_flag(whole[-1].id, True)  # an item the head did not hold
    assert history.loaded
    assert History.open(path).get(whole[-1].id).flag_override is True  # type: ignore[union-attr]
    assert len(History.open(path)) == 120


def test_rest_loads_in_a_thread_while_the_head_answers(path: Path) -> None:
    whole = History.open(path).items()
    history = History.open(path, head=10)
    worker = threading.Thread(target=history.load_rest)
    worker.start()
    for _ in range(50):
        assert snapshot(history.newest(10)) == snapshot(whole[:10])
        assert list(history.feed_states()) == ["unn-en"]
    worker.join()
    assert snapshot(history.items()) == snapshot(whole)


def test_rest_reads_what_another_process_compacted_in_between(path: Path) -> None:
    history = History.open(path, head=10)
    other = History.open(path)
    other.add_items([make_item(600, -2)])
    other.compact()
    history.load_rest()
    assert len(history) == 121 and history.items()[0].id == "unn-en:600"


def test_a_snapshot_not_known_to_be_newest_first_is_read_whole(path: Path) -> None:
    whole = snapshot(History.open(path).items())
    db = TinyDB(path, storage=OrjsonStorage)  # a script rewrote it: the sidecar no longer applies
    db.table("items").insert(make_item(700, 500).to_dict())
    db.close()
    history = History.open(path, head=10)
    assert history.loaded and len(history) == 121
    assert snapshot(history.items())[:10] == whole[:10]


def test_an_empty_history_opens_loaded(tmp_path: Path) -> None:
    history = History.open(tmp_path / "new.json", head=50)
    assert history.newest(50) == [] and len(history) == 0 and history.loaded
