"""The UI's review of a watchlist edit: "+N / −M", W to see the items, a to apply (pilot)."""

from __future__ import annotations

from pathlib import Path

from monitor.history import History
from monitor.screens.watchlist_review import WatchlistReviewScreen
from tests.helpers.app_fixtures import feeds_toml, make_app, quiet_app
from tests.helpers.pilot import SIZE, Told, detail_shown, until

EDITED = """
[[watchlists]]
name = "Drone Deal"
terms = ["drone", "frost"]

[[watchlists]]
name = "PURL"
terms = ["PURL"]
"""


def tags_on_disk(app: object, title: str) -> list[str]:
    history = History.open(app.history.path)  # type: ignore[attr-defined]
    return next(i.tags for i in history.items() if i.title.startswith(title))


async def test_an_edit_is_reviewed_before_the_history_is_retagged(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    told = Told()
    async with app.run_test(size=SIZE, message_hook=told) as pilot:
        app.config_path.write_text(feeds_toml(watchlists=EDITED), encoding="utf-8")
        app.action_reload_config()
        await until(pilot, lambda: any("Drone Deal: +1 / −1" in n for n in told))
        # Nothing retagged yet: "frost" gains the weather item, dropping "дрон" loses one.
        assert tags_on_disk(app, "Weather") == []
        assert tags_on_disk(app, "Міноборони") == ["Drone Deal"]
        assert [t for t in app.config.watchlists[0].terms] == ["drone", "дрон"]

        await pilot.press("W")
        await until(pilot, lambda: isinstance(app.screen, WatchlistReviewScreen))
        text = str(app.screen.query_one("#review-text").render())
        gained, lost = text.split("Lost (1):")
        assert "Gained (1):" in gained and "Weather service warns of frost" in gained
        assert "term “frost”" in gained
        assert "Міноборони отримало нові дрони" in lost and "was: term “дрон”" in lost

        await pilot.press("escape")  # not now: still today's tags
        await until(pilot, lambda: not isinstance(app.screen, WatchlistReviewScreen))
        assert tags_on_disk(app, "Weather") == []

        await pilot.press("W")
        await until(pilot, lambda: isinstance(app.screen, WatchlistReviewScreen))
        await pilot.press("a")
        await until(pilot, lambda: any(n.startswith("Reloaded") for n in told))
        assert tags_on_disk(app, "Weather") == ["Drone Deal"]
        assert tags_on_disk(app, "Міноборони") == []
        assert app.config.watchlists[0].terms == ("drone", "frost")
        assert app.pending_edit is None


ADDED_AND_REMOVED = """
[[watchlists]]
name = "Drone Deal"
terms = ["drone", "дрон"]

[[watchlists]]
name = "Frost"
terms = ["frost"]
"""


async def test_a_new_and_a_removed_watchlist_wait_for_the_same_review(tmp_path: Path) -> None:
    """Adding "Frost" gains its items, removing "PURL" loses every item it tags."""
    app = make_app(tmp_path)
    told = Told()
    async with app.run_test(size=SIZE, message_hook=told) as pilot:
        app.config_path.write_text(feeds_toml(watchlists=ADDED_AND_REMOVED), encoding="utf-8")
        app.action_reload_config()
        await until(pilot, lambda: any("Frost (new): +1 / −0" in n for n in told))
        notice = next(n for n in told if "Frost (new)" in n)
        assert "PURL (removed): +0 / −1" in notice and "Drone Deal" not in notice
        assert [w.name for w in app.config.watchlists] == ["Drone Deal", "PURL"]
        assert tags_on_disk(app, "Weather") == []
        assert tags_on_disk(app, "NATO allies fund") == ["PURL"]

        await pilot.press("W")
        await until(pilot, lambda: isinstance(app.screen, WatchlistReviewScreen))
        text = str(app.screen.query_one("#review-text").render())
        frost, purl = text.split("PURL (removed)")
        assert "Gained (1):" in frost and "Weather service warns of frost" in frost
        assert "Lost (1):" in purl and "NATO allies fund the PURL package" in purl
        assert "was: term “PURL”" in purl

        await pilot.press("escape")  # not now: the old config and tags stay
        await until(pilot, lambda: not isinstance(app.screen, WatchlistReviewScreen))
        assert tags_on_disk(app, "NATO allies fund") == ["PURL"]

        await pilot.press("W")
        await until(pilot, lambda: isinstance(app.screen, WatchlistReviewScreen))
        await pilot.press("a")
        await until(pilot, lambda: any(n.startswith("Reloaded") for n in told))
        assert [w.name for w in app.config.watchlists] == ["Drone Deal", "Frost"]
        assert tags_on_disk(app, "Weather") == ["Frost"]
        assert tags_on_disk(app, "NATO allies fund") == []
        assert tags_on_disk(app, "Міноборони") == ["Drone Deal"]


async def test_w_without_an_edit_says_so(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    told = Told()
    async with app.run_test(size=SIZE, message_hook=told) as pilot:
        await pilot.press("W")
        await until(pilot, lambda: "No watchlist edit waiting for review" in told)
        assert not isinstance(app.screen, WatchlistReviewScreen)


async def test_the_demo_tags_a_report_of_the_deal_that_never_names_it(tmp_path: Path) -> None:
    """The rule that fired is shown in the detail pane."""
    from monitor.config import load_config
    from monitor.demo import prepare_demo
    from monitor.match import Matcher
    from monitor.poll import poll

    config_path, history_path, server = prepare_demo(tmp_path)
    try:
        config = load_config(config_path)
        history = History.open(history_path)
        matcher = Matcher(config.watchlists)
        await poll(config, history, matcher)
    finally:
        server.stop()
    title = "Washington wants to buy Ukrainian interceptor drones, ambassador says"
    (item,) = [i for i in history.items() if i.title == title]
    assert "deal" not in f"{item.title} {item.summary}".lower()
    assert item.tags == ["Drone Deal"] and item.matches[0].rule
    app = quiet_app(config, config_path, history, matcher, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"interceptor drones ambassador", "enter")
        await until(
            pilot,
            lambda: (
                app.main.item_list.current is not None and app.main.item_list.current.title == title
            ),
        )
        await until(pilot, lambda: title in detail_shown(app))
        text = detail_shown(app)
        assert "Drone Deal: “" in text and "(matches rule “(buy OR bought OR purchase" in text


async def test_a_rule_that_does_not_parse_keeps_the_last_good_config(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    told = Told()
    async with app.run_test(size=SIZE, message_hook=told) as pilot:
        before = app.config
        broken = EDITED.replace('terms = ["drone", "frost"]', "terms = []\nrules = ['(drone OR']")
        app.config_path.write_text(feeds_toml(watchlists=broken), encoding="utf-8")
        app.action_reload_config()
        await until(pilot, lambda: any("keeping the previous" in n for n in told))
        error = next(n for n in told if "keeping the previous" in n)
        assert 'watchlist "Drone Deal": rule 1 “(drone OR”' in error and "feeds.toml:" in error
        assert app.config is before and app.pending_edit is None
        assert tags_on_disk(app, "Міноборони") == ["Drone Deal"]
