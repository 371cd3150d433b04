"""Hostile feed text stays data: through parse, the Markdown briefing and the TUI.

Feeds carry Rich/Textual markup, ANSI/OSC escapes, control characters, HTML and Markdown
link tricks. Each must arrive as literal text (markup characters kept, escapes and
controls gone), never as a style, a link, an action or a terminal command.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from markdown_it import MarkdownIt
from textual.widgets._toast import Toast

from monitor import export, parse
from monitor.app import MonitorApp
from monitor.models import Item
from monitor.text import one_line
from tests.helpers.app_fixtures import NOW, app_for_config, feeds_toml
from tests.helpers.feedserver import FeedServer
from tests.helpers.pilot import detail_shown, screen_lines

MARKUP = "[bold red]ALERT[/]"
LINK_MARKUP = "[link=https://evil.example]x[/link]"
CLICK = "[@click=app.quit]QUIT[/]"
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
URL = "https://news.example.org/rss"


def rss_bytes(items: list[dict[str, str]]) -> bytes:
    """RSS whose fields are inserted as given (callers escape or keep raw bytes on purpose)."""
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>t</title>']
    for item in items:
        parts.append("<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in item.items()) + "</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def parse_one(**fields: str) -> Item:
    fields.setdefault("guid", "g1")
    result = parse.parse_feed(rss_bytes([fields]), {}, URL, "Feed", NOW)
    assert len(result.items) == 1, result
    return result.items[0]


# --- parse -------------------------------------------------------------------------------


def test_markup_characters_are_kept_literally_by_the_parser() -> None:
    text = f"{MARKUP} {LINK_MARKUP} {CLICK} [click](javascript:alert(1))"
    item = parse_one(title=xml_escape(text), description=xml_escape(text))
    assert item.title == text
    assert item.summary == text


@pytest.mark.parametrize("raw", [True, False], ids=["raw-bytes", "char-refs"])
def test_ansi_osc_and_control_characters_are_stripped_by_the_parser(raw: bool) -> None:
    hostile = (
        "a\x1b[31mred\x1b[0m \x1b]8;;http://evil.example\x07link\x1b]8;;\x07 "
        "\x1b]0;pwned title\x07b\x07c\x08d\x00e\x7f"
    )
    if raw:
        body = xml_escape(hostile).replace("\x00", "")  # NUL cannot travel in XML even broken
    else:
        body = re.sub(
            r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]",
            lambda m: f"&#{ord(m.group())};",
            xml_escape(hostile),
        )
    item = parse_one(title=body, description=body)
    for text in (item.title, item.summary):
        assert not CONTROL.search(text), repr(text)
        assert "[31m" not in text and "[0m" not in text
        assert "8;;" not in text and "evil" not in text and "pwned" not in text
        assert "ared" in text and "link" in text  # the visible text itself is kept


def test_html_is_reduced_to_its_text_and_scripts_are_dropped() -> None:
    html = (
        "<p>Hello <b>world</b></p><script>alert(1)</script>"
        '<img src=x onerror="alert(2)"><style>p{}</style><iframe src="javascript:alert(3)">'
    )
    item = parse_one(title="t", description=xml_escape(html))
    assert item.summary == "Hello world"


def test_html_written_as_text_stays_literal_text() -> None:
    """A title that talks about a tag ("&lt;script&gt;" escaped twice) keeps it as characters."""
    item = parse_one(title=xml_escape(xml_escape("Why <script>alert(1)</script> is bad")))
    assert item.title == "Why <script>alert(1)</script> is bad"


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:x",
        "file:///etc/passwd",
        "java\tscript:alert(1)",
    ],
)
def test_non_web_item_links_are_dropped(link: str) -> None:
    item = parse_one(title="t", link=xml_escape(link))
    assert item.link == ""


def test_web_item_links_are_kept() -> None:
    assert (
        parse_one(title="t", link="https://example.org/a?b=1&amp;c=2").link
        == "https://example.org/a?b=1&c=2"
    )


def test_listing_pages_drop_script_links_and_keep_markup_text() -> None:
    html = (
        f'<a href="javascript:alert(1)">{MARKUP} js</a>'
        f'<a href="data:text/html,x">data</a>'
        f'<a href="/news/1">{xml_escape(MARKUP)} \x1b[31mred</a>'
    ).encode()
    result = parse.parse_page(html, {}, URL, ".", "Page", NOW)
    assert [(i.title, i.link) for i in result.items] == [
        (f"{MARKUP} red", "https://news.example.org/news/1")
    ]


# --- Markdown export -------------------------------------------------------------------


def hostile_item(n: int = 1, **changes: object) -> Item:
    fields: dict[str, object] = dict(
        id=f"h{n}",
        feed="Feed [b]x[/b] <i>y</i>",
        title=f"{MARKUP} {CLICK} <img src=x onerror=alert(1)> [click](javascript:alert(1))",
        link="javascript:alert(1)",
        summary=(
            "<script>alert(1)</script> \x1b[31mred\x1b[0m \x1b]8;;http://evil\x07x\x1b]8;;\x07 "
            "![img](data:image/png;base64,AAAA) <javascript:alert(2)> "
            "[ref]: javascript:alert(3)\n# heading\n- list\n1. list\n> quote\n```\n"
        ),
        published=NOW - timedelta(hours=n),
        first_seen=NOW,
        flag_override=True,
    )
    fields.update(changes)
    return Item(**fields)  # type: ignore[arg-type]


def permissive_markdown() -> MarkdownIt:
    """A CommonMark renderer that accepts every link scheme and raw HTML (the worst reader)."""
    md = MarkdownIt("commonmark", {"html": True})
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def rendered(markdown: str) -> tuple[list, str]:
    """The block/inline tokens of ``markdown`` and the text a reader sees."""
    tokens = permissive_markdown().parse(markdown)
    flat = [t for tok in tokens for t in ([tok] + list(tok.children or []))]
    text = "\n".join(
        "".join(c.content for c in tok.children or [] if c.type in ("text", "code_inline"))
        for tok in tokens
        if tok.type == "inline"
    )
    return flat, text


def test_markdown_export_has_no_html_no_script_links_and_shows_markup_literally() -> None:
    items = [
        hostile_item(1),
        hostile_item(2, link="data:text/html,<script>alert(1)</script>"),
        hostile_item(3, link="https://example.org/ok) [x](javascript:alert(1)"),
    ]
    md = export.to_markdown(items, now=NOW)
    assert not CONTROL.search(md.replace("\n", ""))
    tokens, text = rendered(md)
    assert not [t for t in tokens if t.type in ("html_block", "html_inline")], (
        "raw HTML in the briefing"
    )
    hrefs = [t.attrs.get("href", "") for t in tokens if t.type == "link_open"]
    hrefs += [t.attrs.get("src", "") for t in tokens if t.type == "image"]
    assert hrefs and all(
        urlsplit(h).scheme in ("http", "https") and urlsplit(h).hostname == "example.org"
        for h in hrefs
    ), hrefs
    assert [t.type for t in tokens if t.type.startswith("heading_open")].count("heading_open") == (
        2 + 1 + 3  # title, one section, one date heading, three item headings
    )
    assert MARKUP in text and CLICK in text
    assert "<img src=x onerror=alert(1)>" in text  # shown as characters, not an element
    assert "<script>alert(1)</script>" in text
    assert "[click](javascript:alert(1))" in text  # the text of the trick, not a link
    assert "evil" not in md and "[31m" not in md


def test_markdown_export_of_a_parsed_hostile_feed() -> None:
    text = f"{MARKUP} <b>bold</b> [click](javascript:alert(1)) \x1b[31mred"
    item = parse_one(
        title=xml_escape(text),
        description=xml_escape(xml_escape("<script>x</script>")),
        link="javascript:alert(1)",
    )
    item.flag_override = True
    md = export.to_markdown([item], now=NOW)
    tokens, shown = rendered(md)
    assert not [t for t in tokens if t.type in ("html_block", "html_inline", "link_open", "image")]
    assert f"{MARKUP} bold [click](javascript:alert(1)) red" in shown
    assert "<script>x</script>" in shown
    assert "javascript:alert(1)" not in [t.attrs.get("href") for t in tokens]


# --- TUI ---------------------------------------------------------------------------------

SIZE = (200, 40)
HOSTILE_TITLE = f"{CLICK} {MARKUP}"


def hostile_feed(server: FeedServer) -> None:
    raw = f"{HOSTILE_TITLE} \x1b[31mred\x1b]8;;http://evil.example\x07osc\x1b]8;;\x07 \x1b]0;pwned\x07"
    server.route(
        "/unn.xml",
        rss_bytes(
            [
                {
                    "guid": "hostile-1",
                    "title": xml_escape(raw),
                    "description": xml_escape(
                        f"Drone strike {CLICK} {MARKUP} {LINK_MARKUP} <b>x</b>"
                    ),
                    "link": "javascript:alert(1)",
                    "pubDate": (NOW - timedelta(minutes=5)).strftime("%a, %d %b %Y %H:%M:%S +0000"),
                }
            ]
        ),
    )
    server.route("/mod.xml", rss_bytes([]))


def make_hostile_app(tmp_path: Path, base_url: str, watchlist_name: str) -> MonitorApp:
    """An app on an empty history, whose one watchlist has a name that looks like markup."""
    watchlists = f'\n[[watchlists]]\nname = "{watchlist_name}"\nterms = ["drone"]\n'
    return app_for_config(tmp_path, feeds_toml(base_url, watchlists), items=[], states=False)


async def wait_for(pilot, condition, timeout: float = 8.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached in time")


def click_metas(strips) -> list[dict]:  # type: ignore[no-untyped-def]
    """Every style meta (where Textual keeps @click actions and links) in rendered strips."""
    return [
        dict(seg.style.meta)
        for strip in strips
        for seg in strip
        if seg.style is not None and seg.style.meta
    ]


async def test_hostile_feed_text_is_shown_literally_and_never_acts(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    hostile_feed(feed_server)
    app = make_hostile_app(tmp_path, feed_server.base, CLICK.replace("QUIT", "Drones"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: app.main.item_list.row_count == 1 and not app.polling)
        item = app.main.item_list.current
        assert item is not None and item.link == ""

        rows = "\n".join(screen_lines(app))
        assert f"{CLICK} {MARKUP}" in rows
        assert "\x1b" not in rows and "pwned" not in rows and "[31m" not in rows
        list_strips = [app.main.item_list.render_line(y) for y in range(3)]
        assert not [m for m in click_metas(list_strips) if "@click" in m or "link" in m]

        await pilot.press("enter")
        detail = detail_shown(app)
        assert f"{CLICK} {MARKUP}" in detail and f"{CLICK} {MARKUP} {LINK_MARKUP} x" in detail
        assert "\x1b" not in detail and "pwned" not in detail
        body = app.main.detail.query_one("#detail-body")
        detail_strips = body.render_lines(body.region.reset_offset)
        assert MARKUP in "\n".join(s.text for s in detail_strips)
        assert not [m for m in click_metas(detail_strips) if "@click" in m]

        # Click right on the words that would be an action link if read as markup.
        for widget, lines in ((app.main.item_list, list_strips), (body, detail_strips)):
            dx = widget.content_region.x - widget.region.x
            dy = widget.content_region.y - widget.region.y
            y = next(n for n, s in enumerate(lines) if "QUIT" in s.text)
            x = lines[y].text.index("QUIT")
            for k in (-18, 0, 2):  # on "[@click", on "QUIT"
                await pilot.click(widget, offset=(dx + x + k, dy + y))
        await pilot.pause(0.1)
        assert app.is_running and app.return_code is None

        svg = app.export_screenshot()
        assert "[bold&#160;red]ALERT[/]" in svg and "\x1b" not in svg


async def test_notifications_with_feed_and_config_text_do_not_read_markup(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    hostile_feed(feed_server)
    name = "[@click=app.quit]Drones[/] [bold]x[/]"
    app = make_hostile_app(tmp_path, feed_server.base, name)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: any(t for t in app.screen.query(Toast)))
        toasts = list(app.screen.query(Toast))
        shown = [str(t.render()) for t in toasts]
        assert any(f"{name}: 1 new" in s for s in shown), shown
        for toast in toasts:
            await pilot.click(toast)  # a click on a toast only dismisses it
        await pilot.pause(0.1)
        assert app.is_running and app.return_code is None
        # An error notification built from text the user does not control.
        app.tell(f"Export failed: cannot write {MARKUP}{CLICK}", severity="error")
        await pilot.pause(0.05)
        assert any(f"{MARKUP}{CLICK}" in str(t.render()) for t in app.screen.query(Toast))


@pytest.mark.parametrize(
    "raw",
    [
        "a\x1bPqPAYLOAD\x1b\\b",  # DCS (sixel) with its payload
        "a\x9d8;;http://evil\x9cb",  # 8-bit OSC hyperlink
        "a\x1b]8;;http://evil\x07b",  # 7-bit OSC hyperlink
        "a\x90qPAYLOAD\x9cb",  # 8-bit DCS
        "a\x1b_APC\x1b\\b",  # APC
        "a\x9b31mb",  # 8-bit CSI
        "a\u202eb\x00",  # bidi override, NUL
    ],
)
def test_stored_and_exported_text_lose_the_same_escapes(raw: str) -> None:
    assert parse.html_to_text(raw) == one_line(raw) == "ab"


def test_a_lone_c1_byte_does_not_swallow_the_text_after_it() -> None:
    # Mis-decoded windows-1252 ("ž" read as latin-1 is \x9e) is text, not a terminal string.
    assert (
        parse.html_to_text("Dru\x9eba and more")
        == one_line("Dru\x9eba and more")
        == "Druba and more"
    )


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://mod.gov.ua/news/1", True),
        ("HTTP://example.org/x", True),
        ("javascript:alert(1)", False),
        ("http:///no-host", False),
        ("http://[::1/broken", False),
        ("https://e.org/\x1b[31m", False),
    ],
)
def test_parse_and_export_agree_on_which_links_are_http(url: str, kept: bool) -> None:
    assert bool(parse.items.http_link(url)) is kept
    assert (export.safe_url(url) is not None) is kept
