"""The journal beside the snapshot: changes cost what changed, other processes' appends are
picked up by offset, and a torn, damaged or newer journal never loses or invents data."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest

from monitor.errors import HistoryError
from monitor.history import History
from monitor.history import store as history_store
from monitor.history import sync as history_sync
from monitor.history.journal import encode
from monitor.models import FeedState, Item, Match

NOW = datetime(2025, 10, 20, 12, 0, tzinfo=timezone.utc)


def make_item(n: int, **changes: object) -> Item:
    item = Item(
        id=f"unn-en:{n}",
        feed="unn-en",
        title=f"Defence ministry update {n}",
        link=f"https://example.org/news/{n}",
        summary="The Ministry of Defence said procurement of unmanned systems will expand. " * 3,
        published=NOW - timedelta(minutes=n),
        first_seen=NOW - timedelta(minutes=n, seconds=5),
    )
    for name, value in changes.items():
        setattr(item, name, value)
    return item


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "history.json"


def journal(path: Path) -> Path:
    return path.with_name(path.name + ".journal")


def test_a_flag_appends_a_small_record_and_leaves_the_snapshot_alone(path: Path) -> None:
    history = History.open(path)
    history.add_items([make_item(n, text="Full article text. " * 1000) for n in range(500)])
    history.compact()
    snapshot = path.read_bytes()
    before = journal(path).stat().st_size
    history.set_flag("unn-en:7", True)
    assert path.read_bytes() == snapshot  # not rewritten
    assert 0 < journal(path).stat().st_size - before < 4096
    assert History.open(path).get("unn-en:7").flag_override is True


def test_a_poll_of_unchanged_feeds_records_only_what_changed_in_their_states(path: Path) -> None:
    history = History.open(path)
    states = [FeedState(f"feed {n}", etag=f'"etag-{n}"', last_modified="Mon, 20 Oct 2025 10:00:00 GMT",
                        last_attempt=NOW, last_success=NOW, last_outcome="ok") for n in range(200)]  # fmt: skip
    history.save_feed_states(states)
    size = journal(path).stat().st_size
    later = NOW + timedelta(minutes=15)
    history.save_feed_states([FeedState(s.name, s.etag, s.last_modified, later, later, "not_modified")
                              for s in states])  # fmt: skip
    grew = journal(path).stat().st_size - size
    whole = len(orjson.dumps([s.to_dict() for s in states]))
    assert grew < whole / 2  # name + two times + outcome per feed, not whole documents
    history.save_feed_states([FeedState(s.name, s.etag, s.last_modified, later, later, "not_modified")
                              for s in states])  # fmt: skip
    assert journal(path).stat().st_size - size == grew  # nothing changed: nothing written
    reopened = History.open(path).feed_states()
    assert (
        reopened["feed 7"].last_outcome == "not_modified" and reopened["feed 7"].etag == '"etag-7"'
    )
    assert reopened["feed 7"].last_attempt == later


def test_another_processes_appends_are_picked_up_without_a_reload(path: Path) -> None:
    ours = History.open(path)
    ours.add_items([make_item(n) for n in range(20)])
    theirs = History.open(path)
    held = ours.get("unn-en:3")
    theirs.add_items([make_item(100)])
    theirs.set_read("unn-en:3", True)
    theirs.set_pinned("unn-en:4", True)
    assert ours.changed_on_disk()
    assert ours.refresh() is True
    assert ours.get("unn-en:100") is not None
    assert ours.get("unn-en:3") is held and held.read is True  # replayed onto the same object
    assert ours.get("unn-en:4").pinned is True
    assert ours.refresh() is False and not ours.changed_on_disk()


def test_every_item_and_match_field_round_trips_through_the_journal(path: Path) -> None:
    item = make_item(
        1, text="Body text.", pinned=True, note="call the desk", read=True, flag_override=False
    )
    item.matches = [Match("Drones", "drone NEAR/3 deal", "text", 0, 4, "Body", "drone NEAR/3 deal")]
    History.open(path).add_items([item])
    assert History.open(path).get(item.id) == item


def test_a_torn_tail_is_ignored_and_cut_off_by_the_next_write(path: Path) -> None:
    history = History.open(path)
    history.add_items([make_item(1)])
    history.add_items([make_item(2)])
    data = journal(path).read_bytes()
    journal(path).write_bytes(data[:-7])  # the writer of item 2 died mid-append
    reopened = History.open(path)
    assert reopened.get("unn-en:1") is not None and reopened.get("unn-en:2") is None
    reopened.add_items([make_item(3)])
    final = History.open(path)
    assert {i.id for i in final.items()} == {"unn-en:1", "unn-en:3"}


def test_garbage_after_the_records_is_ignored(path: Path) -> None:
    history = History.open(path)
    history.add_items([make_item(1)])
    with open(journal(path), "ab") as fh:
        fh.write(b"MJ\x05\x00\x00\x00garbage and more garbage")
    reopened = History.open(path)
    assert [i.id for i in reopened.items()] == ["unn-en:1"]
    reopened.set_read("unn-en:1", True)
    assert History.open(path).get("unn-en:1").read is True


def test_a_damaged_record_ends_the_journal(path: Path) -> None:
    history = History.open(path)
    history.add_items([make_item(1)])
    history.add_items([make_item(2)])
    data = bytearray(journal(path).read_bytes())
    data[-3] ^= 0xFF  # a flipped byte in the last record: its checksum no longer matches
    journal(path).write_bytes(bytes(data))
    assert {i.id for i in History.open(path).items()} == {"unn-en:1"}


def test_a_record_from_a_newer_monitor_is_refused_with_one_clear_line(path: Path) -> None:
    History.open(path).add_items([make_item(1)])
    with open(journal(path), "ab") as fh:
        fh.write(encode({"v": 99, "items": []}))
    before = journal(path).read_bytes()
    with pytest.raises(HistoryError) as caught:
        History.open(path)
    message = str(caught.value)
    assert "\n" not in message
    assert (
        f"history journal {journal(path)} has a record from a newer monitor (schema 99" in message
    )
    assert "Upgrade monitor" in message
    assert journal(path).read_bytes() == before


def test_a_history_from_the_previous_release_opens_and_is_upgraded_without_loss(path: Path) -> None:
    """Schema 1, no journal, as 0.1.0 wrote it: read as it is, upgraded by the first write."""
    docs = {str(n + 1): make_item(n).to_dict() for n in range(30)}
    for doc in docs.values():  # 0.1.0 had no text, pinned, note or match rule
        for key in ("text", "pinned", "note"):
            doc.pop(key, None)
    docs["5"]["matches"] = [{"watchlist": "Drones", "term": "drone", "field": "title", "start": 0,
                             "end": 5, "snippet": "drone"}]  # fmt: skip
    docs["6"]["flag_override"] = True
    old = {"feeds": {"1": {"name": "unn-en", "etag": '"x"', "failures": 0}},
           "meta": {"1": {"schema": 1, "app": "monitor", "matcher": "sig"}}, "items": docs}  # fmt: skip
    raw = orjson.dumps(old)
    path.write_bytes(raw)
    history = History.open(path)
    assert len(history) == 30 and history.get("unn-en:4").matches[0].term == "drone"
    assert path.read_bytes() == raw  # opening writes nothing
    history.set_read("unn-en:0", True)
    upgraded = orjson.loads(path.read_bytes())
    assert upgraded["meta"]["1"]["schema"] == 2 and upgraded["meta"]["1"]["matcher"] == "sig"
    assert path.with_name("history.json.bak").read_bytes() == raw  # the old file, kept
    again = History.open(path)
    assert len(again) == 30 and again.get("unn-en:0").read is True
    assert (
        again.get("unn-en:5").flag_override is True and again.feed_states()["unn-en"].etag == '"x"'
    )


def test_a_journal_already_folded_in_by_a_killed_compaction_is_not_replayed(path: Path) -> None:
    history = History.open(path)
    history.add_items([make_item(n) for n in range(5)])
    history.set_read("unn-en:1", True)
    old_journal = journal(path).read_bytes()
    history.compact()
    history.prune(
        1, NOW + timedelta(days=30)
    )  # drops every item: replaying the old adds would undo it
    history.compact()
    journal(path).write_bytes(old_journal)  # as if the compaction died before replacing the journal
    reopened = History.open(path)
    assert len(reopened) == 0
    reopened.add_items([make_item(9)])
    assert [i.id for i in History.open(path).items()] == ["unn-en:9"]


def test_the_journal_is_compacted_once_it_passes_the_threshold(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_sync, "COMPACT_BYTES", 20_000)
    history = History.open(path)
    for n in range(60):
        history.add_items([make_item(n)])
    assert journal(path).stat().st_size < 20_000 + 2_000
    assert len(orjson.loads(path.read_bytes())["items"]) > 30  # folded into the snapshot
    assert len(History.open(path)) == 60


def _bytes_written() -> int:
    with open("/proc/self/io", encoding="ascii") as io:
        return next(int(line.split()[1]) for line in io if line.startswith("wchar:"))


@pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="needs Linux's /proc/self/io")
def test_a_write_too_big_for_the_journal_goes_straight_into_the_snapshot(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first poll of many feeds: its record would be folded in at once, so only the
    snapshot is written (once, not journal record + snapshot); small writes still append."""
    monkeypatch.setattr(history_sync, "COMPACT_BYTES", 20_000)
    history = History.open(path)
    before = _bytes_written()
    history.add_items([make_item(n) for n in range(100)])  # ~40 KB of items
    written = _bytes_written() - before
    snapshot = path.stat().st_size
    assert len(orjson.loads(path.read_bytes())["items"]) == 100
    assert snapshot < written < 1.5 * snapshot  # + the sidecar and a fresh journal's header
    assert journal(path).stat().st_size < 100

    history.add_items([make_item(100)])
    assert path.stat().st_size == snapshot and journal(path).stat().st_size > 100
    assert len(History.open(path)) == 101


