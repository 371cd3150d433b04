"""The TUI driven by real keys (Pilot) on a real history and a real loopback feed server."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from textual.command import CommandList

from monitor.cli import run_app
from monitor.components.side_panels import FilterPanel
from monitor.history import History
from monitor.messages import WriteApplied
from monitor.screens.export import ExportScreen
from monitor.screens.help import HelpScreen
from tests.helpers.app_fixtures import ALERT_TITLE, NOW, WATCHLISTS, feeds_toml, make_app
from tests.helpers.feedserver import FeedServer, rss
from tests.helpers.pilot import SIZE, Told, detail_shown, screen_rows, titles, until


async def test_stored_history_is_shown_before_the_first_poll_finishes(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.route("/unn.xml", rss([{"title": "Late news", "guid": "late"}]), delay=1.5)
    app = make_app(tmp_path, base_url=feed_server.base, autopoll=True, states=False)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.main.status.progress is not None)
        assert "Ukraine signs drone deal" in screen_rows(app)
        assert len(titles(app)) == 8
        await pilot.press("j")  # keys answer while the poll waits on the network
        assert app.main.item_list.cursor == 1
        await until(pilot, lambda: "Late news" in titles(app), timeout=10)
        await until(pilot, lambda: not app.polling)
        assert app.main.status.next_poll is not None  # the next scheduled poll is armed


async def test_poll_now_adds_new_items_and_raises_one_notification(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    fresh = [
        {
            "title": "New drone factory opens",
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
            "title": "PURL tranche approved",
            "guid": "n3",
            "link": "https://example.org/n3",
            "description": "Money.",
            "pubDate": NOW - timedelta(minutes=30),
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
    app = make_app(tmp_path, base_url=feed_server.base)
    told = Told()
    async with app.run_test(size=SIZE, message_hook=told) as pilot:
        await pilot.press("r")
        await until(pilot, lambda: "New drone factory opens" in titles(app) and not app.polling)
        assert titles(app)[0] == "New drone factory opens"
        assert "New drone factory opens" in screen_rows(app)
        assert len(titles(app)) == 12
        toasts = [n for n in told if " new" in n]
        assert len(toasts) == 1  # one toast for the poll: the watchlists, then the titles
        assert toasts[0].splitlines() == [
            "Drone Deal: 2 new, PURL: 1 new",
            "• New drone factory opens",
            "• Second drone batch delivered",
            "• PURL tranche approved",
        ]
        assert "4 new" in (app.main.status.last_poll or "")
        assert app.main.status.next_poll is None  # autopoll off: r polls, nothing is scheduled
        assert feed_server.hits("/unn.xml") == 1
        assert feed_server.hits("/mod.xml") == 1  # r asks a failing feed again, backoff or not


async def test_navigation_keys_move_the_cursor_and_the_detail_follows(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j")
        assert app.main.item_list.current.title == "NATO allies fund the PURL package"
        assert "NATO allies fund the PURL package" in detail_shown(app)
        await pilot.press("k")
        assert app.main.item_list.cursor == 1
        await pilot.press("G")
        assert app.main.item_list.current.title == "Parliament debates the budget"
        await pilot.press("g")
        assert app.main.item_list.cursor == 0
        await pilot.press("down", "down", "up")
        assert app.main.item_list.cursor == 1


async def test_search_filters_as_you_type_and_escape_clears(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"frost")
        assert titles(app) == ["Weather service warns of frost"]
        await pilot.press("escape")
        assert len(titles(app)) == 8
        assert not app.query_one("#search").display
        await pilot.press("slash", *"дрон")  # summary text counts too, any case
        assert titles(app) == ["Міноборони отримало нові дрони"]
        await pilot.press("enter", "escape")  # back in the list: esc clears every filter
        assert len(titles(app)) == 8


async def test_search_typed_while_a_large_history_is_still_indexing_is_applied(
    tmp_path: Path,
) -> None:
    """Past SYNC_VIEW_ITEMS the search index is built in a worker after the first paint;
    a query typed before it is ready must still filter once it is."""
    from monitor.screens.main import SYNC_VIEW_ITEMS
    from tests.helpers.app_fixtures import filler, fixed_items

    app = make_app(tmp_path, items=fixed_items() + filler(SYNC_VIEW_ITEMS + 500))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"frost")
        await until(pilot, lambda: titles(app) == ["Weather service warns of frost"])
        assert app.main.status.shown == 1


async def test_flagged_unread_feed_and_watchlist_filters_combine(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("F")
        assert titles(app) == [
            "Ukraine signs drone deal with Denmark",
            "Міноборони отримало нові дрони",
            "NATO allies fund the PURL package",
            "Defence minister meets partners",
        ]
        await pilot.press("U")
        assert len(titles(app)) == 3  # flagged and unread
        await pilot.press("U", "F")
        assert len(titles(app)) == 8

        feeds = app.query_one("#feeds", FilterPanel)
        feeds.focus()
        await pilot.press("j", "j", "enter")  # All, UNN English, MoD Ukraine
        assert {i.feed for i in app.main.item_list.visible_items()} == {"MoD Ukraine"}
        assert len(titles(app)) == 3
        await pilot.press("F")
        assert titles(app) == ["Міноборони отримало нові дрони", "Defence minister meets partners"]
        await pilot.press("enter")  # selecting the feed again clears the feed filter
        assert len(titles(app)) == 4

        watchlists = app.query_one("#watchlists", FilterPanel)
        watchlists.focus()
        await pilot.press("down", "down", "enter")  # All, Drone Deal, PURL
        assert titles(app) == ["NATO allies fund the PURL package"]
        await pilot.press("escape")
        assert len(titles(app)) == 8


async def test_flag_and_read_are_saved_at_once_and_survive_reopening(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    path = app.history.path
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j", "j")  # the ALERT item: unflagged, unread
        target = app.main.item_list.current
        assert not target.flagged
        await pilot.press("space")
        await until(pilot, lambda: History.open(path).get(target.id).flag_override is True)
        assert screen_rows(app).splitlines()[3].startswith("⚑")
        await pilot.press("u")
        await until(pilot, lambda: History.open(path).get(target.id).read is True)
        await pilot.press("f", "u")
        # Unflagging an item no watchlist matched gives it back to automatic flagging.
        await until(
            pilot,
            lambda: (
                History.open(path).get(target.id).flag_override is None
                and History.open(path).get(target.id).read is False
            ),
        )
        assert not screen_rows(app).splitlines()[3].startswith("⚑")
        assert "not flagged, unread" in detail_shown(app)


async def test_enter_opens_the_detail_and_marks_the_item_read(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    path = app.history.path
    async with app.run_test(size=SIZE) as pilot:
        first = app.main.item_list.current
        assert not first.read
        await pilot.press("enter")
        assert app.focused is app.main.item_list  # moving stays in the list
        await until(pilot, lambda: History.open(path).get(first.id).read)
        text = detail_shown(app)
        assert "Drone Deal: “drone” in the title (matches term “drone”)" in text
        assert "https://example.org/1" in text and "read" in text
        assert "→" not in text and "alias" not in text
        await pilot.press("tab")  # the detail pane, to scroll it; esc comes back
        assert app.focused is app.main.detail
        await pilot.press("escape")
        assert app.focused is app.main.item_list


async def test_export_dialog_writes_the_briefing(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    target = tmp_path / "out" / "brief.md"
    told = Told()
    async with app.run_test(size=SIZE, message_hook=told) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        path_input = app.screen.query_one("#export-path")
        assert path_input.value == str(tmp_path / "briefing-2025-10-06.md")
        path_input.value = str(target)
        await pilot.press("enter")
        await until(pilot, lambda: any(n.startswith("Wrote ") for n in told))
        text = target.read_text(encoding="utf-8")
        assert "Ukraine signs drone deal with Denmark" in text
        assert "Defence minister meets partners" in text  # flagged by hand
        assert "Weather service" not in text  # not flagged
        assert f"Wrote 4 items to {target}" in told


async def test_export_failure_is_one_error_line_and_the_app_keeps_running(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    told = Told()
    async with app.run_test(size=SIZE, message_hook=told) as pilot:
        await pilot.press("e")
        app.screen.query_one("#export-path").value = str(blocker / "brief.md")
        await pilot.press("enter")
        await until(pilot, lambda: any(n.startswith("Export failed") for n in told))
        message = next(n for n in told if n.startswith("Export failed"))
        assert "\n" not in message and "brief.md" in message
        await pilot.press("j")
        assert app.main.item_list.cursor == 1 and app.is_running


async def test_a_good_feeds_toml_edit_is_picked_up_by_the_watcher_and_retags(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, watch_files=True)
    told = Told()
    async with app.run_test(size=SIZE, message_hook=told) as pilot:
        weather = next(i for i in app.main.items if i.title.startswith("Weather"))
        assert weather.tags == []
        extra = WATCHLISTS + '\n[[watchlists]]\nname = "Frost"\nterms = ["frost"]\n'
        app.config_path.write_text(feeds_toml(watchlists=extra), encoding="utf-8")
        # A new watchlist waits for review (W), then a applies it and retags.
        await until(pilot, lambda: any("Frost (new): +1" in n for n in told), timeout=8)
        await pilot.press("W", "a")
        await until(pilot, lambda: any(n.startswith("Reloaded") for n in told), timeout=8)
        assert [w.name for w in app.config.watchlists] == ["Drone Deal", "PURL", "Frost"]
        await until(pilot, lambda: "[Frost]" in screen_rows(app))  # the view is rebuilt in a worker
        weather = next(i for i in app.main.items if i.title.startswith("Weather"))
        assert weather.tags == ["Frost"]
        assert History.open(app.history.path).get(weather.id).tags == ["Frost"]


async def test_a_broken_feeds_toml_edit_shows_the_error_and_keeps_the_old_config(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    told = Told()
    async with app.run_test(size=SIZE, message_hook=told) as pilot:
        before = app.config
        app.config_path.write_text(feeds_toml() + "\n[[feeds]]\nname = 3\n", encoding="utf-8")
        app.action_reload_config()
        await until(pilot, lambda: any("keeping the previous" in n for n in told))
        error = next(n for n in told if "keeping the previous" in n)
        assert "feeds.toml:" in error
        assert app.config is before
        assert "[Drone Deal]" in screen_rows(app)
        await pilot.press("j")  # still running
        assert app.main.item_list.cursor == 1


async def test_feed_text_is_shown_literally_never_as_markup(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        row = screen_rows(app).splitlines()[3]
        assert "[bold red]ALERT[/] red sirens in Kyiv" in row  # the escape sequence is gone whole
        assert "\x1b" not in screen_rows(app)
        await pilot.press("j", "j", "j")
        detail = detail_shown(app)
        assert "[bold red]ALERT[/]" in detail and "[link]x[/link]" in detail
        assert "\x1b" not in detail
        svg = app.export_screenshot()
        assert "[bold&#160;red]ALERT[/]" in svg
        assert app.main.item_list.current.title == ALERT_TITLE  # the stored data is untouched


async def test_open_link_only_opens_web_links_and_y_copies(tmp_path: Path) -> None:
    opened: list[str] = []

    def browser(url: str) -> bool:
        opened.append(url)
        return True

    app = make_app(tmp_path, browser=browser)
    told = Told()
    async with app.run_test(size=SIZE, message_hook=told) as pilot:
        await pilot.press("o", "y")
        await until(pilot, lambda: opened == ["https://example.org/1"])
        assert app.clipboard == "https://example.org/1"
        app.main.item_list.current.link = "javascript:alert(1)"
        await pilot.press("o")
        assert opened == ["https://example.org/1"]
        assert any("Not opening" in n for n in told)


async def test_help_lists_every_key_and_the_palette_runs_actions(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = {(keys, text) for _, keys, text in app.screen.rows}
        for expected in [
            ("space, f", "Flag/unflag"),
            ("r", "Poll now"),
            ("e", "Export"),
            ("F", "Flagged only"),
            ("U", "Unread only"),
            ("/", "Search"),
            ("j, ↓", "Down"),
            ("G, end", "Bottom"),
            ("q", "Quit"),
            ("y", "Copy link"),
        ]:
            assert expected in rows
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("ctrl+p", *"export")
        await until(
            pilot,
            lambda: (
                bool(app.screen.query(CommandList))
                and app.screen.query_one(CommandList).option_count > 0
            ),
        )
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen))


async def test_another_process_writing_the_history_shows_up(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        first = app.main.item_list.current
        other = History.open(app.history.path)
        other.set_read(first.id, True)
        app.check_history_file()
        await until(pilot, lambda: app.main.item_list.current.read)
        assert not screen_rows(app).splitlines()[0][1] == "●"


def test_run_app_reports_a_broken_config_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text('[settings]\npoll_interval = "soon"\n', encoding="utf-8")
    assert run_app(config, tmp_path / "h.json") == 2
    err = capsys.readouterr().err
    assert err.startswith("monitor: ") and "feeds.toml" in err
    assert "Traceback" not in err


def test_run_app_reports_a_corrupt_history_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text(feeds_toml(), encoding="utf-8")
    history = tmp_path / "h.json"
    history.write_text("{not json", encoding="utf-8")
    assert run_app(config, history) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("monitor: ")


async def test_reading_in_the_unread_view_keeps_the_item_until_the_filter_changes(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    path = app.history.path
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("U", "j")
        target = app.main.item_list.current
        assert target.title == "Міноборони отримало нові дрони"
        await pilot.press("enter")  # opens and marks it read
        await until(pilot, lambda: History.open(path).get(target.id).read)
        await pilot.pause()
        assert app.main.item_list.current is target  # still there, still under the cursor
        assert target.title in detail_shown(app)
        assert target.title in titles(app)
        await pilot.press("U", "U")  # a real refilter drops it...
        assert target.title not in titles(app)
        assert app.main.item_list.cursor == 1  # ...and the cursor keeps its row, not row 0
        assert app.main.item_list.current.title == ALERT_TITLE
        assert "sirens in Kyiv" in detail_shown(app)


async def test_unflagging_in_the_flagged_view_keeps_the_item_and_the_detail(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    path = app.history.path
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("F", "j", "j")
        target = app.main.item_list.current
        await pilot.press("space")
        await until(pilot, lambda: History.open(path).get(target.id).flag_override is False)
        await pilot.pause()
        assert app.main.item_list.current is target
        assert target.title in detail_shown(app)


async def test_quick_repeated_flag_and_read_toggles_all_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second press comes before the first write is saved; it must still toggle back."""
    app = make_app(tmp_path)
    path = app.history.path
    gate = threading.Event()
    for name in ("set_flag", "set_read"):
        real = getattr(app.history, name)

        def slow(item_id: str, value: object, real: Callable[..., object] = real) -> object:
            gate.wait(5)
            return real(item_id, value)

        monkeypatch.setattr(app.history, name, slow)
    applied: list[WriteApplied] = []

    def hook(message: object) -> None:  # may see a message more than once (as it bubbles)
        if isinstance(message, WriteApplied) and all(m is not message for m in applied):
            applied.append(message)

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await pilot.press("j", "j", "j")
        target = app.main.item_list.current
        assert not target.flagged and not target.read
        await pilot.press("space", "space", "u", "u", "space")
        gate.set()
        await until(pilot, lambda: len(applied) == 5)
        saved = History.open(path).get(target.id)
        assert saved.flag_override is True and saved.read is False


