"""The search box driven by real keys: the query language, errors in place, highlighting."""

from __future__ import annotations

import re
from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from monitor.app import MonitorApp
from monitor.components.search_bar import SearchBar
from monitor.config import load_config
from monitor.demo import prepare_demo
from monitor.history import History
from monitor.match import Matcher
from monitor.poll import poll
from tests.helpers.app_fixtures import make_app, quiet_app
from tests.helpers.pilot import SIZE, titles, until


def search_bar(app: MonitorApp) -> SearchBar:
    return app.query_one("#search", SearchBar)


def reversed_texts(app: MonitorApp) -> list[str]:
    """The pieces of the list rows on screen drawn in reverse video (the search's marks)."""
    out = []
    for y in range(app.main.item_list.scrollable_content_region.height):
        for seg in app.main.item_list.render_line(y):
            if seg.style is not None and seg.style.reverse and seg.text.strip():
                out.append(seg.text)
    return out


def detail_marks(app: MonitorApp) -> list[str]:
    body = app.main.detail.query_one("#detail-body", Static).content
    assert isinstance(body, Text)
    return [
        body.plain[s.start : s.end]
        for s in body.spans
        if not isinstance(s.style, str) and s.style.reverse
    ]


async def test_words_match_by_form_and_phrases_exclusions_fields_combine(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"дрон")  # дрони, дронів: any form
        assert titles(app) == ["Міноборони отримало нові дрони"]
        await pilot.press(*" OR drone")
        assert titles(app) == [
            "Ukraine signs drone deal with Denmark",
            "Міноборони отримало нові дрони",
        ]
        await pilot.press(*' -feed:"MoD Ukraine"')
        assert titles(app) == ["Ukraine signs drone deal with Denmark"]
        await pilot.press("escape")
        await pilot.press("slash", *'"defence spending" is:read')
        assert titles(app) == ["Parliament debates the budget"]


async def test_an_unfinished_query_says_where_and_keeps_the_last_result(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"drone")
        assert titles(app) == ["Ukraine signs drone deal with Denmark"]
        await pilot.press(*' "production agr')  # the quote is still open
        bar = search_bar(app)
        assert bar.has_class("-query-error")
        assert str(bar.border_subtitle) == "column 7: unterminated quote"
        assert titles(app) == ["Ukraine signs drone deal with Denmark"]  # the last good result
        await pilot.press(*'eement"')
        assert not bar.has_class("-query-error") and not bar.border_subtitle
        assert titles(app) == ["Ukraine signs drone deal with Denmark"]
        await pilot.press(*" OR")  # dangling OR: an error, nothing changes
        assert bar.has_class("-query-error") and "OR" in str(bar.border_subtitle)
        await pilot.press("backspace", "backspace", "backspace")
        assert not bar.has_class("-query-error")
        await pilot.press(*" frost:")
        assert "unknown field 'frost:'" in str(bar.border_subtitle)
        await pilot.press("escape")  # esc clears the error with the search
        assert not bar.has_class("-query-error") and len(titles(app)) == 8


async def test_matching_words_are_highlighted_in_the_list_and_the_detail(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        assert reversed_texts(app) == []
        await pilot.press("slash", *"deal OR agreement -knitting")
        await pilot.pause()
        assert reversed_texts(app) == ["deal"]
        assert detail_marks(app) == ["deal", "agreement"]  # title, then summary
        await pilot.press("escape")
        await pilot.pause()
        assert reversed_texts(app) == [] and detail_marks(app) == []


async def test_slash_угода_in_the_demo_finds_every_form(tmp_path: Path) -> None:
    config_path, history_path, server = prepare_demo(tmp_path)
    try:
        config = load_config(config_path)
        history = History.open(history_path)
        matcher = Matcher(config.watchlists)
        await poll(config, history, matcher)
    finally:
        server.stop()
    form = re.compile(r"\bугод(?:а|и|і|у|ою|о|ам|ами|ах)?\b", re.IGNORECASE)
    expected = {i.title for i in history.items() if form.search(f"{i.title} {i.summary} {i.text}")}
    assert len(expected) >= 4  # угоду, угоди, угода, дронову угоду: the demo names the deal so
    app = quiet_app(config, config_path, history, matcher, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"угода")
        await until(pilot, lambda: set(titles(app)) == expected)
