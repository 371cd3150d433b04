"""Saved searches: [[searches]] in feeds.toml, checked like any entry, shown in the sidebar
with their unread counts, chosen to filter, and added with `s` keeping every comment."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.app import MonitorApp
from monitor.components.side_panels import FilterPanel
from monitor.config import load_config
from monitor.errors import ConfigError
from monitor.models import SavedSearch
from tests.helpers.app_fixtures import WATCHLISTS, app_for_config, feeds_toml
from tests.helpers.pilot import SIZE, titles, until

SEARCHES = """
# Searches I keep coming back to
[[searches]]
name = "Drones, any language"
query = 'drone OR дрон'  # both spellings

[[searches]]
name = "Defence, unread"
query = "defence is:unread"
"""


def write(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(feeds_toml(watchlists=WATCHLISTS + extra), encoding="utf-8")
    return path


def problems(tmp_path: Path, extra: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, extra))
    return info.value.problems


def test_saved_searches_are_read_in_order(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, SEARCHES))
    assert config.searches == (
        SavedSearch("Drones, any language", "drone OR дрон"),
        SavedSearch("Defence, unread", "defence is:unread"),
    )


def test_a_broken_saved_query_is_a_config_error_on_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, '\n[[searches]]\nname = "Bad"\nquery = \'drone "deal\'\n')
    line = path.read_text(encoding="utf-8").splitlines().index("query = 'drone \"deal'") + 1
    assert problems(tmp_path, '\n[[searches]]\nname = "Bad"\nquery = \'drone "deal\'\n') == [
        f'{path}:{line}: saved search "Bad": query: unterminated quote (at column 7)'
    ]


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ('name = "X"', 'saved search "X": query is missing'),
        ('name = "X"\nquery = ""', "query must be a non-empty string"),
        ('name = "X"\nquery = 3', "query must be a non-empty string"),
        ('query = "drone"', "name must be a non-empty string"),
        ('name = "X"\nquery = "a"\nqeury = "b"', 'unknown key "qeury" (did you mean "query"?)'),
        ('name = "X"\nquery = "a NEAR/500 b"', "NEAR distance is at most 100"),
    ],
)
def test_saved_search_problems(tmp_path: Path, entry: str, fragment: str) -> None:
    found = problems(tmp_path, f"\n[[searches]]\n{entry}\n")
    assert len(found) == 1 and fragment in found[0], found


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, SEARCHES + '\n[[searches]]\nname = "Defence, unread"\nquery = "x"\n')
    assert len(found) == 1 and "duplicate saved search name" in found[0]


def make_app(tmp_path: Path, extra: str = SEARCHES) -> MonitorApp:
    return app_for_config(tmp_path, feeds_toml(watchlists=WATCHLISTS + extra))


def panel_lines(app: MonitorApp) -> list[str]:
    panel = app.query_one("#searches", FilterPanel)
    return [panel.get_option_at_index(i).prompt.plain for i in range(panel.option_count)]


async def test_sidebar_shows_saved_searches_with_unread_counts_and_filters(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        # drone OR дрон: two unread items; defence is:unread: the minister (the budget is read)
        assert panel_lines(app) == [
            "  Drones, any language  2 unread",
            "  Defence, unread  1 unread",
        ]
        app.query_one("#searches", FilterPanel).focus()
        await pilot.press("enter")
        assert app.main.search_bar.value == "drone OR дрон"
        assert titles(app) == [
            "Ukraine signs drone deal with Denmark",
            "Міноборони отримало нові дрони",
        ]
        assert panel_lines(app)[0].startswith("▶ Drones")
        await pilot.press("j", "enter")
        assert titles(app) == ["Defence minister meets partners"]
        await pilot.press("enter")  # chosen again: cleared
        assert len(titles(app)) == 8
        # reading an item lowers the count
        app.main.item_list.focus()
        await pilot.press("g", "u")  # the first item (the drone deal) becomes read
        await until(pilot, lambda: panel_lines(app)[0] == "  Drones, any language  1 unread")


async def test_no_saved_searches_no_panel(tmp_path: Path) -> None:
    app = make_app(tmp_path, extra="")
    async with app.run_test(size=SIZE):
        assert not app.query_one("#searches", FilterPanel).display
        assert not app.query_one("#searches-title").display


async def test_s_saves_the_search_into_feeds_toml_keeping_every_byte(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    path = app.config_path
    before = path.read_text(encoding="utf-8")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")  # no search yet: nothing to save
        assert not app.query("#save-search-name")
        await pilot.press("slash", *'"air raid" OR frost', "enter")
        await pilot.press("s")
        await pilot.press(*"Drones, any language", "enter")  # taken: the dialog says so
        error = app.screen.query_one("#save-search-error")
        assert error.display and "already called" in str(error.render())
        name_box = app.screen.query_one("#save-search-name")
        name_box.value = ""  # type: ignore[attr-defined]
        await pilot.press(*"Alerts & weather", "enter")
        await until(pilot, lambda: any("Alerts & weather" in line for line in panel_lines(app)))
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n"))  # everything before kept, comments included
    assert "# Searches I keep coming back to" in after and "# both spellings" in after
    added = after[len(before.rstrip("\n")) :]
    assert "[[searches]]" in added and 'name = "Alerts & weather"' in added
    assert load_config(path).searches[-1] == SavedSearch("Alerts & weather", '"air raid" OR frost')