async def test_the_detail_keeps_its_scroll_when_the_item_is_flagged(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    path = app.history.path
    async with app.run_test(size=(120, 18)) as pilot:
        first = app.main.item_list.current
        await pilot.press("enter")
        await until(pilot, lambda: History.open(path).get(first.id).read)
        await pilot.pause()
        await pilot.press("tab", "j", "j", "j")  # into the detail pane to scroll it
        scrolled = app.main.detail.scroll_y
        assert scrolled > 0
        await pilot.press("space")
        await until(pilot, lambda: History.open(path).get(first.id).flag_override is False)
        await pilot.pause()
        assert app.main.detail.scroll_y == scrolled
        await pilot.press("escape", "j")  # another item starts at its top
        await pilot.pause()
        assert app.main.detail.scroll_y == 0
        app.main.detail.focus()
        await pilot.press("ctrl+f")
        assert app.main.detail.scroll_y > 0
        await pilot.press("ctrl+b")
        assert app.main.detail.scroll_y == 0


async def test_a_narrow_terminal_hides_the_sidebar_until_b(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        sidebar = app.query_one("#sidebar")
        assert not sidebar.display
        first_row = screen_rows(app).splitlines()[0]
        assert "Ukraine signs drone deal" in first_row and "[Drone Deal]" in first_row
        status = app.main.status_line.render().plain  # type: ignore[union-attr]
        assert status.startswith(" monitor    1 feed down since 11:50   │  8 items")
        await pilot.press("F")
        status = app.main.status_line.render().plain  # type: ignore[union-attr]
        assert "4 of 8 items" in status and "filter: flagged" in status
        await pilot.press("b")
        assert sidebar.display
        await pilot.pause()
        feeds = "\n".join(str(app.main.feeds_panel.get_option_at_index(n).prompt) for n in range(3))
        assert "MoD Ukraine" in feeds
        await pilot.press("b")
        assert not sidebar.display
    (tmp_path / "wide").mkdir()
    wide = make_app(tmp_path / "wide")
    async with wide.run_test(size=(130, 36)) as pilot:
        await until(pilot, lambda: "Quit" in wide.export_screenshot())  # the footer paints late
        assert wide.query_one("#sidebar").display
        footer = wide.export_screenshot()
        assert "Export" in footer and "Quit" in footer


async def test_open_link_marks_read_only_when_a_browser_opened_it(tmp_path: Path) -> None:
    app = make_app(tmp_path, browser=lambda url: False)
    path = app.history.path
    told = Told()
    async with app.run_test(size=SIZE, message_hook=told) as pilot:
        first = app.main.item_list.current
        await pilot.press("o")
        await until(pilot, lambda: any(n.startswith("No browser opened") for n in told))
        assert not History.open(path).get(first.id).read
        app.main.item_list.current.link = ""
        await pilot.press("o")
        assert "This item has no link." in told


async def test_export_dialog_checks_since_and_asks_before_overwriting(tmp_path: Path) -> None:
    from textual.widgets import Input, Select

    app = make_app(tmp_path)
    target = tmp_path / "brief.md"
    target.write_text("keep me", encoding="utf-8")
    told = Told()
    async with app.run_test(size=SIZE, message_hook=told) as pilot:
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        dialog.query_one("#export-since", Input).value = ""
        await pilot.press(*"soon")
        dialog.query_one("#export-path", Input).value = str(target)
        dialog.query_one("#export-watchlist", Select).value = "PURL"
        await pilot.press("enter")
        assert app.screen is dialog  # still open, the typed values kept
        error = str(dialog.query_one("#export-error").render())
        assert error.startswith("Since:") and '"soon"' in error and "--since" not in error
        assert dialog.query_one("#export-since", Input).value == "soon"
        dialog.query_one("#export-since", Input).value = "7d"
        await pilot.press("enter")
        assert app.screen is dialog
        assert "exists" in str(dialog.query_one("#export-error").render())
        assert target.read_text(encoding="utf-8") == "keep me"
        await pilot.press("enter")  # again: overwrite
        await until(pilot, lambda: any(n.startswith("Wrote ") for n in told))
        text = target.read_text(encoding="utf-8")
        assert (
            "NATO allies fund the PURL package" in text and "Ukraine signs drone deal" not in text
        )


async def test_a_failed_history_reload_is_not_reported_as_saving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.errors import HistoryError

    app = make_app(tmp_path)

    def broken() -> bool:
        raise HistoryError(f"{app.history.path}: not valid JSON")

    monkeypatch.setattr(app.history, "refresh", broken)
    told = Told()
    async with app.run_test(size=SIZE, message_hook=told) as pilot:
        app.refresh_history()
        await until(pilot, lambda: any("failed" in n for n in told))
        assert any(n.startswith("Reloading the history failed: ") for n in told)
        assert not any(n.startswith("Saving") for n in told)


async def test_escape_clears_the_search_first_then_the_other_filters(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("F", "slash", *"drone", "enter")
        assert titles(app) == ["Ukraine signs drone deal with Denmark"]
        await pilot.press("escape")
        assert app.main.filter.flagged_only and not app.main.filter.query
        assert len(titles(app)) == 4
        await pilot.press("escape")
        assert len(titles(app)) == 8
        await pilot.press("question_mark")
        rows = set(app.screen.rows)  # type: ignore[attr-defined]
        assert ("Detail pane", "esc", "Back to list") in rows
        assert ("Search box (/)", "esc", "Clear search") in rows
        assert ("Item list", "esc", "Clear the search; again: every filter") in rows
        assert not any(section == "Everywhere" and keys == "esc" for section, keys, _ in rows)


async def test_feed_and_watchlist_panels_have_g_and_G(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.main.feeds_panel.focus()
        await pilot.press("G")
        assert app.main.feeds_panel.highlighted == 2
        await pilot.press("g")
        assert app.main.feeds_panel.highlighted == 0
