"""`monitor demo` shows the analyst's desk: a story three outlets carry (once, ×3), a near miss
kept apart, a spike on the Trends screen and a toast after its poll (pilot, real demo server)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from monitor.app import MonitorApp
from monitor.config import load_config
from monitor.demo import prepare_demo
from monitor.history import History
from monitor.match import Matcher
from monitor.screens.trends import TrendsScreen
from tests.helpers.pilot import Told

DUTCH = {
    "Netherlands announces new PURL package worth EUR 250 million",
    "Нідерланди виділять 250 млн євро в рамках PURL",
    "Нідерланди виділять ще 250 млн євро в рамках PURL",
}
NORWAY = "Norway announces new PURL package worth EUR 250 million"


async def until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 20.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not reached in time")


async def test_the_demo_shows_a_story_a_near_miss_a_spike_and_a_toast(tmp_path: Path) -> None:
    config_path, history_path, server = prepare_demo(tmp_path)
    try:
        config = load_config(config_path)
        history = History.open(history_path)
        app = MonitorApp(
            config,
            config_path,
            history,
            Matcher(config.watchlists),
            watch_files=False,
            export_dir=tmp_path,
        )
        told = Told()
        async with app.run_test(size=(140, 40), message_hook=told) as pilot:
            # the first poll runs at start: a toast names the watchlists
            await until(pilot, lambda: any("new" in n and "PURL" in n for n in told))
            main = app.main
            await until(pilot, lambda: bool(main.stories.story_of) and not app.polling)
            by_title = {i.title: i for i in history.items()}
            assert DUTCH <= set(by_title)
            story = {main.stories.story_of.get(by_title[t].id) for t in DUTCH}
            assert len(story) == 1 and None not in story
            (story_id,) = story
            assert main.stories.outlets[story_id] == 3
            assert main.stories.story_of.get(by_title[NORWAY].id) is None  # the near miss
            shown = [i.title for i in main.item_list.visible_items()]
            assert len(DUTCH & set(shown)) == 1  # once in the list
            lead = next(by_title[t] for t in DUTCH if t in shown)
            assert "×3 " in main.item_list.row_text(lead, 120).plain
            assert NORWAY in shown
            await pilot.press("t")
            await until(pilot, lambda: isinstance(app.screen, TrendsScreen) and app.screen.rows)
            assert any(row.spikes for row in app.screen.rows)
            line = "".join(str(c) for c in app.screen.table.get_row_at(0))
            assert "▲" in line
    finally:
        server.stop()