def test_compact_when_idle_folds_only_a_journal_worth_it(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = History.open(path)
    history.add_items([make_item(1)])
    assert history.compact_when_idle() is False  # a few hundred bytes: not worth a rewrite
    monkeypatch.setattr(history_store, "IDLE_COMPACT_BYTES", 10)
    assert history.compact_when_idle() is True
    assert history.journal_bytes < 100 and len(orjson.loads(path.read_bytes())["items"]) == 1


def test_the_lock_and_fsync_make_an_acknowledged_append_durable_in_order(path: Path) -> None:
    """Records are appended in transaction order, so replay gives the last write."""
    history = History.open(path)
    history.add_items([make_item(1)])
    for n in range(10):
        history.set_read("unn-en:1", n % 2 == 0)
    assert History.open(path).get("unn-en:1").read is False
    assert os.path.getsize(journal(path)) > 0


def test_an_ids_only_history_tells_new_from_known_without_loading_items(path: Path) -> None:
    history = History.open(path)
    history.add_items([make_item(n) for n in range(50)])
    history.compact()  # writes the ids beside the snapshot
    history.add_items([make_item(60)])  # and one more in the journal
    poller = History.open(path, ids_only=True)
    assert poller._items == {} and len(poller) == 51  # nothing but ids held
    assert "unn-en:7" in poller and "unn-en:60" in poller and "unn-en:99" not in poller
    added = poller.commit([make_item(7), make_item(99)], [FeedState("unn-en", last_new=1)])
    assert [i.id for i in added] == ["unn-en:99"]
    assert poller._items == {}  # still only ids
    history.add_items([make_item(70)])  # another process's append is picked up by id
    assert poller.refresh() and "unn-en:70" in poller
    assert poller.get("unn-en:3").title == "Defence ministry update 3"  # loads on demand
    full = History.open(path)
    assert len(full) == 53 and full.feed_states()["unn-en"].last_new == 1


def test_an_ids_only_history_with_a_stale_sidecar_loads_the_items(path: Path) -> None:
    history = History.open(path)
    history.add_items([make_item(n) for n in range(5)])
    history.compact()
    data = orjson.loads(path.read_bytes())
    del data["items"]["1"]  # edited by another program: the sidecar no longer matches
    path.write_bytes(orjson.dumps(data))
    poller = History.open(path, ids_only=True)
    assert "unn-en:0" not in poller and len(poller) == 4


def test_an_ids_only_history_keeps_the_ids_of_the_snapshot_it_opened(path: Path) -> None:
    """The ids are parsed at the first question, from the sidecar as it was at open: a
    compaction elsewhere in between cannot mix two snapshots' ids."""
    history = History.open(path)
    history.add_items([make_item(n) for n in range(5)])
    history.compact()
    poller = History.open(path, ids_only=True)
    other = History.open(path)
    other.add_items([make_item(9)])
    other.compact()  # a new snapshot and a new sidecar
    assert "unn-en:3" in poller and "unn-en:9" not in poller and len(poller) == 5
    assert poller.refresh() and "unn-en:9" in poller and len(poller) == 6


def test_an_ids_only_history_replays_drops_and_adds_in_order(path: Path) -> None:
    history = History.open(path)
    history.add_items([make_item(n) for n in range(3)])
    history.compact()
    assert history.prune(1, NOW + timedelta(days=2)) == 3  # dropped in the journal...
    history.add_items([make_item(1)])  # ...and one of them stored again since
    poller = History.open(path, ids_only=True)
    assert "unn-en:1" in poller and "unn-en:0" not in poller and len(poller) == 1


def test_a_poll_prunes_an_ids_only_history_at_most_twice_a_day(path: Path) -> None:
    history = History.open(path)
    history.add_items([make_item(n) for n in range(3)])
    assert history.prune(30, NOW + timedelta(days=10)) == 0  # records when it last pruned
    history.compact()
    poller = History.open(path, ids_only=True)
    assert poller.prune(1, NOW + timedelta(days=10, hours=1)) == 0  # pruned an hour ago: skipped
    assert poller._items == {}
    assert poller.prune(1, NOW + timedelta(days=11)) == 3  # due again: loads and prunes
    assert len(History.open(path)) == 0
