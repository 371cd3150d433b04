"""The feeds/watchlists panel: a virtual list with multi-line entries and toggle choosing."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from monitor.components.side_panels import FilterPanel


def entries(count: int, detail: str = "ok") -> list[tuple[str | None, Text]]:
    made: list[tuple[str | None, Text]] = [(None, Text("All feeds"))]
    made += [(f"feed {n}", Text(f"feed {n}\n    {detail} {n}")) for n in range(count)]
    return made


class PanelApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.chosen: list[str | None] = []

    def compose(self) -> ComposeResult:
        yield FilterPanel(id="panel")

    def on_filter_panel_chosen(self, event: FilterPanel.Chosen) -> None:
        self.chosen.append(event.name)


def screen_lines(app: App[None]) -> list[str]:
    panel = app.query_one(FilterPanel)
    return [
        panel.render_line(y).text.rstrip() for y in range(panel.scrollable_content_region.height)
    ]


async def test_entries_keep_their_lines_and_enter_toggles_the_choice() -> None:
    app = PanelApp()
    async with app.run_test(size=(40, 10)) as pilot:
        panel = app.query_one(FilterPanel)
        panel.set_entries(entries(3))
        panel.focus()
        await pilot.pause()
        assert screen_lines(app)[:3] == ["All feeds", "feed 0", "    ok 0"]
        await pilot.press("j", "j", "enter")
        assert app.chosen == ["feed 1"] and panel.selected == "feed 1"
        await pilot.press("enter")  # choosing it again clears it
        assert app.chosen == ["feed 1", None] and panel.selected is None
        await pilot.press("G")
        assert panel.highlighted == 3
        await pilot.press("k", "home")
        assert panel.highlighted == 0


async def test_refresh_keeps_the_highlight_and_shows_the_new_text() -> None:
    app = PanelApp()
    async with app.run_test(size=(40, 10)) as pilot:
        panel = app.query_one(FilterPanel)
        panel.set_entries(entries(30))
        panel.focus()
        await pilot.press("G")  # the last entry: the list scrolls to show both its lines
        await pilot.pause()
        assert screen_lines(app)[-2:] == ["feed 29", "    ok 29"]
        panel.set_entries(entries(30, detail="failing"))
        await pilot.pause()
        assert panel.highlighted == 30
        assert screen_lines(app)[-2:] == ["feed 29", "    failing 29"]
        panel.set_entries(entries(2))  # fewer entries: the highlight moves to the last one
        assert panel.highlighted == 2 and panel.names == [None, "feed 0", "feed 1"]


async def test_clicking_an_entrys_second_line_chooses_it() -> None:
    app = PanelApp()
    async with app.run_test(size=(40, 10)) as pilot:
        panel = app.query_one(FilterPanel)
        panel.set_entries(entries(3))
        await pilot.pause()
        await pilot.click(FilterPanel, offset=(2, 5))  # under the top border: "    ok 1"
        assert app.chosen == ["feed 1"] and panel.highlighted == 2


def test_a_failing_feed_says_when_the_scheduled_poll_will_really_ask_it_again() -> None:
    """A 1-minute error backoff inside a 15-minute interval: the next scheduled poll is the
    interval's, and that is the time the panel must show."""
    from datetime import datetime, timedelta, timezone

    from monitor.models import FeedConfig, FeedState
    from monitor.summary import feed_health

    now = datetime(2026, 11, 25, 9, 42, tzinfo=timezone.utc)
    feed = FeedConfig("UNN", "https://unn.ua/rss/news_uk.xml", interval=900)
    state = FeedState(
        "UNN",
        last_attempt=now,
        last_outcome="error",
        last_error="HTTP 503",
        failures=1,
        retry_at=now + timedelta(minutes=1),
    )
    assert "waiting until 09:57" in feed_health(feed, state, now + timedelta(seconds=5)).text
    slow = FeedState(
        "UNN",
        last_attempt=now,
        last_outcome="error",
        last_error="HTTP 429",
        failures=1,
        retry_at=now + timedelta(hours=2),
    )  # the server's Retry-After wins
    assert "waiting until 11:42" in feed_health(feed, slow, now + timedelta(seconds=5)).text
