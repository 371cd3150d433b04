"""Property tests for parse -> match -> store -> export: nothing raises, nothing is lost,
nothing from a feed comes out as a control character.

Hypothesis drives arbitrary bytes and arbitrary Unicode (RTL, zero-width, combining
marks, emoji, controls) through the real pipeline, history file included.
"""

from __future__ import annotations

import json
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor import export, parse
from monitor.history import History
from monitor.match import Matcher
from monitor.models import Item, Watchlist

pytestmark = pytest.mark.slow

NOW = datetime(2025, 10, 6, 12, 0, tzinfo=timezone.utc)
FEED = "УНН [b]English[/b]"
URL = "https://example.org/rss"
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# C0/C1 controls, DEL and ESC: none may reach a stored title/summary or an export.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# What the parser removes on purpose: controls and bidi overrides/isolates.
REMOVED = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

WATCHLISTS = (
    Watchlist("Drones", ("drone", "дрон", "air defence", "об'єкт")),
    Watchlist("PURL", ("PURL",), case_sensitive=True),
)
MATCHER = Matcher(WATCHLISTS)

SPECIAL = (
    "\u200b\u200c\u200d\u200e\u200f"  # zero-width space/joiners, LRM/RLM
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # bidi embeddings/isolates
    "\u0301\u0308\u0489"  # combining marks
    "שלום עולם مرحبا"  # RTL
    "дрон Дрони ППО об'єкт обʼєкта ї є ґ"  # Ukrainian
    "drone PURL air defence"
    "😀👩‍👩‍👧🇺🇦"  # emoji, ZWJ sequence, flag
    "[]/@=\\*_`#|~!-+.():;\"' \t\n\u00a0\u2028\u2029\u3000"
)
special_char = st.sampled_from(SPECIAL)
any_char = st.characters(exclude_categories=("Cs",))  # every code point but surrogates
control_char = st.characters(min_codepoint=0, max_codepoint=0x9F).filter(
    lambda c: c < " " or c >= "\x7f"
)
# Text a feed may carry: anything, controls included, biased towards the awkward cases.
feed_text = st.text(st.one_of(special_char, any_char, control_char), max_size=120)
# Text without markup ("<", "&") or anything the parser removes on purpose.
plain_text = st.text(st.one_of(special_char, any_char), max_size=120).filter(
    lambda s: (
        "<" not in s
        and "&" not in s
        and not REMOVED.search(s)
        and not XML_INVALID.search(s)
        and not looks_double_encoded(s)
    )
)


def looks_double_encoded(text: str) -> bool:
    """Latin-1-only text that is also valid UTF-8 ("Â¡"): feedparser "repairs" it (see below)."""
    try:
        text = text.strip()  # feedparser strips first
        return text.encode("latin-1").decode("utf-8") != text
    except UnicodeError:
        return False


def rss_raw(title: str, description: str, guid: str = "g1") -> bytes:
    """RSS with ``title``/``description`` escaped for XML but otherwise raw (controls stay raw)."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>t</title>'
        f"<item><guid>{guid}</guid><link>https://example.org/a</link>"
        f"<title>{escape(title)}</title><description>{escape(description)}</description>"
        "</item></channel></rss>"
    ).encode("utf-8", "surrogatepass")


def as_charrefs(text: str) -> str:
    """XML-escaped ``text`` with every character XML 1.0 forbids as a character reference."""
    return XML_INVALID.sub(lambda m: f"&#{ord(m.group())};", escape(text))


def rss_charrefs(title: str, description: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>t</title>'
        "<item><guid>g1</guid><link>https://example.org/a</link>"
        f"<title>{as_charrefs(title)}</title><description>{as_charrefs(description)}</description>"
        "</item></channel></rss>"
    ).encode("utf-8")


def expected_text(text: str) -> str:
    """What a plain (markup-free) feed text should become: one-space whitespace, trimmed."""
    return " ".join(REMOVED.sub("", text).split())


JSON_FIELDS = (
    "id",
    "feed",
    "title",
    "link",
    "summary",
    "published",
    "first_seen",
    "tags",
    "flagged",
    "read",
)


def through_pipeline(body: bytes) -> list[Item]:
    """parse -> match -> store -> reload -> export; checks every stage's invariants."""
    result = parse.parse_feed(body, {"Content-Type": "application/rss+xml"}, URL, FEED, NOW)
    assert isinstance(result, parse.ParseResult)
    assert result.items or result.error
    for item in result.items:
        MATCHER.apply(item)
        for m in item.matches:
            text = item.title if m.field == "title" else item.summary
            assert 0 <= m.start < m.end <= len(text)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.json"
        history = History.open(path)
        added = history.add_items(result.items)
        assert [i.id for i in added] == [i.id for i in result.items]
        reopened = History.open(path)
        for item in result.items:
            stored = reopened.get(item.id)
            assert stored is not None, f"item {item.id} lost on disk"
            assert stored.to_dict() == item.to_dict()
        items = reopened.items()
    lines = export.to_jsonl(items).splitlines()
    assert len(lines) == len(items)
    for line, item in zip(lines, items, strict=True):
        record = json.loads(line)
        want = export.item_record(item)
        assert {k: record[k] for k in JSON_FIELDS} == {k: want[k] for k in JSON_FIELDS}
        assert record["title"] == item.title and record["summary"] == item.summary
    for item in items:
        assert not CONTROL.search(item.title), repr(item.title)
        assert not CONTROL.search(item.summary), repr(item.summary)
    md = export.to_markdown(export.select_items(items, include_all=True), now=NOW)
    assert not CONTROL.search(md.replace("\n", "")), "control character in the Markdown export"
    return items


