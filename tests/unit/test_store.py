"""The history file: what is stored survives, and a file we cannot use is never touched."""

from __future__ import annotations

import gc
import os
import time
import weakref
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest
from filelock import FileLock
from tinydb import TinyDB

from monitor.errors import HistoryError
from monitor.history import History, memory
from monitor.models import FeedState, Item, Match

NOW = datetime(2025, 10, 20, 12, 0, tzinfo=timezone.utc)


def make_item(
    item_id: str,
    hours_ago: float = 0,
    *,
    matched: bool = False,
    published: bool = True,
    title: str = "",
) -> Item:
    when = NOW - timedelta(hours=hours_ago)
    return Item(
        id=item_id,
        feed="unn-en",
        title=title or f"Title {item_id}",
        link=f"https://example.org/{item_id}",
        summary=f"Summary of {item_id}",
        published=when if published else None,
        first_seen=when,
        matches=[Match("Drones", "drone", "title", 0, 5, "drone ...")] if matched else [],
    )


def tag_drones(item: Item) -> bool:
    """A stand-in for Matcher.apply: tags items whose title mentions 'drone'."""
    wanted = [Match("Drones", "drone", "title", 0, 5, "drone ...")] if "drone" in item.title else []
    if item.matches == wanted:
        return False
    item.matches = wanted
    return True


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "monitor" / "history.json"


# -- storing and reading ---------------------------------------------------------------


def test_open_creates_an_empty_history_and_its_directories(path: Path) -> None:
    history = History.open(path)
    assert path.is_file()
    assert len(history) == 0 and history.items() == [] and history.feed_states() == {}
    assert history.matcher_signature is None
    meta = TinyDB(path).table("meta").all()  # a plain TinyDB database
    assert meta == [{"schema": 2, "app": "monitor", "matcher": None, "journal": meta[0]["journal"]}]


def test_open_without_create_refuses_a_missing_file(path: Path) -> None:
    with pytest.raises(HistoryError, match="does not exist"):
        History.open(path, create=False)
    assert not path.exists()


def test_add_skips_known_ids_and_duplicates_within_the_batch(path: Path) -> None:
    history = History.open(path)
    added = history.add_items([make_item("a", 3), make_item("b", 1)])
    assert [i.id for i in added] == ["a", "b"]
    again = history.add_items([make_item("b", 1), make_item("c", 2), make_item("c", 2)])
    assert [i.id for i in again] == ["c"]
    assert len(history) == 3
    assert history.add_items([make_item("a")]) == []


def test_items_are_newest_first_and_get_finds_them(path: Path) -> None:
    history = History.open(path)
    undated = make_item("undated", 2, published=False)  # sorted by first_seen
    history.add_items([make_item("old", 5), make_item("new", 1), undated])
    assert [i.id for i in history.items()] == ["new", "undated", "old"]
    assert history.get("old") == make_item("old", 5)
    assert history.get("nope") is None
    history.add_items([make_item("newest", 0)])
    assert history.items()[0].id == "newest"
    assert [i.id for i in History.open(path).items()] == ["newest", "new", "undated", "old"]


def test_items_round_trip_exactly(path: Path) -> None:
    original = make_item("x", 2, matched=True)
    original.summary = 'Quotes " and \\ and emoji 🛡 and Ukrainian: Міністерство оборони'
    original.text = "The article's own text.\nSecond paragraph."
    original.matches.append(
        Match("Drones", "drone NEAR/3 deal", "text", 4, 9, "…", "drone NEAR/3 deal")
    )
    History.open(path).add_items([original])
    assert History.open(path).get("x") == original  # from the journal
    History.open(path).compact()
    assert History.open(path).get("x") == original  # from the snapshot
    stored = TinyDB(path).table("items").all()
    assert stored == [original.to_dict()]


def test_flags_and_read_marks_persist(path: Path) -> None:
    history = History.open(path)
    history.add_items(
        [make_item("a"), make_item("b", matched=True), make_item("c"), make_item("d")]
    )
    assert history.set_flag("a", True).flagged is True
    assert history.set_flag("b", False).flagged is False
    assert history.set_read("c", True).read is True
    assert history.set_read_many(["c", "d", "unknown"], True) == 1  # c already read

    reopened = History.open(path)
    assert reopened.get("a").flagged is True
    assert reopened.get("b").flagged is False and reopened.get("b").flag_override is False
    assert reopened.get("c").read and reopened.get("d").read

    reopened.set_flag("b", None)  # back to the watchlists: matched, so flagged
    assert History.open(path).get("b").flagged is True
    assert History.open(path).get("b").flag_override is None


