"""The UI while a poll runs: background work gives way to the event loop (monitor.pace) and
still finishes; keys act on the rows shown."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from monitor.screens.main import SYNC_VIEW_ITEMS
from tests.helpers.app_fixtures import NOW, filler, fixed_items, make_app
from tests.helpers.feedserver import FeedServer, rss
from tests.helpers.pilot import SIZE, detail_shown, titles, until


async def test_keys_and_a_search_typed_during_a_poll_act_on_the_right_rows(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    fresh = [
        {
            "title": "Howitzer shipment arrives",
            "guid": "h1",
            "link": "https://example.org/h1",
            "description": "Artillery for the front.",
            "pubDate": NOW - timedelta(minutes=10),
        }
    ]
    # The feed answers slowly: the poll is still running while the keys below are pressed,
    # so the index is being built at the pace a poll allows.
    feed_server.route("/unn.xml", rss(fresh), delay=2.0)
    items = fixed_items() + filler(SYNC_VIEW_ITEMS)
    app = make_app(tmp_path, base_url=feed_server.base, items=items)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await until(pilot, lambda: app.polling and app.pace.is_busy)
        await pilot.press("j", "j")  # the cursor moves while the poll runs
        assert app.main.item_list.cursor == 2
        assert titles(app)[2] in detail_shown(app)
        await pilot.press("slash", *"frost", "enter")
        # The search applies during the poll (the index still grows while the loop is busy).
        await until(pilot, lambda: titles(app) == ["Weather service warns of frost"], timeout=10)
        await pilot.press("escape")
        await until(pilot, lambda: not app.polling and "Howitzer shipment arrives" in titles(app))
        await until(pilot, lambda: not app.pace.is_busy)  # background work at full speed again
        await pilot.press("slash", *"howitzer", "enter")  # the poll's new item is indexed too
        await until(pilot, lambda: titles(app) == ["Howitzer shipment arrives"], timeout=10)
        await pilot.press("escape", "g", "j")
        assert app.main.item_list.current is not None
        assert app.main.item_list.current.title == titles(app)[1]
