"""monitor.parse: feeds and pages to Items, text hygiene, XML attacks."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timezone

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from monitor.fetch import fetch, make_client
from monitor.models import FeedConfig, FeedState, Settings
from monitor.parse import html_to_text, item_id, parse_feed, parse_page
from monitor.parse import items as items_module
from monitor.text import is_http_url, one_line, strip_escapes
from tests.helpers.feedserver import FeedServer, atom, rss

NOW = datetime(2025, 10, 1, 12, 0, tzinfo=timezone.utc)
RSS_HEADERS = {"content-type": "application/rss+xml; charset=utf-8"}
SETTINGS = Settings(timeout=2.0, connect_timeout=1.0)

# A hang guard: the hypothesis tests need ~20 s on a loaded machine.
pytestmark = pytest.mark.timeout(60)


async def fetch_and_parse(server: FeedServer, path: str, name: str = "F"):
    async with make_client(SETTINGS) as client:
        result = await fetch(
            client, FeedConfig(name=name, url=server.url(path)), FeedState(name), SETTINGS, now=NOW
        )
    assert result.outcome == "ok", result.error
    return parse_feed(result.body, result.headers, result.final_url, name, NOW)


# --- feeds ---------------------------------------------------------------------------------


def test_rss_items_have_plain_text_links_dates_and_stable_ids():
    body = rss(
        [
            {
                "title": "Army gets drones",
                "link": "https://example.org/a",
                "guid": "guid-a",
                "description": "<p>First <em>paragraph</em>.</p><p>Second.</p>",
                "pubDate": "Wed, 01 Oct 2025 09:30:00 +0300",
                "category": "defence",
            },
            {"title": "No guid", "link": "https://example.org/b"},
        ]
    )
    result = parse_feed(body, RSS_HEADERS, "https://example.org/rss", "UNN", NOW)
    assert result.error is None and result.warning is None
    a, b = result.items
    assert a.title == "Army gets drones"
    assert a.summary == "First paragraph. Second."
    assert a.link == "https://example.org/a"
    assert a.published == datetime(2025, 10, 1, 6, 30, tzinfo=timezone.utc)
    assert a.first_seen == NOW and a.feed == "UNN"
    assert a.id == item_id("UNN", "guid-a")
    assert b.id == item_id("UNN", "https://example.org/b")  # no guid: the link
    assert b.published is None
    again = parse_feed(body, RSS_HEADERS, "https://example.org/rss", "UNN", NOW)
    assert [i.id for i in again.items] == [a.id, b.id]


def test_item_id_is_scoped_by_feed_and_short():
    assert item_id("A", "x") != item_id("B", "x")
    assert item_id("A", "x") == item_id("A", "x")
    assert len(item_id("A", "x")) == 20


def test_items_without_guid_or_link_get_an_id_from_title_and_date():
    body = rss(
        [{"title": "Only a title", "pubDate": "Wed, 01 Oct 2025 09:30:00 GMT"}, {"title": "Other"}]
    )
    items = parse_feed(body, RSS_HEADERS, "https://e/rss", "F", NOW).items
    assert len(items) == 2 and items[0].id != items[1].id
    assert items[0].link == ""


def test_markup_in_titles_is_reduced_and_rich_markup_kept_literal():
    body = rss(
        [
            {"title": "<b>Bold</b> move &amp; more", "link": "https://e/1"},
            {"title": "[bold red]ALERT[/] [link=file:///x]click[/link]", "link": "https://e/2"},
            {"title": "Tom &amp; Jerry &lt;3", "link": "https://e/3"},
        ]
    )
    titles = [i.title for i in parse_feed(body, RSS_HEADERS, "https://e/rss", "F", NOW).items]
    assert titles[0] == "Bold move & more"
    assert titles[1] == "[bold red]ALERT[/] [link=file:///x]click[/link]"
    assert titles[2] == "Tom & Jerry <3"


def test_control_characters_and_ansi_escapes_are_stripped():
    body = rss(
        [
            {
                "title": "Red\x1b[31m alert\x1b[0m\x07 \x1b]0;pwned\x07done",
                "link": "https://e/1",
                "description": "line\x00one\x9b2J \u202eevil",
            }
        ]
    )
    # Raw C0 controls are not even legal XML; feedparser's loose parser may still see them.
    items = parse_feed(body, RSS_HEADERS, "https://e/rss", "F", NOW).items
    assert [i.title for i in items] == ["Red alert done"]
    for item in items:
        for text in (item.title, item.summary):
            assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in text)
            assert "\x1b" not in text and "\u202e" not in text
    assert html_to_text("Red\x1b[31m alert\x1b[0m\x07 \x1b]0;pwned\x07done") == "Red alert done"
    assert html_to_text("a&#27;b&#1;c\x9b2Jd") == "abcd"


def test_javascript_links_are_dropped():
    body = rss([{"title": "x", "link": "javascript:alert(1)", "guid": "g"}])
    [item] = parse_feed(body, RSS_HEADERS, "https://e/rss", "F", NOW).items
    assert item.link == ""


def test_broken_xml_keeps_items_and_warns():
    body = rss([{"title": f"Item {n}", "link": f"https://e/{n}"} for n in range(3)])
    body = body.replace(b"</item><item>", b"</item><item><broken>", 1)
    result = parse_feed(body, RSS_HEADERS, "https://e/rss", "F", NOW)
    assert [i.title for i in result.items] == ["Item 0", "Item 1", "Item 2"]
    assert result.error is None
    assert result.warning is not None
    assert result.warning.startswith("XML error at line ")
    assert result.warning.endswith("3 items kept")


def test_unreadable_document_is_an_xml_error():
    result = parse_feed(b"<rss><channel><<<<", RSS_HEADERS, "https://e/rss", "F", NOW)
    assert result.items == [] and result.error_kind == "xml"
    assert "XML error" in result.error


def test_xml_that_is_not_a_feed_is_empty():
    result = parse_feed(b'<?xml version="1.0"?><config><a/></config>', RSS_HEADERS, "u", "F", NOW)
    assert result.error_kind == "empty" and result.items == []


def test_valid_feed_without_items_is_fine():
    result = parse_feed(rss([]), RSS_HEADERS, "https://e/rss", "F", NOW)
    assert result.items == [] and result.error is None and result.warning is None


@pytest.mark.parametrize("content_type", ["text/xml", "application/rss+xml", "text/html", ""])
def test_encoding_declared_only_in_the_prolog(content_type):
    body = rss([{"title": "Міноборони України", "link": "https://e/1"}], encoding="windows-1251")
    assert "Міноборони".encode("windows-1251") in body
    [item] = parse_feed(body, {"content-type": content_type}, "https://e/rss", "F", NOW).items
    assert item.title == "Міноборони України"


async def test_windows_1251_feed_through_the_server(feed_server):
    body = rss([{"title": "Новини оборони", "link": "https://e/1"}], encoding="windows-1251")
    feed_server.route("/rss", body, content_type="text/xml")
    result = await fetch_and_parse(feed_server, "/rss")
    assert [i.title for i in result.items] == ["Новини оборони"]


async def test_atom_relative_links_resolve_against_the_feed_url(feed_server):
    body = atom(
        [
            {"title": "Rel", "link": "/news/1", "summary": "<a href='/x'>s</a>"},
            {"title": "Rel2", "link": "item/2"},
        ]
    )
    feed_server.route("/feeds/atom.xml", body, content_type="application/atom+xml")
    result = await fetch_and_parse(feed_server, "/feeds/atom.xml")
    assert [i.link for i in result.items] == [
        feed_server.url("/news/1"),
        feed_server.url("/feeds/item/2"),
    ]


def test_atom_xml_base_wins():
    body = atom([{"title": "a", "link": "n/1"}], base="https://base.example/dir/")
    [item] = parse_feed(
        body, {"content-type": "application/atom+xml"}, "https://e/f", "F", NOW
    ).items
    assert item.link == "https://base.example/dir/n/1"


# --- html_to_text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("plain [bold]x[/] text", "plain [bold]x[/] text"),
        ("a < b and c > d", "a < b and c > d"),
        ("press <ctrl> key", "press <ctrl> key"),
        ("un<b>believ</b>able", "unbelievable"),
        ("<p>One</p><p>Two</p>", "One Two"),
        ("x&nbsp;&nbsp;y\n\n\tz", "x y z"),
        ("&eacute;t&#233; &#x441;", "été с"),
        ("a<script>alert(1)</script>b<style>p{color:red}</style>c", "abc"),
        ("AT&T", "AT&T"),
        ("", ""),
    ],
)
def test_html_to_text(source, text):
    assert html_to_text(source) == text


# --- XML attacks ---------------------------------------------------------------------------

XXE = b"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title>
<item><title>leak &xxe;</title><link>https://e/1</link><description>&xxe;</description></item>
</channel></rss>"""

LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b"""]>
<rss version="2.0"><channel><title>t</title>
<item><title>&lol9;</title><link>https://e/1</link></item></channel></rss>"""
)


def _parse_bounded(body: bytes):
    """parse_feed in a thread, so a runaway parse fails the test instead of hanging it."""
    out = []
    thread = threading.Thread(
        target=lambda: out.append(parse_feed(body, RSS_HEADERS, "https://e/rss", "F", NOW)),
        daemon=True,
    )
    thread.start()
    thread.join(10)
    assert out, "parse_feed did not return within 10 s"
    return out[0]


@pytest.mark.parametrize(
    "body", [XXE, LAUGHS, XXE.decode().encode("utf-16")], ids=["xxe", "laughs", "xxe-utf16"]
)
def test_entity_attacks_are_refused(body):
    result = _parse_bounded(body)
    assert result.items == []
    assert result.error_kind == "xml"
    assert "entities" in result.error


def test_no_file_content_ever_reaches_items():
    passwd = open("/etc/passwd").read().splitlines()[0]  # e.g. "root:x:0:0:..."
    result = _parse_bounded(XXE)
    assert all(passwd not in i.title + i.summary for i in result.items)


def test_harmless_character_entities_are_allowed():
    body = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY nbsp "&#160;">]>\n'
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><title>a&nbsp;b</title><link>https://e/1</link></item></channel></rss>"
    )
    result = parse_feed(body, RSS_HEADERS, "https://e/rss", "F", NOW)
    assert [i.title for i in result.items] == ["a b"]


