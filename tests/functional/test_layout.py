"""Space and states: the sidebar follows the width, empty lists say why, the palette has a
command for every filter and none that mean nothing here."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.command import CommandList

from monitor.models import FeedState
from tests.helpers.app_fixtures import NOW, make_app
from tests.helpers.pilot import screen_rows, titles, until


async def test_the_sidebar_comes_back_when_there_is_room(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 36)) as pilot:
        sidebar = app.main.query_one("#sidebar")
        assert sidebar.display
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not sidebar.display
        await pilot.press("b")  # wanted at 80 columns
        await pilot.pause()
        assert sidebar.display
        await pilot.press("b")
        await pilot.pause()
        assert not sidebar.display
        await pilot.resize_terminal(160, 40)  # widened back: it returns by itself
        await pilot.pause()
        assert sidebar.display
        await pilot.pause(0.1)
        feeds = app.main.feeds_panel
        entry = feeds.get_option_at_index(2).prompt.plain  # MoD Ukraine: the whole error fits
        assert "HTTP 503 Service Unavailable" in entry


async def test_an_empty_list_says_why(tmp_path: Path) -> None:
    app = make_app(tmp_path, items=[], states=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert "Nothing yet: no feed has been polled (r polls now)." in screen_rows(app)
    (tmp_path / "down").mkdir()
    app = make_app(tmp_path / "down", items=[], states=False)
    app.history.save_feed_states(
        [
            FeedState(
                name,
                last_attempt=NOW,
                last_outcome="error",
                failures=3,
                last_error="connection refused",
                down_since=NOW - timedelta(hours=1),
            )
            for name in ("UNN English", "MoD Ukraine")
        ]
    )
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert "All feeds failed: offline? (connection refused)" in screen_rows(app)
        await pilot.press("ctrl+p", *"feed: MoD", "enter")
        await until(pilot, lambda: app.main.filter.feed == "MoD Ukraine")
        assert "MoD Ukraine has never answered (connection refused)." in screen_rows(app)


async def test_a_filter_that_matches_nothing_says_so(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("slash", *"zzzz", "enter")
        await until(pilot, lambda: titles(app) == [])
        assert "No items match /zzzz (esc clears)." in screen_rows(app)


async def test_the_palette_has_every_filter_and_no_screenshot(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+p", *"watchlist: PURL")
        await until(
            pilot,
            lambda: (
                bool(app.screen.query(CommandList))
                and app.screen.query_one(CommandList).option_count > 0
            ),
        )
        first = app.screen.query_one(CommandList).get_option_at_index(0).prompt
        assert "Show watchlist: PURL" in str(first)
        await pilot.press("enter")
        await until(pilot, lambda: app.main.filter.watchlist == "PURL")
        assert titles(app) == ["NATO allies fund the PURL package"]
        await pilot.press("ctrl+p", *"screenshot")
        await pilot.pause(0.3)
        options = app.screen.query_one(CommandList)
        shown = [str(options.get_option_at_index(n).prompt) for n in range(options.option_count)]
        assert not any("Screenshot" in s or "Maximize" in s for s in shown), shown


async def test_the_palette_filters_by_folder_too(tmp_path: Path) -> None:
    from tests.functional.test_folders import make_app as make_folder_app

    app = make_folder_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+p", *"folder: Ukraine")
        await until(
            pilot,
            lambda: (
                bool(app.screen.query(CommandList))
                and app.screen.query_one(CommandList).option_count > 0
            ),
        )
        await pilot.press("enter")
        await until(pilot, lambda: app.main.filter.folder == "Ukraine")
        assert {i.feed for i in app.main.item_list.visible_items()} == {"MoD Ukraine", "ArmyInform"}