# --- bytes -----------------------------------------------------------------------------


@SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise_in_parse_feed(body: bytes) -> None:
    result = parse.parse_feed(body, {}, URL, FEED, NOW)
    assert isinstance(result, parse.ParseResult)
    assert not (result.items and result.error)  # items, or an error saying why there are none


XML_PIECES = st.sampled_from(
    [
        b'<?xml version="1.0"?>',
        b'<rss version="2.0">',
        b"<channel>",
        b"<item>",
        b"</item>",
        b"<title>",
        b"</title>",
        b"<link>",
        b"</link>",
        b"<guid>",
        b"</guid>",
        b"<![CDATA[",
        b"]]>",
        b"<description>",
        b"</description>",
        b"&amp;",
        b"&#27;",
        b"&#0;",
        b"&bogus;",
        b"\x1b[31m",
        b'<feed xmlns="http://www.w3.org/2005/Atom">',
        b"<entry>",
        b"<!DOCTYPE x>",
        b"\xff\xfe",
        b"\xef\xbb\xbf",
        b'<a href="javascript:x">',
        b"</channel></rss>",
    ]
)


@SETTINGS
@given(st.lists(st.one_of(XML_PIECES, st.binary(max_size=20)), max_size=40))
def test_feed_shaped_garbage_never_raises_and_yields_clean_items(pieces: list[bytes]) -> None:
    result = parse.parse_feed(b"".join(pieces), {}, URL, FEED, NOW)
    assert not (result.items and result.error)
    for item in result.items:
        assert not CONTROL.search(item.title + item.summary + item.link)
        assert item.link == "" or item.link.startswith(("http://", "https://"))


@SETTINGS
@given(st.binary(max_size=2000), st.sampled_from([".", "news", r"/\d+", "("]))
def test_arbitrary_bytes_never_raise_in_parse_page(body: bytes, links: str) -> None:
    result = parse.parse_page(body, {}, URL, links, FEED, NOW)
    assert isinstance(result, parse.ParseResult)
    assert result.items or result.error
    for item in result.items:
        assert not CONTROL.search(item.title)


@SETTINGS
@given(
    st.lists(
        st.tuples(st.sampled_from(["/a/1", "news/2", "javascript:x", "data:x", "#f"]), feed_text),
        max_size=8,
    )
)
def test_pages_of_arbitrary_link_text_never_raise(links: list[tuple[str, str]]) -> None:
    html = "".join(f'<a href="{escape(h)}">{escape(t)}</a>' for h, t in links).encode(
        "utf-8", "surrogatepass"
    )
    result = parse.parse_page(html, {}, URL, ".", FEED, NOW)
    for item in result.items:
        assert not CONTROL.search(item.title)
        assert item.link.startswith(("http://", "https://"))


# --- Unicode through the whole pipeline --------------------------------------------------


