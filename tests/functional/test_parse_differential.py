"""The fast parse path is proven equal to feedparser, the parser of record.

Every document here goes through ``parse_feed`` twice, ``parser="auto"`` (the fast path where
it answers) and ``parser="feedparser"``, and the two results must be identical, item by item
and field by field. The documents: the benchmark's synthetic UNN-shaped feeds, the demo's
feeds, and Hypothesis-generated RSS 2.0 / Atom 1.0 with entities, CDATA, character
references, declared and undeclared encodings, relative links and ``xml:base``, missing
fields, guids with and without ``isPermaLink`` and dates in many formats. (Every fixture of
every other test is checked the same way by the autouse fixture in tests/conftest.py.)

Known differences are none: what the fast path cannot answer for exactly it hands to
feedparser (see monitor/parse/fast.py), and the tests at the end pin those hand-overs.
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from monitor.parse import ParseResult, parse_feed
from monitor.parse.fast import fast_items

NOW = datetime(2025, 10, 6, 12, 0, tzinfo=timezone.utc)
URL = "https://news.example.org/feeds/rss.xml?lang=uk"
SETTINGS = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def both(body: bytes, headers: dict[str, str] | None = None, url: str = URL) -> ParseResult:
    """The fast path's result, after checking it equals feedparser's."""
    headers = headers or {}
    fast = parse_feed(body, headers, url, "F", NOW)
    ref = parse_feed(body, headers, url, "F", NOW, parser="feedparser")
    assert fast == ref
    return fast


def takes_fast_path(body: bytes, headers: dict[str, str] | None = None) -> bool:
    return fast_items(body, headers or {}, URL, "F", NOW) is not None


# --- the benchmark's and the demo's feeds --------------------------------------------------


@pytest.fixture(scope="module")
def bench_feeds() -> list[bytes]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    try:
        from synth import TextMaker, render_rss, vocabulary, watchlists
    finally:
        sys.path.pop(0)
    rng = random.Random(3)
    maker = TextMaker(vocabulary(), watchlists(rng), rng)
    return [render_rss(maker, n, 50) for n in range(6)]  # English and Ukrainian (CDATA)


def test_the_benchmark_feeds_give_the_same_items_on_the_fast_path(bench_feeds: list[bytes]) -> None:
    for body in bench_feeds:
        assert takes_fast_path(body)
        assert len(both(body, {"content-type": "application/rss+xml; charset=utf-8"}).items) == 50


def test_the_demo_feeds_give_the_same_items() -> None:
    from monitor.demo import build_documents

    documents = build_documents(NOW)
    feeds = [d for d in documents.values() if b"<rss" in d.body[:400] or b"<feed" in d.body[:400]]
    assert feeds
    for doc in feeds:
        assert both(doc.body, {"content-type": doc.content_type}).items


# --- generated documents ---------------------------------------------------------------

XML_CHARS = st.characters(
    exclude_categories=("Cs",),
    exclude_characters="\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13"
    "\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\ufffe\uffff",
)
PIECES = st.sampled_from(
    [
        "Міноборони",
        "угоду про дрони",
        "drone deal",
        "a & b",
        "<b>bold</b>",
        "x < y > z",
        "AT&T",
        "café",
        "naïve",
        "€",
        "\x80\x9f",
        "Ð£ÐºÑ\x80Ð°Ñ\x97Ð½Ð°",
        "  spaced   out ",
        "line\nbreak\ttab",
        "[bold]x[/]",
        "&nbsp;",
        "&amp;amp;",
        "&#1234;",
        "&#x41;",
        "'\"",
        "<p>para</p><p>two</p>",
        "<script>alert(1)</script>",
        "<![CDATA[x]]>",
        "]]>",
        "\u202e",
        "<a href='/rel'>link</a>",
        "&lt;escaped&gt;",
        " ",
        "",
    ]
)
TEXT = st.lists(st.one_of(PIECES, st.text(XML_CHARS, max_size=12)), max_size=4).map("".join)


@st.composite
def xml_text(draw: st.DrawFn, value: str) -> str:
    """``value`` as element content: escaped, CDATA, character references or raw markup."""
    mode = draw(st.sampled_from(["escape", "cdata", "charrefs", "markup"]))
    if mode == "cdata" and "]]>" not in value:
        return f"<![CDATA[{value}]]>"
    if mode == "charrefs":
        return "".join(c if c.isascii() and c.isalnum() else f"&#{ord(c)};" for c in value)
    if mode == "markup" and "<" not in value and "&" not in value:
        return f"<b>{value}</b>" if draw(st.booleans()) else value
    return escape(value)


@st.composite
def dates(draw: st.DrawFn) -> str:
    when = draw(st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2035, 1, 1)))
    offset = timezone(timedelta(minutes=draw(st.sampled_from([0, 120, 180, -300, 330]))))
    aware = when.replace(tzinfo=offset, microsecond=0)
    return draw(
        st.sampled_from(
            [
                format_datetime(aware),
                format_datetime(aware.astimezone(timezone.utc), usegmt=True),
                aware.strftime("%a, %d %b %Y %H:%M:%S"),  # no zone
                aware.strftime("%d %b %Y %H:%M %z"),  # no weekday, no seconds
                aware.strftime("%a, %d %b %y %H:%M:%S EST"),  # two-digit year, named zone
                aware.strftime("%a, %d %b %Y %H:%M:%S UT"),
                aware.isoformat(),
                aware.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                aware.strftime("%Y-%m-%dT%H:%M:%S.123456%z"),
                aware.strftime("%Y-%m-%d %H:%M:%S"),
                aware.strftime("%Y-%m-%d"),
                aware.strftime("%Y%m%dT%H%M%S"),
                aware.strftime("%a %b %d %H:%M:%S %Y"),  # asctime
                "  " + aware.isoformat() + "  ",
                "yesterday",
                "2025-13-45T99:99:99Z",
                "Mon, 32 Foo 2025 10:00:00 GMT",
                "1 жовтня 2025",
                "",
            ]
        )
    )


LINKS = st.sampled_from(
    [
        "https://news.example.org/a/1",
        "http://другий.укр/новини/2",
        "/news/3?x=1&y=2",
        "rel/4#frag",
        "../up/5",
        "//cdn.example.net/6",
        "  https://news.example.org/7  ",
        "javascript:alert(1)",
        "mailto:a@b.c",
        "https://e.org/q?a=1&amp;b=2",
        "",
        "?page=2",
        "HTTPS://E.ORG/Upper",
        "https://e.org/a;params",
        "https://e.org/empty?",
        "https://e.org/#",
        "https://e.org:8080/port",
        "https://[::1]/v6",
        "https://e.org/caf\u00c3\u00a9",
        "https:///three-slashes",
        "https://e.org/a b",
        "http://e.org/./dots/../x",
    ]
)
IDS = st.sampled_from(
    [
        "https://news.example.org/a/1",
        "123",
        "tag:example.org,2025:8",
        "urn:uuid:1-2-3",
        "/news/9",
        "id with spaces",
        "",
        "https://news.example.org/a/1#dup",
    ]
)


BASES = st.sampled_from(
    [""] * 12
    + [
        ' xml:base="/other/"',
        ' xml:base="https://base.example.com/x/"',
        ' xml:base="sub/"',
        ' xml:base=""',
        ' xml:base="javascript:void(0)/"',
        ' base="../up/"',
        ' xml:base="http://другий.укр/a/"',
    ]
)


@st.composite
def rss_item(draw: st.DrawFn) -> str:
    parts = []
    fields = draw(
        st.lists(
            st.sampled_from(
                [
                    "title",
                    "link",
                    "guid",
                    "description",
                    "encoded",
                    "pubDate",
                    "dc_date",
                    "creator",
                    "category",
                    "comments",
                    "enclosure",
                    "source",
                ]
            ),
            unique=True,
            max_size=8,
        )
    )
    draw(st.randoms()).shuffle(fields)
    for name in fields:
        if name == "title":
            parts.append(f"<title>{draw(xml_text(draw(TEXT)))}</title>")
        elif name == "link":
            parts.append(f"<link>{escape(draw(LINKS))}</link>")
        elif name == "guid":
            attr = draw(
                st.sampled_from(
                    ["", ' isPermaLink="true"', ' isPermaLink="false"', ' ispermalink="false"']
                )
            )
            parts.append(f"<guid{attr}>{escape(draw(IDS))}</guid>")
        elif name == "description":
            parts.append(f"<description>{draw(xml_text(draw(TEXT)))}</description>")
        elif name == "encoded":
            parts.append(f"<content:encoded>{draw(xml_text(draw(TEXT)))}</content:encoded>")
        elif name == "pubDate":
            parts.append(f"<pubDate>{escape(draw(dates()))}</pubDate>")
        elif name == "dc_date":
            parts.append(f"<dc:date>{escape(draw(dates()))}</dc:date>")
        elif name == "creator":
            parts.append(f"<dc:creator>{escape(draw(TEXT))}</dc:creator>")
        elif name == "category":
            parts.append(f"<category>{escape(draw(TEXT))}</category>")
        elif name == "enclosure":
            parts.append(f'<enclosure url={quoteattr(draw(LINKS))} type="image/jpeg"/>')
        elif name == "source":
            parts.append(f"<source url={quoteattr(draw(LINKS))}>{escape(draw(TEXT))}</source>")
        else:
            parts.append(f"<comments>{escape(draw(LINKS))}</comments>")
    if draw(st.sampled_from([False] * 19 + [True])):  # odd items the fast path leaves alone
        odd = [
            "<media:title>Other title</media:title>",
            "<itunes:summary>Other</itunes:summary>",
            # RSS item children are leaves: feedparser gives these titles to the image/source
            "<image><title>Image title</title><url>https://e.org/i.png</url></image>",
            '<source url="https://e.org/s"><title>Source title</title></source>',
            # two of one kind: which one wins is feedparser's business
            "<description>Second description</description>",
            "<title>Second title</title>",
        ]
        parts.insert(draw(st.integers(0, len(parts))), draw(st.sampled_from(odd)))
    return f"<item{draw(BASES)}>{''.join(parts)}</item>"


ENCODINGS = st.sampled_from(
    [(None, "utf-8"), ("utf-8", "utf-8"), ("UTF-8", "utf-8")] * 3
    + [
        ("windows-1251", "windows-1251"),
        ("koi8-u", "koi8-u"),
        ("iso-8859-1", "iso-8859-1"),
        ("utf-16", "utf-16"),
    ]
)
HTTP_CHARSETS = st.sampled_from([None] * 6 + ["utf-8", "UTF-8", "windows-1251", "iso-8859-1"])


@st.composite
def encoded(draw: st.DrawFn, document: str) -> tuple[bytes, dict[str, str]]:
    declared, codec = draw(ENCODINGS)
    prolog = draw(st.sampled_from(["decl", "decl", "none"])) if declared else "none"
    head = f'<?xml version="1.0" encoding="{declared}"?>\n' if prolog == "decl" else ""
    body = (head + document).encode(codec, "xmlcharrefreplace")
    if codec == "utf-8" and draw(st.integers(0, 9)) == 0:
        body = b"\xef\xbb\xbf" + body
    charset = draw(HTTP_CHARSETS)
    ctype = draw(
        st.sampled_from(["application/rss+xml", "text/xml", "text/html", "application/xml"])
    )
    return body, {"content-type": ctype + (f"; charset={charset}" if charset else "")}


RSS_VERSIONS = st.sampled_from([' version="2.0"'] * 12 + ["", ' version="0.92"', ' version="2.01"'])


@st.composite
def rss_documents(draw: st.DrawFn) -> tuple[bytes, dict[str, str]]:
    items = "".join(draw(st.lists(rss_item(), min_size=1, max_size=5)))
    document = (
        f"<rss{draw(RSS_VERSIONS)}"
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:media="http://search.yahoo.com/mrss/"'
        ' xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
        f"<channel><title>{escape(draw(TEXT))}</title><link>https://news.example.org/</link>"
        f"<description>d</description>{items}</channel></rss>"
    )
    return draw(encoded(document))


@st.composite
def atom_entry(draw: st.DrawFn) -> str:
    parts = []
    fields = draw(
        st.lists(
            st.sampled_from(
                [
                    "title",
                    "link",
                    "link2",
                    "id",
                    "published",
                    "updated",
                    "summary",
                    "content",
                    "author",
                ]
            ),
            unique=True,
            max_size=8,
        )
    )
    draw(st.randoms()).shuffle(fields)
    for name in fields:
        if name == "title":
            kind = draw(st.sampled_from(["", ' type="text"', ' type="html"', ' type="xhtml"']))
            text = draw(TEXT)
            if kind == ' type="xhtml"':
                parts.append(
                    f'<title{kind}><div xmlns="http://www.w3.org/1999/xhtml">'
                    f"{escape(text)}</div></title>"
                )
            else:
                parts.append(f"<title{kind}>{draw(xml_text(text))}</title>")
        elif name in ("link", "link2"):
            rel = draw(
                st.sampled_from(
                    ["", ' rel="alternate"', ' rel="related"', ' rel="self"', ' rel="enclosure"']
                )
            )
            parts.append(f"<link{rel}{draw(BASES)} href={quoteattr(draw(LINKS))}/>")
        elif name == "id":
            parts.append(f"<id{draw(BASES)}>{escape(draw(IDS))}</id>")
        elif name in ("published", "updated"):
            parts.append(f"<{name}>{escape(draw(dates()))}</{name}>")
        elif name in ("summary", "content"):
            kind = draw(st.sampled_from(["", ' type="text"', ' type="html"', ' type="xhtml"']))
            text = draw(TEXT)
            if kind == ' type="xhtml"':
                parts.append(
                    f'<{name}{kind}><div xmlns="http://www.w3.org/1999/xhtml">'
                    f"<p>{escape(text)}</p></div></{name}>"
                )
            else:
                parts.append(f"<{name}{kind}>{draw(xml_text(text))}</{name}>")
        else:
            parts.append(f"<author><name>{escape(draw(TEXT))}</name></author>")
    return f"<entry{draw(BASES)}>{''.join(parts)}</entry>"


@st.composite
def atom_documents(draw: st.DrawFn) -> tuple[bytes, dict[str, str]]:
    entries = "".join(draw(st.lists(atom_entry(), min_size=1, max_size=5)))
    document = (
        f'<feed xmlns="http://www.w3.org/2005/Atom"{draw(BASES)}>'
        f"<title>{escape(draw(TEXT))}</title><id>urn:feed</id>"
        f"<updated>2025-10-01T00:00:00Z</updated>{entries}</feed>"
    )
    return draw(encoded(document))


@SETTINGS
@given(rss_documents())
def test_generated_rss_gives_the_same_items_through_both_paths(doc: tuple[bytes, dict]) -> None:
    body, headers = doc
    event("fast path" if takes_fast_path(body, headers) else "feedparser")
    both(body, headers)


@SETTINGS
@given(atom_documents())
def test_generated_atom_gives_the_same_items_through_both_paths(doc: tuple[bytes, dict]) -> None:
    body, headers = doc
    event("fast path" if takes_fast_path(body, headers) else "feedparser")
    both(body, headers)


# --- the setting, and what goes to feedparser ---------------------------------------------


async def test_parser_feedparser_in_the_settings_never_takes_the_fast_path(
    feed_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import monitor.parse.feed as feed_module
    import monitor.parse.pool as pool_module
    from monitor.history import History
    from monitor.match import Matcher
    from monitor.models import Config, FeedConfig, Settings
    from monitor.poll import poll
    from tests.helpers.feedserver import rss

    # threads, so the spy below sees the parse even when another test left a pool running
    monkeypatch.setattr(pool_module, "_use_processes", lambda due, matcher: False)
    asked: list[bytes] = []
    real = feed_module.fast_items
    monkeypatch.setattr(feed_module, "fast_items", lambda b, *a: asked.append(b) or real(b, *a))
    feed_server.route("/a.xml", rss([{"title": "Drone deal", "guid": "a1"}]))
    feeds = (FeedConfig("A", feed_server.url("/a.xml")),)
    for choice, expect_asked in (("feedparser", False), ("auto", True)):
        asked.clear()
        config = Config(Settings(timeout=5.0, parser=choice), feeds, ())
        history = History.open(tmp_path / f"{choice}.json")
        report = await poll(config, history, Matcher(()), now=NOW, force=True)
        assert [i.title for i in report.new_items] == ["Drone deal"]
        assert bool(asked) is expect_asked


ATOM_RELATIVE = (
    b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
    b"<title>t</title><id>urn:f</id><updated>2025-10-01T00:00:00Z</updated>"
    b'<entry><title>One</title><link href="../news/1"/><id>urn:e:1</id>'
    b"<updated>2025-10-01T08:00:00+03:00</updated></entry></feed>"
)
RSS_1251 = (
    '<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel><title>t</title>'
    "<item><title>Угода про дрони</title><link>https://e.org/1</link></item></channel></rss>"
).encode("windows-1251")
RSS_BROKEN = (
    b'<rss version="2.0"><channel><title>t</title><item><title>One &nbsp; two</title>'
    b"<link>https://e.org/1</link></item><item><title>Three</title><link>https://e.org/3</link>"
)

RSS_IMAGE = (
    b'<rss version="2.0"><channel><title>t</title><item><link>https://e.org/1</link>'
    b"<image><title>Image title</title><url>https://e.org/i.png</url></image>"
    b"<description>Body</description></item></channel></rss>"
)
RSS_TWO_LINKS = (
    b'<rss version="2.0"><channel><title>t</title><item><title>One</title>'
    b"<link>https://e.org/1</link><link>https://e.org/2</link></item></channel></rss>"
)
RSS_NESTED = (
    b'<rss version="2.0"><channel><title>t</title><item><title>Outer</title>'
    b"<link>https://e.org/1</link><item><title>Inner</title><link>https://e.org/2</link></item>"
    b"</item></channel></rss>"
)


ATOM_HEAD = (
    b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
    b"<title>t</title><id>urn:f</id><updated>2025-10-01T00:00:00Z</updated>"
)
# content before the summary: the summary element still wins
ATOM_CONTENT_FIRST = ATOM_HEAD + (
    b'<entry><title type="html">One &amp;lt;b&amp;gt;</title><link href="/news/1"/>'
    b'<id>urn:e:1</id><content type="html">&lt;p&gt;Body&lt;/p&gt;</content>'
    b"<summary>Lead</summary></entry></feed>"
)
# an empty summary gives way to the content
ATOM_EMPTY_SUMMARY = ATOM_HEAD + (
    b'<entry><title>One</title><link href="https://e.org/1"/><id>urn:e:1</id>'
    b"<summary></summary><content>Body</content></entry></feed>"
)
ATOM_XHTML = ATOM_HEAD + (
    b'<entry><title>One</title><link href="https://e.org/1"/><id>urn:e:1</id>'
    b'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Body</p></div>'
    b"</content></entry></feed>"
)


@pytest.mark.parametrize(
    ("body", "fast", "want"),
    [
        # a relative Atom link is joined to the final URL on the fast path, as feedparser does
        (ATOM_RELATIVE, True, [("One", "https://news.example.org/news/1")]),
        # xml:base: its scopes followed as feedparser follows them
        (
            ATOM_RELATIVE.replace(b"<entry>", b'<entry xml:base="https://b.org/x/y/">'),
            True,
            [("One", "https://b.org/x/news/1")],
        ),
        # a plain base attribute is read as xml:base by feedparser, and nested bases join
        (
            ATOM_RELATIVE.replace(b"<entry>", b'<entry base="https://b.org/x/y/">').replace(
                b'<link href="../news/1"/>', b'<link xml:base="z/" href="../news/1"/>'
            ),
            True,
            [("One", "https://b.org/x/y/news/1")],
        ),
        # an unsafe base is ignored
        (
            ATOM_RELATIVE.replace(b"<entry>", b'<entry xml:base="javascript:alert(1)/">'),
            True,
            [("One", "https://news.example.org/news/1")],
        ),
        # RSS with a base attribute: feedparser's own resolution
        (
            b'<rss version="2.0"><channel><title>t</title><item base="https://b.org/x/">'
            b"<title>One</title><link>rel/1</link></item></channel></rss>",
            False,
            [("One", "https://b.org/x/rel/1")],
        ),
        # a declared windows-1251 document: feedparser's decoding
        (RSS_1251, False, [("Угода про дрони", "https://e.org/1")]),
        # not well-formed: feedparser's recovery (and its warning)
        (RSS_BROKEN, False, [("One two", "https://e.org/1"), ("Three", "https://e.org/3")]),
        # an item child with children: feedparser's own reading (here the image's title
        # becomes the item's)
        (RSS_IMAGE, False, [("Image title", "https://e.org/1")]),
        # two links in one item: which one wins is feedparser's business
        (RSS_TWO_LINKS, False, [("One", "https://e.org/2")]),
        # an item inside an item
        (RSS_NESTED, False, [("Outer", "https://e.org/1"), ("Inner", "https://e.org/2")]),
        # Atom in one pass: the text constructs from the scan too
        (ATOM_CONTENT_FIRST, True, [("One <b>", "https://news.example.org/news/1")]),
        (ATOM_EMPTY_SUMMARY, True, [("One", "https://e.org/1")]),
        # XHTML content: feedparser's serialisation of the markup
        (ATOM_XHTML, False, [("One", "https://e.org/1")]),
    ],
    ids=[
        "relative-atom-link",
        "xml-base",
        "plain-base-and-nested",
        "unsafe-base",
        "rss-base",
        "windows-1251",
        "broken-xml",
        "item-child-with-children",
        "two-links",
        "nested-items",
        "atom-content-then-summary",
        "atom-empty-summary",
        "atom-xhtml",
    ],
)
def test_what_takes_which_path(body: bytes, fast: bool, want: list[tuple[str, str]]) -> None:
    assert takes_fast_path(body) is fast
    assert [(i.title, i.link) for i in both(body).items] == want


def test_atom_summaries_follow_feedparser_whatever_the_order() -> None:
    assert [i.summary for i in both(ATOM_CONTENT_FIRST).items] == ["Lead"]
    assert [i.summary for i in both(ATOM_EMPTY_SUMMARY).items] == ["Body"]


_BASES = st.sampled_from(
    [
        URL,
        "http://e.org",
        "https://E.org:8080/a/b/",
        "HTTPS://e.org/x",
        "https://e.org#f",
        "https://e.org?q",
        "https://e.org/a;p",
        "https://xn--e-1.org/",
        "ftp://e.org/",
    ]
)
_PATHS = st.lists(
    st.sampled_from(
        [
            "/",
            "a",
            "b.c",
            ".",
            "..",
            "%20",
            "~x",
            "@",
            ":",
            "=",
            "&",
            "'",
            "(",
            "9",
            "?q",
            "#f",
            ";p",
            "\\",
            " ",
            "ф",
        ]
    ),  # fmt: skip
    max_size=8,
).map(lambda parts: "/" + "".join(parts))


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(_BASES, _PATHS)
def test_the_root_path_join_shortcut_is_feedparsers_join(base: str, path: str) -> None:
    from feedparser.urls import _urljoin

    from monitor.parse.fast import _join

    assert _join(base, path) == _urljoin(base, path)
