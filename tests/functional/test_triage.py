"""Morning triage keys, pressed for real: keys act on the highlighted row, pins and notes,
next/previous unread, mark the view read, a truthful copy, and the markers in the list."""

from __future__ import annotations

import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.app import MonitorApp
from monitor.history import History
from monitor.models import Item
from monitor.screens.triage import ConfirmScreen, NoteScreen
from monitor.stamps import LAST_LOOK, read_stamp, write_stamp
from monitor.view import display_order
from tests.helpers.app_fixtures import NOW, fixed_items, make_app
from tests.helpers.pilot import Told, detail_shown, screen_rows, titles, until


async def test_enter_j_j_f_flags_the_highlighted_item_at_80x24(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    path = app.history.path
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "j", "j")
        target = app.main.item_list.current
        assert target.title == "NATO allies fund the PURL package"
        assert target.title in detail_shown(app)  # the detail follows
        await pilot.press("f")
        await until(pilot, lambda: History.open(path).get(target.id).flag_override is False)
        first = History.open(path).get("UNN English:1")
        assert first.flagged and first.flag_override is None  # the opened one is untouched


async def test_p_pins_and_a_notes_the_highlighted_item(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    path = app.history.path
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("j", "p")
        target = app.main.item_list.current
        await until(pilot, lambda: History.open(path).get(target.id).pinned)
        await pilot.pause()
        assert screen_rows(app).splitlines()[1].startswith("★")
        await pilot.press("a")
        assert isinstance(app.screen, NoteScreen)
        await pilot.press(*"Ask MoD", "enter")
        await until(pilot, lambda: History.open(path).get(target.id).note == "Ask MoD")
        await pilot.pause()
        assert "Your note: Ask MoD" in detail_shown(app)
        text = detail_shown(app)
        assert text.index("Партія дронів") < text.index("Source")  # the words before metadata
        await pilot.press("a", "escape")  # esc leaves the note as it was
        await pilot.press("p")
        await until(pilot, lambda: not History.open(path).get(target.id).pinned)
        assert History.open(path).get(target.id).note == "Ask MoD"


async def test_n_and_shift_n_move_between_unread_items(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    told = Told()
    async with app.run_test(size=(120, 36), message_hook=told) as pilot:
        await pilot.press("j", "n")  # from row 1 the next unread skips the read row 2
        assert app.main.item_list.current.title.endswith("sirens in Kyiv")
        await pilot.press("n", "n")
        assert app.main.item_list.current.title == "Training of new brigades continues"
        await pilot.press("n")  # nothing unread below: stays, says so
        assert app.main.item_list.current.title == "Training of new brigades continues"
        assert told[-1] == "No unread item below in this view."
        await pilot.press("N")
        assert app.main.item_list.current.title == "Defence minister meets partners"


async def test_shift_a_marks_the_view_read_and_asks_above_fifty(tmp_path: Path) -> None:
    many = [
        Item(
            f"bulk:{n}",
            "UNN English",
            f"Routine item {n}",
            f"https://example.org/b{n}",
            "",
            NOW - timedelta(minutes=n),
            NOW - timedelta(minutes=n),
        )
        for n in range(60)
    ]
    app = make_app(tmp_path, items=[*fixed_items(), *many])
    path = app.history.path
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("F", "A")  # the flagged view: 3 unread, no question
        await until(
            pilot, lambda: sum(not i.read and i.flagged for i in History.open(path).items()) == 0
        )
        assert sum(not i.read for i in History.open(path).items()) == 62  # only that view
        await pilot.press("F", "A")  # everything: 62 unread, asks first
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert sum(not i.read for i in History.open(path).items()) == 62
        await pilot.press("A", "y")
        await until(pilot, lambda: all(i.read for i in History.open(path).items()))


def _fake_xclip(tmp_path: Path) -> Path:
    """An xclip on PATH that keeps what it is given (the machine has no X display)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "xclip"
    script.write_text(f'#!/bin/sh\ncat > "{tmp_path}/clipboard"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return bin_dir


async def test_y_says_what_really_happened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(_fake_xclip(tmp_path)) + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    app = make_app(tmp_path)
    told = Told()
    async with app.run_test(size=(120, 36), message_hook=told) as pilot:
        await pilot.press("y")
        await until(pilot, lambda: any(n.startswith("Copied") for n in told))
        assert told[-1] == "Copied to the clipboard (xclip): https://example.org/1"
        assert (tmp_path / "clipboard").read_text(encoding="utf-8") == "https://example.org/1"

        monkeypatch.delenv("DISPLAY")  # over SSH: no tool can reach a clipboard
        await pilot.press("j", "y")
        await until(pilot, lambda: told[-1].startswith("Sent to the terminal's clipboard"))
        assert told[-1].endswith("https://example.org/2")


async def test_new_since_the_last_look_and_undated_items_are_marked(tmp_path: Path) -> None:
    undated = Item(
        "MoD Ukraine:u",
        "MoD Ukraine",
        "Undated ministry notice",
        "https://example.org/u",
        "",
        None,
        NOW - timedelta(minutes=30),
    )
    app = make_app(tmp_path, items=[*fixed_items(), undated])
    write_stamp(app.history.path, LAST_LOOK, NOW - timedelta(hours=4))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        rows = screen_rows(app).splitlines()
        # seen 30 minutes ago, but not shown above the news of an hour ago that was out by then
        assert titles(app)[:2] == [
            "Ukraine signs drone deal with Denmark",
            "Undated ministry notice",
        ]
        assert rows[1][3] == "~" and rows[0][3] == " "  # undated: the time first seen
        assert [r[1] for r in rows[:5]] == ["✦", "✦", "✦", " ", "●"]  # ✦: since the last look
    assert read_stamp(app.history.path, LAST_LOOK) == NOW  # this look, for the next time


def test_undated_items_never_claim_to_be_newer_than_dated_news() -> None:
    dated_old = Item("a", "F", "old", "", "", NOW - timedelta(hours=5), NOW - timedelta(hours=1))
    dated_new = Item("b", "F", "new", "", "", NOW - timedelta(minutes=10), NOW)
    undated = Item("c", "G", "undated", "", "", None, NOW - timedelta(minutes=50))
    order = display_order(
        sorted([dated_old, dated_new, undated], key=lambda i: i.time, reverse=True)
    )
    # seen before "new" was out: below it; seen after "old" was out: not above it either
    assert [i.id for i in order] == ["b", "a", "c"]


async def test_tags_keep_the_watchlists_order(tmp_path: Path) -> None:
    both = Item(
        "UNN English:both",
        "UNN English",
        "PURL money for drone makers",
        "https://example.org/both",
        "",
        NOW,
        NOW,
    )
    app: MonitorApp = make_app(tmp_path, items=[both])
    async with app.run_test(size=(160, 36)) as pilot:
        await pilot.pause()
        row = screen_rows(app).splitlines()[0]
        assert row.index("[Drone Deal]") < row.index("[PURL]")  # config order, not hit order


async def test_the_export_dialog_starts_from_the_view_counts_and_remembers_the_folder(
    tmp_path: Path,
) -> None:
    import json

    from textual.widgets import Input, Select, Static

    from monitor.screens.export import ExportScreen

    app = make_app(tmp_path)
    out = tmp_path / "briefings"
    out.mkdir()
    told = Told()
    async with app.run_test(size=(120, 40), message_hook=told) as pilot:
        app.main.set_filter(watchlist="Drone Deal")
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        assert dialog.query_one("#export-watchlist", Select).value == "Drone Deal"
        path = dialog.query_one("#export-path", Input)
        assert path.value == str(tmp_path / "briefing-drone-deal-2025-10-06.md")
        await pilot.pause()
        count = dialog.query_one("#export-count", Static).render()
        assert str(count) == "2 items will be written."
        dialog.query_one("#export-format", Select).value = "json"
        await pilot.pause()
        assert path.value == str(tmp_path / "briefing-drone-deal-2025-10-06.jsonl")
        path.value = str(out / "drones.jsonl")
        await pilot.press("enter")
        await until(pilot, lambda: any(n.startswith("Wrote 2 items") for n in told))
        rows = [json.loads(line) for line in (out / "drones.jsonl").read_text().splitlines()]
        assert {r["title"] for r in rows} == {
            "Ukraine signs drone deal with Denmark",
            "Міноборони отримало нові дрони",
        }
        app.main.set_filter(watchlist=None, feed="MoD Ukraine")
        await pilot.press("e")  # the last folder used, the feed of the view
        dialog = app.screen
        assert dialog.query_one("#export-path", Input).value == str(out / "briefing-2025-10-06.md")
        await pilot.pause()
        assert str(dialog.query_one("#export-count", Static).render()) == (
            "2 items from MoD Ukraine will be written."
        )


def test_display_order_matches_a_plain_sort_on_random_histories() -> None:
    """The merge places undated items exactly where sorting everything by the same rule would."""
    import random
    from bisect import bisect_right

    rng = random.Random(7)

    def reference(items: list[Item]) -> list[str]:
        dated = sorted((i for i in items if i.published), key=lambda i: i.first_seen)
        seen = [i.first_seen for i in dated]
        newest: list = []
        for i in dated:
            newest.append(max(newest[-1], i.published) if newest else i.published)

        def key(i: Item) -> tuple:
            if i.published is not None:
                return i.published, 1
            k = bisect_right(seen, i.first_seen)
            return (min(newest[k - 1], i.first_seen) if k else i.first_seen), 0

        return [i.id for i in sorted(items, key=key, reverse=True)]

    for _ in range(50):
        items = []
        for n in range(rng.randint(0, 60)):
            seen = NOW - timedelta(minutes=rng.randint(0, 600))
            published = (
                None if rng.random() < 0.3 else seen - timedelta(minutes=rng.randint(0, 900))
            )
            items.append(Item(f"i{n}", "F", "t", "", "", published, seen))
        items.sort(key=lambda i: i.time, reverse=True)
        assert [i.id for i in display_order(items)] == reference(items)