# --- pages ---------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Новини</title></head><body>
<nav><a href="/news">Усі новини</a> <a href="/about">Про нас</a></nav>
<div class="list">
  <article><a href="/news/drones-2025"><img src="x.jpg"></a>
    <h3><a href="/news/drones-2025">Міноборони  закупило
      дрони</a></h3><time datetime="2025-10-01T09:00:00+03:00">1 жовтня</time></article>
  <article><h3><a href="https://mod.gov.ua/news/budget#top">Бюджет &amp; оборона</a></h3></article>
  <article><a href="/news/empty"> </a></article>
  <article><a href="javascript:void(0)">/news/js</a></article>
  <article><a href="https://other.example/news/elsewhere">Elsewhere</a></article>
</div></body></html>"""


def test_page_links_become_items():
    result = parse_page(
        PAGE.encode(),
        {},
        "https://mod.gov.ua/news",
        r"^https://mod\.gov\.ua/news/[^/]+$",
        "MoD",
        NOW,
    )
    assert result.error is None
    by_link = {i.link: i for i in result.items}
    assert set(by_link) == {"https://mod.gov.ua/news/drones-2025", "https://mod.gov.ua/news/budget"}
    drones = by_link["https://mod.gov.ua/news/drones-2025"]
    assert drones.title == "Міноборони закупило дрони"  # the longer of the two link texts
    assert drones.published == datetime(2025, 10, 1, 6, 0, tzinfo=timezone.utc)
    assert drones.id == item_id("MoD", "https://mod.gov.ua/news/drones-2025")
    budget = by_link["https://mod.gov.ua/news/budget"]
    assert budget.title == "Бюджет & оборона"
    assert budget.published is None  # no time in its own article
    assert drones.feed == "MoD" and drones.first_seen == NOW


def test_page_encoding_from_headers_and_meta():
    html = '<html><head><meta charset="windows-1251"></head><body><a href="/news/a">Оборона</a></body></html>'
    body = html.encode("windows-1251")
    for headers in ({}, {"content-type": "text/html; charset=windows-1251"}):
        result = parse_page(body, headers, "https://e/news", "/news/", "P", NOW)
        assert [i.title for i in result.items] == ["Оборона"]


def test_page_without_matching_links_is_an_error():
    result = parse_page(b"<html><a href='/x'>x</a></html>", {}, "https://e/", r"/news/", "P", NOW)
    assert result.items == [] and result.error_kind == "empty"
    assert "/news/" in result.error


async def test_page_through_the_server(feed_server):
    feed_server.route("/news", PAGE, content_type="text/html; charset=utf-8")
    async with make_client(SETTINGS) as client:
        cfg = FeedConfig(
            name="MoD",
            url=feed_server.url("/news"),
            kind="page",
            links=re.escape(feed_server.base) + r"/news/[\w-]+$",
        )
        fetched = await fetch(client, cfg, FeedState("MoD"), SETTINGS, now=NOW)
    assert fetched.outcome == "ok"
    result = parse_page(fetched.body, fetched.headers, fetched.final_url, cfg.links, "MoD", NOW)
    assert [i.link for i in result.items] == [feed_server.url("/news/drones-2025")]


# --- hostile sizes: bounded work, right items ---------------------------------------------


@pytest.mark.timeout(20)
async def test_a_page_with_4000_links_in_one_list_parses_with_article_times(feed_server):
    listing = "".join(f'<a href="/news/{n}">Story {n}</a>' for n in range(4000))
    page = (
        "<html><body><div>"
        '<article><time datetime="2025-10-01T06:00:00Z"></time><a href="/news/lead">Lead</a></article>'
        f"<div>{listing}</div></div></body></html>"
    )
    feed_server.route("/news", page, content_type="text/html; charset=utf-8")
    cfg = FeedConfig(name="P", url=feed_server.url("/news"), kind="page", links=r"/news/\w+$")
    async with make_client(SETTINGS) as client:
        fetched = await fetch(client, cfg, FeedState("P"), SETTINGS, now=NOW)
    result = parse_page(fetched.body, fetched.headers, fetched.final_url, cfg.links, "P", NOW)
    by_link = {i.link: i for i in result.items}
    assert len(by_link) == 4001
    assert by_link[feed_server.url("/news/lead")].published == datetime(
        2025, 10, 1, 6, tzinfo=timezone.utc
    )
    assert by_link[feed_server.url("/news/3999")].title == "Story 3999"
    assert by_link[feed_server.url("/news/3999")].published is None  # the list is no article


def test_a_long_link_title_attribute_is_shortened():
    body = b'<a href="/news/1" title="' + b"x" * 100_000 + b'"></a>'
    [item] = parse_page(body, {}, "https://e/", "/news/", "P", NOW).items
    assert len(item.title) <= 500 and item.title.endswith("…")


@pytest.mark.timeout(20)
async def test_summaries_of_unclosed_tags_parse_quickly_and_stay_literal(feed_server):
    hostile = ["<a" * 60_000, "<a '" * 40_000, '<a href="' * 20_000]
    body = rss(
        [{"title": f"T{n}", "guid": str(n), "description": d} for n, d in enumerate(hostile)]
        + [{"title": "<a " * 30_000, "guid": "t", "description": "<b>fine</b>"}]
    )
    feed_server.route("/feed.xml", body)
    big = Settings(timeout=5.0, connect_timeout=1.0, max_body_bytes=8 << 20)
    async with make_client(big) as client:
        fetched = await fetch(
            client, FeedConfig("F", feed_server.url("/feed.xml")), FeedState("F"), big, now=NOW
        )
    result = parse_feed(fetched.body, fetched.headers, fetched.final_url, "F", NOW)
    assert [i.title for i in result.items[:3]] == ["T0", "T1", "T2"]
    for item, text in zip(result.items, hostile, strict=False):
        assert item.summary.startswith(text[:100])  # literal text, not dropped as markup
        assert 3990 <= len(item.summary) <= 4000 and item.summary.endswith("…")
    last = result.items[3]
    assert last.summary == "fine" and last.title.startswith("<a <a <a") and len(last.title) <= 500


# --- the plain-text shortcut for simple markup -------------------------------------------

_TAG_NAMES = st.sampled_from(
    [
        "p",
        "P",
        "a",
        "br",
        "b",
        "strong",
        "em",
        "div",
        "li",
        "h2",
        "img",
        "span",
        "ctrl",
        "foo",
        "script",
        "style",
        "title",
        "o",
        "td",
        "x1",
        "i",
        "u",
        "h4",
        "ul",
        "small",
    ]
)
_ATTRS = st.lists(
    st.tuples(
        st.sampled_from(["href", "src", "class", "data-x", "xml:lang", "disabled", "a_b"]),
        st.sampled_from(
            [
                '="https://e.org/?a=1&amp;b=2"',
                "='x y'",
                '="&lt;"',
                "",
                '=""',
                '="a>b"',
                "=bare",
                '="x"y',
            ]
        ),
    ),
    max_size=3,
).map(lambda attrs: "".join(f" {k}{v}" for k, v in attrs))


@st.composite
def _markup(draw: st.DrawFn) -> str:
    pieces = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["text", "start", "end", "self", "odd"]))
        name = draw(_TAG_NAMES)
        if kind == "text":
            pieces.append(
                draw(
                    st.sampled_from(
                        [
                            "Міноборони",
                            " drone  deal ",
                            "AT&T",
                            "&amp;",
                            "&lt;b&gt;",
                            "&#1234;",
                            "&nbsp",
                            "a > b",
                            "\n",
                            "[bold]x[/]",
                            "&T;",
                            "x &",
                            "&#x41",
                            "&am",  # with "p;" after a tag: no reference across tags
                            "p;",
                            "lt;",
                            "\xa0",
                        ]
                    )
                )
            )
        elif kind == "start":
            pieces.append(f"<{name}{draw(_ATTRS)}{draw(st.sampled_from(['', ' ', chr(10)]))}>")
        elif kind == "end":
            pieces.append(f"</{name}{draw(st.sampled_from(['', ' ']))}>")
        elif kind == "self":
            pieces.append(f"<{name}{draw(_ATTRS)}{draw(st.sampled_from(['/', ' /']))}>")
        else:
            pieces.append(
                draw(
                    st.sampled_from(
                        [
                            "<",
                            "a < b",
                            "<!-- c -->",
                            "<![CDATA[x]]>",
                            "<!DOCTYPE html>",
                            "<?pi?>",
                            "<a href='x",
                            "</>",
                            "<1>",
                            "<o:p>",
                            "< p>",
                        ]
                    )
                )
            )
    return "".join(pieces)


def _by_html_parser(s: str) -> str:
    parser = items_module._TextExtractor()
    parser.feed(s)
    items_module._close(parser)
    return "".join(parser.parts)


@settings(max_examples=600, deadline=None, derandomize=True)
@given(_markup())
def test_the_simple_markup_shortcut_reads_text_exactly_as_html_parser(s: str) -> None:
    simple = items_module._simple_markup_text(s)
    if simple is not None:
        assert simple == _by_html_parser(s)


def test_feed_summaries_take_the_simple_markup_shortcut() -> None:
    summary = '<p>Signed <a href="https://e.org/x?a=1&amp;b=2">the deal</a>.</p><p>Two&nbsp;</p>'
    assert items_module._simple_markup_text(summary) == _by_html_parser(summary)
    assert html_to_text(summary) == "Signed the deal. Two"


def _reference_html_to_text(s: str) -> str:
    """html_to_text without its shortcuts: every string through html.parser and one_line."""
    s = strip_escapes(s[: items_module.MAX_HTML_INPUT])
    if items_module._MARKUP.search(s):
        s = _by_html_parser(s)
    return one_line(s)


_NOISE = st.sampled_from(["", "\x1b[31m", "\t", "\n\n", "\u202e", "&#27;", "&#x202e;", "\x85"])


@settings(max_examples=600, deadline=None, derandomize=True)
@given(_markup(), _NOISE, _NOISE)
@example("<p>&am<b>p;</b> &l</a>t;</p><p>two&nbsp;</p>", "", "")  # a reference split by tags
@example("<p>one</p><p>two</p><br/>  <li>x</li>", "\n", "")
def test_html_to_text_shortcuts_give_what_html_parser_gives(s: str, a: str, b: str) -> None:
    for text in (s, a + s + b, s.replace("<", "&lt;"), s.replace(" ", a)):
        assert html_to_text(text) == _reference_html_to_text(text)


_URLS = st.one_of(
    st.from_regex(r"\A(https?|HTTP|ftp)://[a-z0-9.:\[\]@-]{0,12}([/?#][ -~\x85\u00a0é]{0,12})?\Z"),
    st.text(max_size=20),
)


@settings(max_examples=600, deadline=None, derandomize=True)
@given(_URLS, st.sampled_from(["", " ", "\t"]))
def test_the_plain_link_shortcut_agrees_with_is_http_url(url: str, pad: str) -> None:
    want = url.strip() if is_http_url(url.strip()) else ""
    assert items_module.http_link(pad + url + pad) == want


def test_a_page_whose_next_data_is_nested_too_deep_still_gives_its_html_links() -> None:
    deep = "[" * 200_000 + "]" * 200_000  # json.loads gives up (RecursionError)
    body = (
        '<html><body><ul><li><a href="/news/1">Drone deal signed</a></li></ul>'
        f'<script id="__NEXT_DATA__" type="application/json">{deep}</script></body></html>'
    )
    now = datetime(2025, 10, 6, tzinfo=timezone.utc)
    result = parse_page(body.encode(), {}, "https://e.org/list", r"/news/\d+", "P", now)
    assert result.error is None
    assert [(i.title, i.link) for i in result.items] == [
        ("Drone deal signed", "https://e.org/news/1")
    ]