@SETTINGS
@given(plain_text, plain_text)
def test_plain_unicode_survives_the_pipeline_unchanged(title: str, description: str) -> None:
    """Valid XML, no markup: the stored title/summary are the feed text, whitespace aside."""
    items = through_pipeline(rss_raw(title, description))
    assert len(items) == 1
    item = items[0]
    want_title = expected_text(title) or expected_text(description)[:120] or "(untitled)"
    if expected_text(title):
        assert item.title == want_title
    assert item.summary == expected_text(description)


def test_double_encoded_utf8_is_repaired() -> None:
    """UTF-8 text that a publisher mis-decoded as Latin-1 ("Ð£ÐºÑ€Ð°Ñ—Ð½Ð°") reads as
    Ukrainian again: feedparser repairs Latin-1-only text of UTF-8 feeds, and we keep that
    (text that really is Latin-1 mojibake-lookalike, such as "Â¡", is the price)."""
    mangled = "Україна".encode("utf-8").decode("latin-1")
    items = through_pipeline(rss_raw(mangled, "naÃ¯ve"))
    assert (items[0].title, items[0].summary) == ("Україна", "naïve")


@SETTINGS
@given(feed_text, feed_text)
def test_controls_as_character_references_never_raise_or_leak(title: str, description: str) -> None:
    through_pipeline(rss_charrefs(title, description))


@SETTINGS
@given(feed_text, feed_text)
def test_controls_as_raw_bytes_never_raise_or_leak(title: str, description: str) -> None:
    through_pipeline(rss_raw(title, description))


@SETTINGS
@given(feed_text, feed_text, feed_text)
def test_items_built_from_arbitrary_text_export_without_controls(
    title: str, summary: str, feed: str
) -> None:
    """Whatever an Item holds (e.g. an old history), the exports stay clean and round-trip."""
    item = Item(
        id="x1",
        feed=feed,
        title=title,
        link="https://example.org/" + title[:5],
        summary=summary,
        published=NOW,
        first_seen=NOW,
    )
    MATCHER.apply(item)
    md = export.to_markdown([item], now=NOW)
    assert not CONTROL.search(md.replace("\n", ""))
    record = json.loads(export.to_jsonl([item]))
    assert record["title"] == title and record["summary"] == summary and record["feed"] == feed


# --- html_to_text ------------------------------------------------------------------------


@SETTINGS
@given(
    st.text(st.one_of(special_char, any_char, control_char), max_size=200).filter(
        lambda s: "<" not in s and "&" not in s
    )
)
def test_html_to_text_is_idempotent_on_plain_text(text: str) -> None:
    once = parse.html_to_text(text)
    assert parse.html_to_text(once) == once
    assert not CONTROL.search(once)


@SETTINGS
@given(feed_text)
def test_html_to_text_output_is_stable_for_any_text(text: str) -> None:
    """Even with markup, a second pass over plain output adds no control characters."""
    once = parse.html_to_text(text)
    assert not CONTROL.search(once)
    assert once == once.strip() and "  " not in once


# --- matching ----------------------------------------------------------------------------

SURFACES = [
    ("drone", "drone"),
    ("drone", "Drones"),
    ("drone", "DRONES"),
    ("дрон", "дрон"),
    ("дрон", "дрони"),
    ("дрон", "дронів"),
    ("дрон", "Дронами"),
    ("air defence", "air defence"),
    ("air defence", "Air Defences"),
    ("об'єкт", "об'єкт"),
    ("об'єкт", "обʼєкта"),
    ("об'єкт", "об’єкти"),
    ("PURL", "PURL"),
]


@settings(max_examples=200, deadline=None)
@given(feed_text, st.sampled_from(SURFACES), feed_text, st.sampled_from(["title", "summary"]))
def test_an_inserted_term_is_always_found_at_its_place(
    left: str, surface: tuple[str, str], right: str, where: str
) -> None:
    term, word = surface
    text = f"{left} {word} {right}"
    title, summary = (text, "") if where == "title" else ("", text)
    hits = MATCHER.match(title, summary)
    start = len(left) + 1
    found = [m for m in hits if m.field == where and m.start == start and m.term == term]
    assert found, f"{word!r} not found in {text!r}: {hits}"
    assert text[found[0].start : found[0].end] == word
