"""The detail pane shows an article's lead and text, every hit in the text highlighted, and
scrolls through a long text with the keys."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from rich.style import Style

from monitor.components.detail import detail_text
from monitor.match import Matcher
from monitor.models import Item, Watchlist
from tests.helpers.app_fixtures import NOW, fixed_items, make_app
from tests.helpers.pilot import detail_shown
from tests.helpers.sites import uk_paragraphs

SIZE = (120, 36)
HIT = Style(bold=True, underline=True)


def _article() -> Item:
    text = "\n\n".join(
        uk_paragraphs(12)
        + ["Кошти підуть на закупівлі в межах PURL, заявили в міністерстві."]
        + uk_paragraphs(6, 5)
        + ["Друга згадка: PURL."]
    )
    return Item(
        "art",
        "MoD Ukraine",
        "Канада долучилася до ініціативи",
        "https://mod.gov.ua/news/kanada",
        "Канада оголосила про новий внесок.",
        NOW + timedelta(minutes=1),
        NOW,
        text=text,
    )


def test_every_hit_in_the_text_is_highlighted_in_place() -> None:
    item = _article()
    Matcher([Watchlist("PURL", ("PURL",), case_sensitive=True)]).apply(item)
    assert [m.field for m in item.matches] == ["text", "text"]

    shown = detail_text(item, match_style=HIT, label_style=Style(), tag_style=Style())

    assert "Канада оголосила про новий внесок." in shown.plain
    assert "\n\n" in shown.plain[shown.plain.index("Кошти") - 3 :]  # paragraphs kept
    body = shown.plain.index(item.text[:40])  # where the text starts, after the lead
    lit = [(s.start - body, s.end - body) for s in shown.spans if s.style == HIT and s.start > body]
    assert lit == [(m.start, m.end) for m in item.matches]


async def test_the_detail_pane_scrolls_through_a_long_article(tmp_path: Path) -> None:
    app = make_app(tmp_path, items=[_article(), *fixed_items()])
    async with app.run_test(size=SIZE) as pilot:
        assert app.main.item_list.current.id == "art"
        await pilot.press("enter", "tab")  # open it, then tab to the detail pane
        detail = app.main.detail
        assert app.focused is detail
        assert "Друга згадка: PURL." in detail_shown(app)
        assert detail.scroll_y == 0 and detail.max_scroll_y > 0
        await pilot.press("G")
        await pilot.pause()
        assert detail.scroll_y == detail.max_scroll_y