def test_changing_an_unknown_item_is_a_clear_error(path: Path) -> None:
    history = History.open(path)
    with pytest.raises(HistoryError, match="item gone is not in history"):
        history.set_flag("gone", True)


def test_retag_tags_items_and_records_the_signature(path: Path) -> None:
    history = History.open(path)
    history.add_items([make_item("a", title="A drone over Kyiv"), make_item("b")])
    assert history.retag(tag_drones, signature="sig-1") == 1
    assert history.matcher_signature == "sig-1"

    reopened = History.open(path)
    assert reopened.matcher_signature == "sig-1"
    assert reopened.get("a").tags == ["Drones"] and reopened.get("a").flagged
    assert reopened.get("b").tags == []


def test_retag_without_changes_does_not_write(path: Path) -> None:
    history = History.open(path)
    history.add_items([make_item("a")])
    history.retag(tag_drones, signature="sig-1")
    before = path.stat()
    assert history.retag(tag_drones, signature="sig-1") == 0
    after = path.stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
    history.retag(tag_drones, signature="sig-2")  # a new signature alone is written
    assert History.open(path).matcher_signature == "sig-2"


def test_hand_unflag_survives_retag(path: Path) -> None:
    history = History.open(path)
    history.add_items([make_item("x", title="drone strike")])
    history.retag(tag_drones)
    assert history.get("x").flagged
    history.set_flag("x", False)
    history.retag(tag_drones, signature="new watchlists")
    reopened = History.open(path)
    assert reopened.get("x").tags == ["Drones"]
    assert reopened.get("x").flagged is False


def test_a_failed_retag_changes_nothing(path: Path) -> None:
    history = History.open(path)
    history.add_items([make_item("a"), make_item("b")])

    def explode(item: Item) -> bool:
        if item.id == "b":
            raise RuntimeError("matcher bug")
        item.matches = [Match("Drones", "drone", "title", 0, 5, "")]
        return True

    with pytest.raises(RuntimeError):
        history.retag(explode)
    assert History.open(path).get("a").matches == []
    assert history.refresh() is True  # memory is resynced from the file
    assert history.get("a").matches == []


def test_prune_drops_old_unflagged_items_only(path: Path) -> None:
    history = History.open(path)
    history.add_items(
        [
            make_item("old", 24 * 100),
            make_item("old-matched", 24 * 100, matched=True),
            make_item("old-hand-flagged", 24 * 100),
            make_item("old-hand-unflagged", 24 * 100, matched=True),
            make_item("recent", 24 * 10),
        ]
    )
    history.set_flag("old-hand-flagged", True)
    history.set_flag("old-hand-unflagged", False)
    assert history.prune(None, NOW) == 0
    assert history.prune(90, NOW) == 2
    kept = ["recent", "old-matched", "old-hand-flagged"]
    assert sorted(i.id for i in history.items()) == sorted(kept)
    assert sorted(i.id for i in History.open(path).items()) == sorted(kept)
    assert history.add_items([make_item("old")])[0].id == "old"  # pruned ids may come back


def test_feed_states_persist_and_merge(path: Path) -> None:
    history = History.open(path)
    unn = FeedState(name="unn-en", etag='"abc"', last_success=NOW, last_outcome="ok", last_new=3)
    mod = FeedState(
        name="mod", failures=2, retry_at=NOW + timedelta(minutes=30), last_error="HTTP 503"
    )
    history.save_feed_states([unn, mod])
    assert History.open(path).feed_states() == {"unn-en": unn, "mod": mod}

    mod_ok = FeedState(name="mod", last_outcome="ok", last_success=NOW)
    added = history.commit([make_item("n1"), make_item("n2")], [mod_ok])
    assert [i.id for i in added] == ["n1", "n2"]
    reopened = History.open(path)
    assert reopened.feed_states() == {"unn-en": unn, "mod": mod_ok}
    assert len(reopened) == 2


# -- several writers ---------------------------------------------------------------------


def test_two_histories_on_one_file_keep_both_changes(path: Path) -> None:
    a = History.open(path)
    b = History.open(path)
    a.add_items([make_item("from-a")])
    assert b.changed_on_disk()
    b.set_flag("from-a", True)  # b catches up with a's write before changing
    a.add_items([make_item("from-a-2")])  # and a with b's, so the flag is not lost
    b.save_feed_states([FeedState(name="mod", failures=1)])

    for view in (History.open(path), a):
        view.refresh()
        assert view.get("from-a").flagged is True
        assert view.get("from-a-2") is not None
        assert view.feed_states()["mod"].failures == 1
    assert a.refresh() is False and not a.changed_on_disk()


