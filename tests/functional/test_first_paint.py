"""Opening a large history: the newest screenful is painted before the rest is read; counts,
filters and search follow once it is (a search typed meanwhile is applied then)."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.components.side_panels import FilterPanel
from monitor.config import load_config
from monitor.history import History
from monitor.match import Matcher
from monitor.models import Item
from monitor.view import FIRST_SCREEN_ITEMS
from tests.helpers.app_fixtures import NOW, feeds_toml, make_history, quiet_app
from tests.helpers.pilot import SIZE, Told, titles, until

pytestmark = pytest.mark.slow

FILLER = 6000  # more than the first chunk of the snapshot holds, so the open is head-only


def big_history(path: Path, matcher: Matcher) -> None:
    """A compacted history (newest first on disk) whose only frost report is old."""
    items = [
        Item(
            id=f"x{n}",
            feed="UNN English",
            title=f"Routine report {n}",
            link="https://example.org/x",
            summary="Nothing notable.",
            published=NOW - timedelta(minutes=n),
            first_seen=NOW - timedelta(minutes=n),
        )
        for n in range(FILLER)
    ]
    items.append(
        Item(
            id="frost",
            feed="MoD Ukraine",
            title="Weather service warns of frost",
            link="https://example.org/frost",
            summary="Cold nights ahead.",
            published=NOW - timedelta(days=30),
            first_seen=NOW - timedelta(days=30),
        )
    )
    make_history(path, matcher, items).compact()


async def test_newest_rows_first_then_the_whole_list_with_the_search_typed_meanwhile(
    tmp_path: Path,
) -> None:
    config_path = tmp_path / "feeds.toml"
    config_path.write_text(feeds_toml(), encoding="utf-8")
    config = load_config(config_path)
    matcher = Matcher(config.watchlists)
    big_history(tmp_path / "history.json", matcher)

    history = History.open(tmp_path / "history.json", head=FIRST_SCREEN_ITEMS)
    assert not history.loaded
    # Hold the rest of the load until the loading state has been looked at.
    release = threading.Event()
    load_rest = history.load_rest

    def held_load_rest() -> None:
        release.wait(10)
        load_rest()

    history.load_rest = held_load_rest  # type: ignore[method-assign]
    app = quiet_app(config, config_path, history, matcher, tmp_path, clock=lambda: NOW)
    told = Told()
    async with app.run_test(size=SIZE, message_hook=told) as pilot:
        await pilot.pause()
        main = app.main
        assert main.loading
        shown = titles(app)
        assert shown[:3] == ["Routine report 0", "Routine report 1", "Routine report 2"]
        assert FIRST_SCREEN_ITEMS <= main.item_list.row_count < FILLER
        assert "loading the history" in str(main.status_line.render())
        feeds = app.query_one("#feeds", FilterPanel)
        assert "Loading the history" in feeds.get_option_at_index(0).prompt.plain

        await pilot.press("t")  # trends need every item: said, not shown on a part
        await pilot.pause()
        assert any("still loading" in n for n in told)
        assert len(app.screen_stack) == 1

        await pilot.press("slash", *"frost")
        await pilot.pause()
        assert titles(app)[:3] == shown[:3]  # kept until the whole history is there
        assert "applies once loaded" in str(main.status_line.render())

        release.set()
        await until(pilot, lambda: not main.loading and main.view.index is not None)
        await until(pilot, lambda: titles(app) == ["Weather service warns of frost"])
        assert main.status.shown == 1 and main.status.total == FILLER + 1
        assert "loading" not in str(main.status_line.render())
        assert "UNN English" in "".join(
            feeds.get_option_at_index(n).prompt.plain for n in range(feeds.option_count)
        )

        await pilot.press("escape", "escape")
        await until(pilot, lambda: not main.filter.active and titles(app)[0] == shown[0])
        assert main.status.total == FILLER + 1
