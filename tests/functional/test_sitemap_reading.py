"""The sitemap reader pairs tags in one linear walk: the same URLs, dates and titles as the
regular-expression search it replaced, and no rescanning of the rest of the document from
every unclosed tag (120 KB of unclosed ``<url>`` used to take seconds, megabytes hours)."""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.parse import item_id
from monitor.parse.article import parse_time
from monitor.parse.sitemap import MAX_URLS, parse_sitemap, slug_title
from monitor.text import is_http_url, one_line, shorten

NOW = datetime(2025, 10, 6, 12, 0, tzinfo=timezone.utc)
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    b' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
)


# --- the reader before: a lazy regular-expression search per entry and per field --------


def _tag(name: bytes) -> re.Pattern[bytes]:
    return re.compile(
        rb"<(?:[\w.-]+:)?" + name + rb"\b[^>]*>(.*?)</(?:[\w.-]+:)?" + name + rb"\s*>",
        re.IGNORECASE | re.DOTALL,
    )


_ENTRY = re.compile(
    rb"<(?:[\w.-]+:)?(url|sitemap)\b[^>]*>(.*?)</(?:[\w.-]+:)?\1\s*>", re.IGNORECASE | re.DOTALL
)
_LOC, _LASTMOD, _TITLE, _DATE = (
    _tag(b"loc"),
    _tag(b"lastmod"),
    _tag(b"title"),
    _tag(b"publication_date"),
)


def _text(raw: bytes) -> str:
    value = raw.decode("utf-8", "replace")
    value = re.sub(r"<!\[CDATA\[(.*?)\]\]>", lambda m: m.group(1), value, flags=re.DOTALL)
    return html.unescape(value).strip()


def _before(data: bytes) -> list[tuple[str, str, str, datetime | None]]:
    """(id, link, title, published) of every item, as the regex reader gave them."""
    out = []
    seen: set[str] = set()
    for entry in _ENTRY.finditer(data):
        inner = entry.group(2)
        loc_match = _LOC.search(inner)
        loc = _text(loc_match.group(1)) if loc_match else ""
        if not is_http_url(loc) or loc in seen:
            continue
        seen.add(loc)
        date_match = _DATE.search(inner) or _LASTMOD.search(inner)
        when = parse_time(_text(date_match.group(1))) if date_match else None
        title_match = _TITLE.search(inner) if b"news" in inner else None
        title = shorten(one_line(_text(title_match.group(1))), 500) if title_match else ""
        published = when if when is None or when <= NOW else NOW
        out.append((item_id("S", loc), loc, title or slug_title(loc), published))
    out.sort(key=lambda t: t[3] or NOW, reverse=True)
    return out


def _now(data: bytes) -> list[tuple[str, str, str, datetime | None]]:
    got = parse_sitemap(data, "https://e.org/sitemap.xml", None, "S", NOW, max_bytes=10**8)
    assert got.error is None
    return [(i.id, i.link, i.title, i.published) for i in got.items]


PIECES = st.sampled_from(
    [
        b"<url>",
        b"</url>",
        b"<URL>",
        b"</url >",
        b"<url/>",
        b"<loc>",
        b"</loc>",
        b"<loc/>",
        b"<LOC>",
        b"https://e.org/news/a",
        b"https://e.org/news/b?x=1&amp;y=2",
        b"<![CDATA[https://e.org/news/c]]>",
        b"<lastmod>2025-10-01T00:00:00Z</lastmod>",
        b"<lastmod>",
        b"</lastmod>",
        b"<lastmod></lastmod>",
        b"<news:news><news:title>Drone &amp; deal</news:title>"
        b"<news:publication_date>2025-10-02</news:publication_date></news:news>",
        b"<news:title>",
        b"</news:title>",
        b"<news:publication_date></news:publication_date>",
        b"<image:image><image:loc>https://e.org/img.jpg</image:loc></image:image>",
        b"<sitemap>",
        b"</sitemap>",
        b"<urlset>",
        b" ",
        b"\n",
        b"junk",
    ]
)


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(st.lists(PIECES, max_size=30))
def test_the_linear_reader_gives_what_the_regex_reader_gave(pieces: list[bytes]) -> None:
    data = HEAD + b"".join(pieces)
    assert _now(data) == _before(data)


def test_a_real_shaped_news_sitemap_gives_the_same_items() -> None:
    entries = b"".join(
        b"<url><loc>https://e.org/news/%d-drone-deal</loc>"
        b"<news:news><news:publication><news:name>E</news:name></news:publication>"
        b"<news:publication_date>2025-10-0%dT08:00:00+03:00</news:publication_date>"
        b"<news:title>Deal %d</news:title></news:news>"
        b"<lastmod>2025-10-01</lastmod></url>\n" % (n, 1 + n % 5, n)
        for n in range(300)
    )
    data = HEAD + entries + b"</urlset>"
    assert len(_now(data)) == 300
    assert _now(data) == _before(data)


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "tail",
    [
        b"<url><loc>https://e.org/news/x</loc>" * 150_000,  # no </url> anywhere
        b"<url><loc>https://e.org/news/x" * 150_000 + b"</url>",  # no </loc>
        b"<url>" * 400_000 + b"<url><loc>https://e.org/news/last</loc></url>",
    ],
    ids=["unclosed-url", "unclosed-loc", "400000-opens"],
)
def test_megabytes_of_unclosed_tags_are_read_in_one_pass(tail: bytes) -> None:
    data = HEAD + tail
    got = parse_sitemap(data, "https://e.org/s.xml", None, "S", NOW, max_bytes=10**8)
    assert got.error is None
    # the one closed entry is read; the unclosed ones never were
    assert [i.link for i in got.items] == (
        ["https://e.org/news/last"] if tail.endswith(b"</url>") and b"last" in tail else []
    )


def test_the_entry_cap_still_holds() -> None:
    entries = b"".join(b"<url><loc>https://e.org/n/%d</loc></url>" % n for n in range(MAX_URLS + 5))
    got = parse_sitemap(HEAD + entries, "https://e.org/s.xml", None, "S", NOW, max_bytes=10**8)
    assert len(got.items) == MAX_URLS and "cut off" in (got.warning or "")