def test_a_locked_history_gives_a_clear_error_and_is_left_alone(path: Path) -> None:
    history = History.open(path, lock_timeout=0.1)
    history.add_items([make_item("a")])
    before = path.read_bytes()
    with FileLock(str(path) + ".lock"):
        with pytest.raises(HistoryError) as caught:
            history.set_flag("a", True)
    message = str(caught.value)
    assert message == (
        f"history {path} is locked by another monitor process "
        f"(waited 0.1 s for {path}.lock); try again"
    )
    assert path.read_bytes() == before
    assert history.set_flag("a", True).flagged  # fine once the lock is free


def test_a_compaction_keeps_the_previous_snapshot_and_journal_as_backups(path: Path) -> None:
    history = History.open(path)
    history.add_items([make_item("a")])
    history.add_items([make_item("b")])  # appends write no backup
    assert not Path(str(path) + ".bak").exists()
    snapshot, journal = path.read_bytes(), history.journal_path.read_bytes()
    history.compact()
    assert Path(str(path) + ".bak").read_bytes() == snapshot
    assert Path(str(history.journal_path) + ".bak").read_bytes() == journal
    assert path.read_bytes() != snapshot and {i.id for i in History.open(path).items()} == {
        "a",
        "b",
    }


# -- files we refuse to touch ---------------------------------------------------------------


def _valid_history_bytes(path: Path) -> bytes:
    History.open(path).add_items([make_item("a"), make_item("b")])
    return path.read_bytes()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty", b"", "is empty (0 bytes)"),
        ("blank", b"  \n", "is empty"),
        ("not json", b"<rss>not json</rss>", ("is not valid JSON (", "at line 1 column 1)")),
        ("json list", b"[1, 2, 3]", "is not a monitor history (the JSON is not an object)"),
        ("other tinydb", b'{"_default": {"1": {"x": 1}}}', "is not a monitor history"),
        (
            "other app",
            b'{"meta": {"1": {"app": "other", "schema": 1}}}',
            "is not a monitor history",
        ),
        (
            "newer schema",
            b'{"meta": {"1": {"app": "monitor", "schema": 3}}, "items": {}, "feeds": {}}',
            "was written by a newer monitor (schema 3; this one reads up to 2); it was left untouched. "
            "Upgrade monitor",
        ),
        (
            "bad schema",
            b'{"meta": {"1": {"app": "monitor", "schema": "one"}}}',
            "invalid schema version ('one')",
        ),
        (
            "items not a table",
            b'{"meta": {"1": {"app": "monitor", "schema": 1}}, "items": []}',
            '"items" table',
        ),
        (
            "item without first_seen",
            b'{"meta": {"1": {"app": "monitor", "schema": 1}}, "items": {"7": {"id": "x", "feed": "f"}}}',
            "has a malformed item (document 7: missing 'first_seen')",
        ),
        (
            "item with a bad date",
            b'{"meta": {"1": {"app": "monitor", "schema": 1}}, '
            b'"items": {"7": {"id": "x", "feed": "f", "first_seen": "yesterday"}}}',
            "has a malformed item (document 7: Invalid isoformat string",
        ),
    ],
)
def test_unusable_files_raise_one_clear_line_and_stay_untouched(
    path: Path, name: str, content: bytes, expected: str | tuple[str, ...]
) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    for create in (True, False):
        with pytest.raises(HistoryError) as caught:
            History.open(path, create=create)
        message = str(caught.value)
        assert message.startswith(f"history {path} ")
        for fragment in (expected,) if isinstance(expected, str) else expected:
            assert fragment in message
        assert "\n" not in message
        assert "left untouched" in message
    assert path.read_bytes() == content
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "history.json"
    ]  # no temp file, no backup


