"""Folders (from OPML or `folder = "..."`) group feeds in the feeds panel and filter the list."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from monitor.app import MonitorApp
from monitor.components.side_panels import FilterPanel
from tests.helpers.app_fixtures import WATCHLISTS, app_for_config, fixed_items

SIZE = (140, 40)

CONFIG = f"""
[[feeds]]
name = "UNN English"
url = "http://127.0.0.1:9/unn.xml"

[[feeds]]
name = "MoD Ukraine"
url = "http://127.0.0.1:9/mod.xml"
folder = "Ukraine"

[[feeds]]
name = "ArmyInform"
url = "http://127.0.0.1:9/army.xml"
folder = "Ukraine"
{WATCHLISTS}
"""


def make_app(tmp_path: Path) -> MonitorApp:
    items = fixed_items()
    items.append(
        replace(
            items[6],
            id="army:1",
            feed="ArmyInform",
            link="https://example.org/army",
            title="Artillery crews finish winter drills near Zhytomyr",
            summary="Gunners practised counter-battery fire.",
        )
    )
    return app_for_config(tmp_path, CONFIG, items=items)


def panel_lines(panel: FilterPanel) -> list[str]:
    return [panel.get_option_at_index(i).prompt.plain for i in range(panel.option_count)]


async def test_folder_groups_feeds_and_filters_the_list_by_all_of_them(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        feeds = app.query_one("#feeds", FilterPanel)
        lines = panel_lines(feeds)
        # Unfoldered feeds first, then the folder's heading with its feeds indented under it.
        heading = next(i for i, line in enumerate(lines) if "▾ Ukraine" in line)
        assert "UNN English" in lines[heading - 1]
        assert "MoD Ukraine" in lines[heading + 1] and "ArmyInform" in lines[heading + 2]
        assert "4 unread" in lines[heading]  # MoD's three unread items and ArmyInform's one

        feeds.focus()
        for _ in range(heading):
            await pilot.press("j")
        await pilot.press("enter")
        await pilot.pause()
        shown = {i.feed for i in app.main.item_list.visible_items()}
        assert shown == {"MoD Ukraine", "ArmyInform"}
        assert "folder: Ukraine" in app.main.status_line.render().plain  # type: ignore[union-attr]
        assert panel_lines(feeds)[heading].startswith("▶")

        await pilot.press("enter")  # again: the folder filter is cleared
        await pilot.pause()
        assert len(app.main.item_list.visible_items()) == 9


async def test_folder_filter_combines_with_a_watchlist(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        feeds = app.query_one("#feeds", FilterPanel)
        heading = next(i for i, line in enumerate(panel_lines(feeds)) if "▾ Ukraine" in line)
        feeds.focus()
        for _ in range(heading):
            await pilot.press("j")
        await pilot.press("enter")
        watchlists = app.query_one("#watchlists", FilterPanel)
        watchlists.focus()
        await pilot.press("j", "enter")  # All, Drone Deal
        await pilot.pause()
        assert [i.title for i in app.main.item_list.visible_items()] == [
            "Міноборони отримало нові дрони"
        ]
