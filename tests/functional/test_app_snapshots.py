"""Snapshots of the main screen and the detail pane: fixed data, fixed clock, 120x36.

Regenerate after a deliberate UI change with ``pytest tests/functional/test_app_snapshots.py --snapshot-update``
and review the SVGs in tests/functional/__snapshots__/.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.app_fixtures import make_app

SIZE = (120, 36)


def test_main_screen(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=SIZE)


def test_detail_pane_with_highlighted_matches(snap_compare, tmp_path: Path) -> None:
    # j: the Ukrainian item (inflected "дрони" matches "дрон"); enter opens and marks it read.
    assert snap_compare(make_app(tmp_path), press=["j", "enter"], terminal_size=SIZE)


def test_filtered_by_flag_and_feed(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(
        make_app(tmp_path),
        press=["F", "shift+tab", "shift+tab", "j", "j", "enter"],
        terminal_size=SIZE,
    )


def test_main_screen_in_80x24(snap_compare, tmp_path: Path) -> None:
    # Below the breakpoint the sidebar hides; b brings it back at its minimum width.
    assert snap_compare(make_app(tmp_path), terminal_size=(80, 24))


def test_sidebar_toggled_on_in_80x24(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path), press=["b"], terminal_size=(80, 24))


def test_main_screen_in_200x60(snap_compare, tmp_path: Path) -> None:
    # The widest layout: the source column grows, the sidebar is at its widest.
    assert snap_compare(make_app(tmp_path), terminal_size=(200, 60))


def test_detail_after_enter_j_j_in_80x24(snap_compare, tmp_path: Path) -> None:
    # enter opens; j j keep moving in the list and the detail follows the highlighted row.
    assert snap_compare(make_app(tmp_path), press=["enter", "j", "j"], terminal_size=(80, 24))