def test_truncated_history_names_the_position_and_the_backup(path: Path) -> None:
    full = _valid_history_bytes(path)
    History.open(path).add_items([make_item("c")])
    History.open(path).compact()  # leaves history.json.bak behind
    truncated = full[: len(full) // 2]
    path.write_bytes(truncated)
    with pytest.raises(HistoryError) as caught:
        History.open(path)
    assert str(caught.value) == (
        f"history {path} is not valid JSON (unexpected end of data at line 1 column {len(truncated) + 1}); "
        f"it was left untouched. Restore it from {path}.bak or start a new history"
    )
    assert path.read_bytes() == truncated


def test_a_file_corrupted_behind_our_back_is_not_overwritten(path: Path) -> None:
    history = History.open(path)
    history.add_items([make_item("a")])
    path.write_bytes(b"{garbage")
    with pytest.raises(HistoryError, match="is not valid JSON"):
        history.set_flag("a", True)
    with pytest.raises(HistoryError, match="is not valid JSON"):
        history.refresh()
    assert path.read_bytes() == b"{garbage"


def test_a_directory_in_place_of_the_file_is_refused(path: Path) -> None:
    path.mkdir(parents=True)
    with pytest.raises(HistoryError, match="is a directory"):
        History.open(path)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_refused(path: Path) -> None:
    content = _valid_history_bytes(path)
    path.chmod(0)
    try:
        with pytest.raises(HistoryError, match="cannot be read \\(permission denied\\)"):
            History.open(path)
    finally:
        path.chmod(0o644)
    assert path.read_bytes() == content


def test_a_failed_write_keeps_the_previous_version(path: Path) -> None:
    history = History.open(path)
    history.add_items([make_item("a")])
    history.set_flag("a", True)
    before = path.read_bytes()
    blocker = path.with_name(".history.json.tmp")  # the temp file cannot be created
    blocker.mkdir()
    (blocker / "x").touch()
    with pytest.raises(
        HistoryError, match=f"cannot write history {path} .*; the previous version was left intact"
    ):
        history.compact()
    assert path.read_bytes() == before
    (blocker / "x").unlink()
    blocker.rmdir()
    assert history.refresh() is True  # memory had the new generation: it is reloaded from the files
    assert history.get("a").flag_override is True
    assert History.open(path).get("a").flag_override is True


def test_a_symlinked_history_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "synced" / "history.json"
    real.parent.mkdir()
    link = tmp_path / "history.json"
    link.symlink_to(real)
    History.open(link).add_items([make_item("a")])
    History.open(link).add_items([make_item("b")])
    assert link.is_symlink()
    assert sorted(i.id for i in History.open(real).items()) == ["a", "b"]


def test_written_file_is_compact_json_tinydb_can_read(path: Path) -> None:
    history = History.open(path)
    history.add_items([make_item(f"i{n}", n) for n in range(5)])
    history.set_flag("i3", True)
    history.compact()
    data = orjson.loads(path.read_bytes())
    assert set(data) == {"items", "feeds", "meta"}
    docs = TinyDB(path).table("items").all()
    assert len(docs) == 5 and next(d for d in docs if d["id"] == "i3")["flag_override"] is True


def test_prune_counts_age_from_first_seen_not_published(path: Path) -> None:
    """An old article its feed still lists stays stored, so it is not fetched as new again."""
    history = History.open(path)
    still_listed = make_item("still-listed")  # first seen now...
    still_listed.published = NOW - timedelta(days=400)  # ...but published long ago
    gone = make_item("gone", 24 * 100)
    history.add_items([still_listed, gone])
    assert history.prune(90, NOW) == 1
    assert [i.id for i in History.open(path).items()] == ["still-listed"]
    assert history.add_items([make_item("still-listed")]) == []  # not new on the next poll


def test_prune_with_a_huge_retention_keeps_everything(path: Path) -> None:
    history = History.open(path)
    history.add_items([make_item("a", 24 * 100)])
    assert history.prune(10**9, NOW) == 0
    assert len(History.open(path)) == 1


@pytest.fixture
def local_time_is_not_utc(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "EST+5")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_naive_times_in_the_file_are_utc(path: Path, local_time_is_not_utc: None) -> None:
    """A hand-edited time without an offset means UTC, as models.from_iso reads it."""
    History.open(path).add_items([make_item("a")])
    History.open(path).compact()
    data = orjson.loads(path.read_bytes())
    (doc,) = data["items"].values()
    doc["published"] = doc["first_seen"] = "2025-10-01T08:30:00"
    path.write_bytes(orjson.dumps(data))
    item = History.open(path).get("a")
    expected = datetime(2025, 10, 1, 8, 30, tzinfo=timezone.utc)
    assert item.published == expected and item.first_seen == expected
    assert item.published == Item.from_dict(doc).published


@pytest.fixture
def thaw():
    yield
    gc.unfreeze()


def test_a_big_reload_frees_garbage_frozen_by_the_previous_load(
    path: Path, monkeypatch: pytest.MonkeyPatch, thaw: None
) -> None:
    """gc.freeze() at a big load must not keep cycles dropped later alive for good (TUI widgets)."""
    monkeypatch.setattr(memory, "FREEZE_BYTES", 0)  # every file counts as big

    class Widget:
        pass

    widget = Widget()
    widget.self = widget  # a cycle: only the cyclic GC frees it
    alive = weakref.ref(widget)
    history = History.open(path)  # freezes every live object, the widget included
    del widget
    History.open(path).add_items([make_item("a")])  # another process writes
    assert history.refresh() is True  # the reload of the big file
    gc.collect()
    assert alive() is None
