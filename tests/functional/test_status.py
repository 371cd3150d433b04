"""Status you can trust: the outage badge at every width, toasts when a feed starts failing
and when it answers again, a broken feeds.toml that stays in sight, help naming the files."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from monitor.history import History
from monitor.screens.help import HelpScreen
from tests.helpers.app_fixtures import NOW, feeds_toml, make_app
from tests.helpers.feedserver import FeedServer, rss
from tests.helpers.pilot import Told, until


def status_line(app) -> str:  # type: ignore[no-untyped-def]
    return app.main.status_line.render().plain  # what the status line shows now


def panel_lines(app) -> list[str]:  # type: ignore[no-untyped-def]
    panel = app.main.watchlists_panel
    return [panel.get_option_at_index(n).prompt.plain for n in range(panel.option_count)]


async def test_feeds_down_badge_stays_at_80_and_200_columns(tmp_path: Path) -> None:
    for size in ((80, 24), (200, 60)):
        (tmp_path / f"{size[0]}").mkdir()
        app = make_app(tmp_path / f"{size[0]}")
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            line = status_line(app)
            # MoD Ukraine failed twice; its first failure is not recorded: its last attempt
            assert "1 feed down since 11:50" in line, line
            assert len(line) <= size[0]


async def test_toasts_when_a_feed_starts_failing_and_when_it_recovers(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    fresh = [
        {
            "title": "New drone plant",
            "guid": "n1",
            "link": "https://example.org/n1",
            "pubDate": NOW - timedelta(minutes=20),
        }
    ]
    feed_server.route("/unn.xml", "Service Unavailable", status=503, content_type="text/plain")
    feed_server.route("/mod.xml", rss(fresh))
    app = make_app(tmp_path, base_url=feed_server.base)
    told = Told()
    async with app.run_test(size=(120, 36), message_hook=told) as pilot:
        await pilot.press("r")
        await until(pilot, lambda: not app.polling and any("started failing" in n for n in told))
        assert "UNN English: started failing (HTTP 503 Service Unavailable)" in told
        assert any(n.startswith("MoD Ukraine: answering again (down since ") for n in told)
        await until(pilot, lambda: "1 feed down since" in status_line(app))

        feed_server.route("/unn.xml", rss(fresh))
        await pilot.press("r")
        await until(pilot, lambda: any(n.startswith("UNN English: answering again") for n in told))
        await until(pilot, lambda: "down since" not in status_line(app))


async def test_a_broken_feeds_toml_stays_in_the_status_line_until_fixed(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.config_path.write_text(feeds_toml() + "\n[[feeds]]\nname = 3\n", encoding="utf-8")
        app.action_reload_config()
        await until(pilot, lambda: "feeds.toml broken" in status_line(app))
        await pilot.pause(0.2)
        app.main.update_status(shown=1)  # later updates keep it
        assert "feeds.toml broken" in status_line(app)
        app.config_path.write_text(feeds_toml(), encoding="utf-8")
        app.action_reload_config()
        await until(pilot, lambda: "feeds.toml broken" not in status_line(app))


async def test_help_shows_the_legend_and_the_files_in_use(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one("#help-text").render().plain
        assert str(app.config_path.resolve()) in text
        assert str(app.history.path.resolve()) in text
        for sign in ("★", "⚑", "●", "✦", "~", "‖"):
            assert sign in text
        keys = {(k, d) for _, k, d in app.screen.rows}
        assert ("n", "Next unread") in keys and ("A", "Mark every item in this view read") in keys


async def test_watchlists_show_their_unread_counts(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    path = app.history.path
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        assert any("Drone Deal  2 unread of 2" in line for line in panel_lines(app)), panel_lines(
            app
        )
        await pilot.press("enter")  # opens (reads) the first Drone Deal item
        await until(pilot, lambda: History.open(path).get("UNN English:1").read)
        await pilot.pause()
        assert any("Drone Deal  1 unread of 2" in line for line in panel_lines(app))


async def test_the_feed_detail_view_has_the_url_the_whole_error_and_items_per_day(
    tmp_path: Path,
) -> None:
    from monitor.screens.feed import FeedScreen

    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("j", "i")  # the highlighted item's feed: MoD Ukraine
        assert isinstance(app.screen, FeedScreen)
        text = app.screen.query_one("#feed-text").render().plain
        assert "MoD Ukraine" in text and "http://127.0.0.1:9/mod.xml" in text
        assert "Last success 2025-10-06 09:00 UTC" in text
        assert "Last error   HTTP 503 Service Unavailable" in text
        assert "Failing      2 times in a row" in text
        assert "2025-10-06     1  █" in text and "2025-10-04     1  █" in text
        assert "2025-10-03     0  \n" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, FeedScreen)


async def test_r_says_when_a_servers_retry_after_still_holds_a_feed_back(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    from monitor.models import FeedState

    feed_server.route("/unn.xml", rss([]))
    feed_server.route("/mod.xml", rss([]))
    app = make_app(tmp_path, base_url=feed_server.base, states=False)
    app.history.save_feed_states(
        [
            FeedState(
                "MoD Ukraine",
                last_attempt=NOW - timedelta(minutes=1),
                last_outcome="error",
                last_error="HTTP 429 Too Many Requests",
                failures=1,
                retry_at=NOW + timedelta(minutes=30),
                retry_after=NOW + timedelta(minutes=30),
            ),
        ]
    )
    told = Told()
    async with app.run_test(size=(120, 36), message_hook=told) as pilot:
        await pilot.press("r")
        await until(pilot, lambda: any("Retry-After" in n for n in told))
        assert (
            "MoD Ukraine: not asked: the server asked for a pause until 12:30 UTC (Retry-After)"
        ) in told
        assert feed_server.hits("/mod.xml") == 0 and feed_server.hits("/unn.xml") == 1
