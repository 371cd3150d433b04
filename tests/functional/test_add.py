"""`monitor add URL`: a feed, a page advertising one, a news listing, a sitemap, served from
127.0.0.1; feeds.toml keeps every byte outside the new entry, and is untouched on failure."""

from __future__ import annotations

import gzip
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import load_config
from monitor.discover import derive_links
from tests.helpers.feedserver import FeedServer, rss
from tests.helpers.sites import (
    Article,
    article_page,
    listing_page,
    sitemap,
    sitemap_index,
    uk_paragraphs,
)

NOW = datetime.now(timezone.utc).replace(microsecond=0)
HTML = "text/html; charset=utf-8"
FEEDS = """\
# My feeds.  Hand-written: spacing, comments and order must survive.

[settings]
timeout = "5s"   # short

[[feeds]]
name = "Existing"
url = "{base}/existing.xml"  # keep this comment

# a trailing comment block
[[watchlists]]
name = "PURL"
terms = ["PURL"]
"""


def _setup(server: FeedServer, tmp_path: Path) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(FEEDS.format(base=server.base), encoding="utf-8")
    return path


def _add(path: Path, *args: str) -> int:
    return main(["add", *args, "--config", str(path)])


def _only_added(before: str, after: str) -> str:
    """The inserted text, asserting everything else is byte for byte as it was."""
    pairs = enumerate(zip(before, after, strict=False))
    start = next((i for i, (a, b) in pairs if a != b), len(before))
    tail = len(before) - start
    assert after[len(after) - tail :] == before[start:], "bytes after the insertion changed"
    return after[start : len(after) - tail]


def _articles(n: int = 6) -> list[Article]:
    return [
        Article(
            f"novyna-pro-oboronu-{k}",
            f"Новина про оборону {k}",
            f"Лід {k}.",
            uk_paragraphs(2, k),
            NOW - timedelta(hours=k),
        )
        for k in range(n)
    ]


