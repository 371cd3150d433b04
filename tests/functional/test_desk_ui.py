"""The analyst's desk in the UI, by key presses: Trends (t), story rows (z), alerts after a poll."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Label

from monitor import timefmt
from monitor.models import Item
from monitor.screens.trends import TrendsScreen
from tests.helpers.app_fixtures import NOW, app_for_config, feeds_toml, item, make_app
from tests.helpers.feedserver import FeedServer, rss
from tests.helpers.pilot import (
    Told,
    detail_shown,
    screen_lines,
    screen_rows,
    terminal_writes,
    titles,
)
from tests.helpers.pilot import until as wait_until

SIZE = (130, 36)


async def until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 10.0) -> None:
    await wait_until(pilot, condition, timeout)


def desk_items() -> list[Item]:
    """A story three outlets carry, a near miss, a quiet fortnight of drones and a busy day."""
    story = [
        item(
            1,
            "UNN (English)",
            "Ukraine and Denmark sign agreement on joint drone production",
            "Defence Minister Rustem Umerov and his Danish counterpart Troels Lund Poulsen "
            "signed the agreement in Kyiv.",
            5,
        ),
        item(
            2,
            "UNN (Ukrainian)",
            "Україна та Данія підписали угоду про спільне виробництво дронів",
            "Міністр оборони Рустем Умєров і його данський колега Троельс Лунд Поульсен "
            "підписали угоду в Києві.",
            4,
        ),
        item(
            3,
            "Ministry of Defence",
            "Рустем Умєров і Троельс Лунд Поульсен підписали угоду про спільне виробництво дронів",
            "Україна та Данія домовилися про виробництво дронів.",
            3,
        ),
    ]
    near = [
        item(
            4,
            "Other EN",
            "Ukraine and Denmark sign agreement on energy cooperation",
            "The energy ministers signed a memorandum in Copenhagen.",
            2,
        )
    ]
    quiet = [
        item(
            10 + d,
            "UNN (English)",
            f"Drone plant number {d} opens",
            "A small drone workshop.",
            24 * d + 30,
        )
        for d in (3, 8, 12, 20)
    ]
    busy = [
        item(30 + h, "Other EN", f"Drone strike report {h}", "Drones again.", h + 0.5)
        for h in range(3)
    ]
    return [*story, *near, *quiet, *busy]


async def test_t_opens_trends_d_switches_range_enter_filters_the_list(tmp_path: Path) -> None:
    app = make_app(tmp_path, items=desk_items())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TrendsScreen) and bool(app.screen.rows))
        screen = app.screen
        assert isinstance(screen, TrendsScreen)
        assert [r.name for r in screen.rows] == ["Drone Deal", "PURL"]
        drone = screen.rows[0]
        assert len(drone.counts) == 30 and drone.counts[-1] == 6  # the story (3), the busy day (3)
        assert drone.spikes and drone.spikes[-1] == drone.start + timedelta(days=29)
        table = screen.table
        line = "".join(str(c) for c in table.get_row_at(0))
        assert "·" in line and "▲" in line  # the zero baseline, the spike marker
        assert "last 30 days" in str(table.ordered_columns[1].label)
        await pilot.press("d")
        await until(pilot, lambda: len(screen.rows[0].counts) == 90)
        assert "last 90 days" in str(table.ordered_columns[1].label)
        await pilot.press("d")
        await until(pilot, lambda: len(screen.rows[0].counts) == 30)
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, TrendsScreen))
        flt = app.main.filter
        assert flt.watchlist == "Drone Deal" and flt.since is not None
        assert flt.since <= NOW - timedelta(days=29)
        shown = titles(app)
        assert shown and all("Drone" in t or "дрон" in t or "drone" in t for t in shown)
        assert "Ukraine and Denmark sign agreement on energy cooperation" not in shown
        assert any("since" in part for part in app.main.status.filters)
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TrendsScreen))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, TrendsScreen))
        assert app.main.filter.watchlist == "Drone Deal"  # esc leaves the list as it was


async def test_a_story_is_one_row_that_expands_and_reading_it_reads_its_language(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, items=desk_items())
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(app.main.stories.story_of))
        rows = screen_lines(app)
        story_rows = [r for r in rows if "×3" in r]
        assert len(story_rows) == 1  # three outlets, one row
        assert len(titles(app)) == len(desk_items()) - 2
        story_title = next(t for t in titles(app) if "Умєров" in t)  # the newest item stands
        assert story_title.startswith("Рустем Умєров")
        assert "Ukraine and Denmark sign agreement on energy cooperation" in titles(app)
        # go to the story row
        while app.main.item_list.current.title != story_title:
            await pilot.press("j")
        detail = detail_shown(app)
        assert "Also reported by 2 more" in detail
        assert "UNN (English)" in detail and "(possible same story)" in detail
        await pilot.press("z")
        assert len(titles(app)) == len(desk_items())
        rows = screen_lines(app)
        assert sum(1 for r in rows if "└" in r) == 2
        await pilot.press("z")
        assert len(titles(app)) == len(desk_items()) - 2
        await pilot.press("enter")
        history = app.history
        await until(pilot, lambda: history.get("UNN (Ukrainian):2").read)
        assert history.get("Ministry of Defence:3").read
        await pilot.pause(0.3)
        assert not history.get("UNN (English):1").read  # across languages: only possibly
        assert not history.get("Other EN:4").read


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"TERM_PROGRAM": "iTerm.app"}, "\x1b]9;monitor: 2 new matches: Drone Deal 2: "),
        ({"TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1"}, "\x1b]99;i=monitor:d=0;monitor: 2 new"),
        ({"TERM": "xterm"}, "\a"),
    ],
)
async def test_a_poll_with_new_matches_toasts_and_notifies_the_terminal(
    tmp_path: Path,
    feed_server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    expected: str,
) -> None:
    for name in (
        "TERM_PROGRAM",
        "KITTY_WINDOW_ID",
        "LC_TERMINAL",
        "VTE_VERSION",
        "TMUX",
        "WEZTERM_PANE",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    fresh = [
        {
            "title": "New drone factory \x1b]0;owned\x07opens",
            "guid": "n1",
            "link": "https://example.org/n1",
            "description": "A drone plant.",
            "pubDate": NOW - timedelta(minutes=20),
        },
        {
            "title": "Second drone batch delivered",
            "guid": "n2",
            "link": "https://example.org/n2",
            "description": "More.",
            "pubDate": NOW - timedelta(minutes=25),
        },
        {
            "title": "Nothing to see",
            "guid": "n4",
            "link": "https://example.org/n4",
            "description": "Quiet day.",
            "pubDate": NOW - timedelta(minutes=35),
        },
    ]
    feed_server.route("/unn.xml", rss(fresh), etag='"v1"')
    written = terminal_writes(monkeypatch)
    app = make_app(tmp_path, base_url=feed_server.base)
    told = Told()
    async with app.run_test(size=SIZE, message_hook=told) as pilot:
        await pilot.press("r")
        await until(
            pilot, lambda: not app.polling and "Second drone batch delivered" in titles(app)
        )
        await until(pilot, lambda: bool(written))
        assert any(n.startswith("Drone Deal: 2 new\n") for n in told)  # the toast
        assert len(written) == 1  # one alert for the poll
        sequence = written[0]
        assert sequence.startswith(expected)
        assert "owned" not in sequence or "\x1b]0;" not in sequence
        assert sequence.count("\x07") + sequence.count("\x1b\\") <= 2


async def test_the_toast_counts_and_names_only_watchlists_that_notify(
    tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A watchlist with notify = false still tags items, but a poll's toast (like the
    terminal notification and `monitor poll`'s notify_command) neither counts nor names it."""
    watchlists = """
[[watchlists]]
name = "Drone Deal"
terms = ["drone"]

[[watchlists]]
name = "Weather"
terms = ["weather"]
notify = false
"""

    def entry(n: int, title: str) -> dict[str, object]:
        return {
            "title": title,
            "guid": f"w{n}",
            "link": f"https://example.org/w{n}",
            "description": "",
            "pubDate": NOW - timedelta(minutes=n),
        }

    feed_server.route(
        "/unn.xml",
        rss(
            [
                entry(1, "Drone plant opens"),
                entry(2, "Weather and drone test delayed"),
                entry(3, "Weather warning for Kyiv"),
            ]
        ),
    )
    written = terminal_writes(monkeypatch)
    app = app_for_config(tmp_path, feeds_toml(feed_server.base, watchlists), items=[])
    told = Told()
    async with app.run_test(size=SIZE, message_hook=told) as pilot:
        await pilot.press("r")
        await until(pilot, lambda: not app.polling and len(titles(app)) == 3)
        warning = next(i for i in app.history.items() if i.title == "Weather warning for Kyiv")
        assert warning.tags == ["Weather"]  # tagged all the same
        toasts = [n for n in told if " new" in n]
        assert toasts == [
            "Drone Deal: 2 new\n• Drone plant opens\n• Weather and drone test delayed"
        ]
        assert len(written) == 1
        # A poll whose only new hits are on the quiet watchlist: no toast, no notification.
        feed_server.route("/unn.xml", rss([entry(4, "Weather: snow in Lviv")]))
        await pilot.press("r")
        await until(pilot, lambda: not app.polling and len(titles(app)) == 4)
        await pilot.pause()
        assert [n for n in told if " new" in n] == toasts
        assert len(written) == 1


async def test_trends_last_hit_is_in_the_item_lists_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No [settings] timezone: the list shows the system's zone (New York here); the Trends
    screen counts days in Kyiv but shows the last hit as the list shows that item's time."""
    monkeypatch.setenv("TZ", "America/New_York")
    timefmt.set_zone(None)
    app = make_app(tmp_path, items=desk_items())
    async with app.run_test(size=SIZE) as pilot:
        newest = max(
            (i for i in app.history.items() if "Drone Deal" in i.tags), key=lambda i: i.time
        )
        row = next(r for r in screen_rows(app).splitlines() if newest.title in r)
        listed = timefmt.compact(newest.time, NOW)
        assert listed == "10-06 07:30" and listed in row  # 11:30 UTC, in New York
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TrendsScreen) and bool(app.screen.rows))
        screen = app.screen
        assert isinstance(screen, TrendsScreen)
        cells = [str(c) for c in screen.table.get_row_at(0)]
        assert cells[0] == "Drone Deal" and cells[5] == listed  # not 14:30, Kyiv's time
        assert "days in Europe/Kyiv" in str(screen.query_one("#trends-legend", Label).render())