def test_add_a_feed_appends_one_entry_and_keeps_every_other_byte(
    feed_server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_server.route(
        "/feed.xml",
        rss(
            [
                {"title": f"Story {n}", "guid": str(n), "link": f"https://e.org/{n}"}
                for n in range(5)
            ],
            title="ArmyInform",
        ),
    )
    path = _setup(feed_server, tmp_path)
    before = path.read_text(encoding="utf-8")

    assert _add(path, feed_server.url("/feed.xml")) == 0

    after = path.read_text(encoding="utf-8")
    inserted = _only_added(before, after)
    assert 'name = "ArmyInform"' in inserted and feed_server.url("/feed.xml") in inserted
    assert "kind" not in inserted and "links" not in inserted
    assert load_config(path).feed("ArmyInform") is not None
    out = capsys.readouterr().out
    assert "an RSS/Atom feed with 5 items" in out and "e.g. Story 0" in out


def test_add_a_page_advertising_a_feed_adds_the_feed(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    feed_server.route(
        "/feed/", rss([{"title": "Item", "guid": "1", "link": "https://e.org/1"}], title="Agency")
    )
    feed_server.route(
        "/",
        "<!DOCTYPE html><html><head><title>Agency</title>"
        '<link rel="alternate" type="application/rss+xml" href="/feed/">'
        "</head><body><p>Hello</p></body></html>",
        content_type=HTML,
    )
    path = _setup(feed_server, tmp_path)

    assert _add(path, feed_server.url("/"), "--name", "Agency news") == 0

    feed = load_config(path).feed("Agency news")
    assert feed is not None and feed.url == feed_server.url("/feed/") and feed.kind == "feed"


def test_add_a_listing_derives_its_links_regex_and_shows_three_titles(
    feed_server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    articles = _articles()
    feed_server.route("/news", listing_page(articles, base=feed_server.base), content_type=HTML)
    path = _setup(feed_server, tmp_path)
    before = path.read_bytes()

    assert _add(path, feed_server.url("/news"), "--dry-run") == 0

    assert path.read_bytes() == before  # a dry run writes nothing
    out = capsys.readouterr().out
    assert "a news listing with 6 article links" in out
    assert [line for line in out.splitlines() if line.startswith("  e.g. ")] == [
        f"  e.g. {a.title}" for a in articles[:3]
    ]
    assert "would add to" in out and 'kind = "page"' in out

    assert _add(path, feed_server.url("/news")) == 0
    added = load_config(path).feeds[-1]
    assert added.kind == "page" and added.links
    pattern = re.compile(added.links)
    assert all(pattern.search(feed_server.url(a.path())) for a in articles)
    for other in (
        "/news/tag-oborona",
        "/news/page/2",
        "/news?page=2",
        "/news/category/zayavy",
        "/en/news/novyna-pro-oboronu-1",
        "/contacts",
    ):
        assert not pattern.search(feed_server.url(other)), other


def test_add_a_gzip_sitemap_index(feed_server: FeedServer, tmp_path: Path) -> None:
    entries = [(feed_server.url(a.path()), a.published) for a in _articles(4)]
    feed_server.route(
        "/sitemap-1.xml.gz",
        gzip.compress(sitemap(entries).encode()),
        content_type="application/x-gzip",
    )
    feed_server.route(
        "/sitemap.xml",
        sitemap_index([feed_server.url("/sitemap-1.xml.gz")]),
        content_type="application/xml",
    )
    path = _setup(feed_server, tmp_path)

    assert _add(path, feed_server.url("/sitemap.xml")) == 0

    added = load_config(path).feeds[-1]
    assert added.kind == "sitemap" and added.url == feed_server.url("/sitemap.xml")


@pytest.mark.parametrize(
    "case", ["404", "no-articles", "gzip-bomb", "gzip-file-bomb", "duplicate", "not-a-url"]
)
def test_add_failures_leave_feeds_toml_untouched(
    feed_server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    feed_server.route(
        "/plain",
        "<!DOCTYPE html><html><head><title>About</title></head><body>"
        '<a href="/about">About</a><a href="/contacts">Contacts</a>'
        '<a href="/news/one-two-three">One</a></body></html>',
        content_type=HTML,
    )
    bomb = gzip.compress(b"<rss>" + b" " * (64 * 1024 * 1024))
    feed_server.route("/bomb.xml", bomb, headers={"Content-Encoding": "gzip"})
    feed_server.route("/bomb.xml.gz", bomb, content_type="application/x-gzip")
    path = _setup(feed_server, tmp_path)
    before = path.read_bytes()
    url, code, said = {
        "404": (feed_server.url("/missing"), 1, "HTTP 404"),
        "no-articles": (feed_server.url("/plain"), 1, "no feed and no article links"),
        "gzip-bomb": (feed_server.url("/bomb.xml"), 1, "larger than"),
        "gzip-file-bomb": (feed_server.url("/bomb.xml.gz"), 1, "once decompressed"),
        "duplicate": (
            feed_server.url("/EXISTING.xml").replace("/EXISTING", "/existing") + "#x",
            1,
            'already in feeds.toml as "Existing"',
        ),
        "not-a-url": ("ftp://example.org/feed", 2, "not an http(s) URL"),
    }[case]

    assert _add(path, url) == code

    assert path.read_bytes() == before
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1, err


def test_add_refuses_a_broken_feeds_toml_and_leaves_it_as_it_was(
    feed_server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_server.route("/feed.xml", rss([{"title": "x", "guid": "1", "link": "https://e.org/1"}]))
    path = tmp_path / "feeds.toml"
    path.write_bytes(b'[[feeds]]\nname = "Broken"\nurl = \n')
    before = path.read_bytes()

    assert _add(path, feed_server.url("/feed.xml")) == 2

    assert path.read_bytes() == before
    assert "feeds.toml" in capsys.readouterr().err
    assert feed_server.requests == []  # nothing fetched before the config was read


def test_derive_links_needs_three_article_like_links() -> None:
    two = listing_page(_articles(2), base="https://mod.gov.ua")
    assert derive_links(two.encode(), {}, "https://mod.gov.ua/news") is None
    many = listing_page(_articles(5), base="https://mod.gov.ua")
    links, count = derive_links(many.encode(), {}, "https://mod.gov.ua/news") or ("", 0)
    assert count == 5 and links.startswith(r"^https://mod\.gov\.ua/news/")


def test_check_online_reports_each_source_and_writes_no_history(
    feed_server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    articles = _articles(4)
    feed_server.route("/news", listing_page(articles), content_type=HTML)
    for a in articles:
        feed_server.route(a.path(), article_page(a), content_type=HTML)
    feed_server.route(
        "/existing.xml",
        rss(
            [
                {
                    "title": f"Story {n}",
                    "guid": str(n),
                    "link": f"https://e.org/{n}",
                    "description": "Lead.",
                }
                for n in range(3)
            ]
        ),
    )
    path = _setup(feed_server, tmp_path)
    history = tmp_path / "history.json"
    path.write_text(
        path.read_text(encoding="utf-8")
        + f"""
[[feeds]]
name = "Ministry"
url = "{feed_server.url("/news")}"
kind = "page"
links = '/news/novyna'
""",
        encoding="utf-8",
    )

    code = main(["check", "--online", "--config", str(path), "--db", str(history)])

    out = capsys.readouterr().out.splitlines()
    assert code == 0, out
    assert "Existing: ok, 3 items; date 0%, summary 100%, text 0%" in out
    assert "Ministry: ok, 4 items; date 100%, summary 100%, text 100%" in out
    assert "  e.g. Новина про оборону 0" in out
    assert not history.exists()
    assert all(feed_server.hits(a.path()) == 1 for a in articles)

    feed_server.route("/existing.xml", "gone", status=410, content_type="text/plain")
    assert main(["check", "--online", "--config", str(path)]) == 1
    assert "Existing: error: HTTP 410" in capsys.readouterr().out


def test_add_a_listing_whose_links_are_only_in_next_data(
    feed_server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    articles = _articles(5)
    page = listing_page(articles, ssr=[])  # a Next.js page that renders in the browser only
    feed_server.route("/news", page, content_type=HTML)
    path = _setup(feed_server, tmp_path)

    assert _add(path, feed_server.url("/news")) == 0

    added = load_config(path).feeds[-1]
    assert added.kind == "page" and re.search(
        added.links or "", feed_server.url(articles[0].path())
    )
    assert f"  e.g. {articles[0].title}" in capsys.readouterr().out
