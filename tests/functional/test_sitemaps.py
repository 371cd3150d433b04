"""kind = "sitemap" through a real loopback server: an index with a gzip child, lastmod as
the published time until the article says better, and the bounds (loops, bombs, huge
indexes)."""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta, timezone
from pathlib import Path

from monitor.history import History
from monitor.match import Matcher
from monitor.models import Config, FeedConfig, Settings, Watchlist
from monitor.parse.sitemap import parse_sitemap
from monitor.poll import poll
from monitor.sitemaps import MAX_CHILDREN
from tests.helpers.feedserver import FeedServer
from tests.helpers.sites import (
    Article,
    article_links,
    article_page,
    sitemap,
    sitemap_index,
    uk_paragraphs,
)

NOW = datetime.now(timezone.utc).replace(microsecond=0)
HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
GZ = "application/x-gzip"
WATCHLISTS = (Watchlist("PURL", ("PURL",), case_sensitive=True),)


def _config(*feeds: FeedConfig, **settings: object) -> Config:
    base: dict[str, object] = {"timeout": 3.0, "connect_timeout": 2.0}
    base.update(settings)
    return Config(Settings(**base), tuple(feeds), WATCHLISTS)  # type: ignore[arg-type]


def _source(server: FeedServer, path: str = "/sitemap.xml", **extra: object) -> FeedConfig:
    links = article_links(server.base).replace("/news/", "/(?:en/)?news/", 1)
    return FeedConfig("Sitemap", server.url(path), kind="sitemap", links=links, **extra)


async def test_an_index_with_a_gzip_child_gives_dated_articles_newest_first(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    articles = [
        Article(
            f"novyna-{n}",
            f"Новина {n}",
            f"Лід {n}.",
            uk_paragraphs(2, n),
            NOW - timedelta(hours=3 * n),
            lang="en" if n % 2 else "uk",
        )
        for n in range(6)
    ]
    articles[0].paragraphs.append("Внесок у PURL зростає.")
    served_dates = {a.slug: a.published for a in articles}
    for a in articles:
        a.published = None  # the pages themselves state no date: lastmod stands
        feed_server.route(a.path(), article_page(a, meta="none"), content_type=HTML)
    dated = article_page(
        Article("z-datoiu", "З датою", "Лід.", uk_paragraphs(2), NOW - timedelta(days=1)),
        meta="og",
    )
    feed_server.route("/news/z-datoiu", dated, content_type=HTML)
    entries = [(feed_server.url(a.path()), served_dates[a.slug]) for a in articles]
    news = sitemap(
        entries[:3]
        + [
            (feed_server.url("/news/tag-purl"), NOW),
            (feed_server.url("/news/z-datoiu"), NOW - timedelta(minutes=5)),
        ]
    )
    feed_server.route("/sitemap-news.xml.gz", gzip.compress(news.encode()), content_type=GZ)
    feed_server.route("/sitemap-en.xml", sitemap(entries[3:]), content_type=XML)
    feed_server.route(
        "/sitemap.xml",
        sitemap_index(
            [feed_server.url("/sitemap-news.xml.gz"), feed_server.url("/sitemap-en.xml")]
        ),
        content_type=XML,
    )
    history = History.open(tmp_path / "history.json")

    report = await poll(
        _config(_source(feed_server, max_articles=4)),
        history,
        Matcher(WATCHLISTS),
        now=NOW,
        force=True,
    )

    (source,) = report.feeds
    assert source.outcome == "ok" and source.warning == "3 wait for the next poll"
    assert source.new == 4 and source.deferred == 3
    assert feed_server.hits("/news/tag-purl") == 0  # left out by `links`
    items = {i.link.rsplit("/", 1)[-1]: i for i in history.items()}
    # Newest first: the four newest lastmods were read this poll.
    assert set(items) == {"novyna-0", "z-datoiu", "novyna-1", "novyna-2"}
    assert items["novyna-0"].published == served_dates["novyna-0"]  # lastmod stands
    assert items["novyna-0"].title == "Новина 0" and items["novyna-0"].tags == ["PURL"]
    assert items["z-datoiu"].published == NOW - timedelta(days=1)  # the article says better

    again = await poll(
        _config(_source(feed_server, max_articles=4)),
        history,
        Matcher(WATCHLISTS),
        now=NOW,
        force=True,
    )
    assert again.feeds[0].new == 3 and len(history) == 7


async def test_index_loops_are_cut_off_with_a_warning(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    a = Article("novyna", "Новина", "Лід.", uk_paragraphs(2), None)
    feed_server.route(a.path(), article_page(a), content_type=HTML)
    feed_server.route(
        "/sitemap.xml",
        sitemap_index([feed_server.url("/sitemap.xml"), feed_server.url("/inner.xml")]),
        content_type=XML,
    )
    feed_server.route(
        "/inner.xml",
        sitemap_index([feed_server.url("/sitemap.xml"), feed_server.url("/leaf.xml")]),
        content_type=XML,
    )
    feed_server.route("/leaf.xml", sitemap([(feed_server.url(a.path()), NOW)]), content_type=XML)
    history = History.open(tmp_path / "history.json")

    report = await poll(
        _config(_source(feed_server)), history, Matcher(WATCHLISTS), now=NOW, force=True
    )

    (source,) = report.feeds
    assert source.outcome == "ok" and source.new == 1
    assert "already read; cut off" in (source.warning or "")
    assert feed_server.hits("/sitemap.xml") == 1 and feed_server.hits("/inner.xml") == 1
    assert "cut off" in (history.feed_states()["Sitemap"].last_warning or "")


async def test_a_gzip_bomb_stops_at_the_size_cap(feed_server: FeedServer, tmp_path: Path) -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * (64 * 1024 * 1024) + b"</urlset>")
    assert len(bomb) < 200 * 1024
    feed_server.route("/bomb.xml.gz", bomb, content_type=GZ)
    a = Article("novyna", "Новина", "Лід.", uk_paragraphs(2), None)
    feed_server.route(a.path(), article_page(a), content_type=HTML)
    feed_server.route("/leaf.xml", sitemap([(feed_server.url(a.path()), NOW)]), content_type=XML)
    feed_server.route(
        "/sitemap.xml",
        sitemap_index([feed_server.url("/bomb.xml.gz"), feed_server.url("/leaf.xml")]),
        content_type=XML,
    )
    config = _config(
        _source(feed_server),
        FeedConfig("Bomb", feed_server.url("/bomb.xml.gz"), kind="sitemap"),
        max_body_bytes=1024 * 1024,
    )
    history = History.open(tmp_path / "history.json")

    report = await poll(config, history, Matcher(WATCHLISTS), now=NOW, force=True)

    source, bomb_source = report.feeds
    assert source.outcome == "ok" and source.new == 1
    assert "gzip bomb" in (source.warning or "")
    assert bomb_source.outcome == "error" and "gzip bomb" in (bomb_source.error or "")


async def test_an_index_of_50000_sitemaps_reads_only_the_newest(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    children = [feed_server.url(f"/s/{n}.xml") for n in range(50_000)]
    feed_server.route("/sitemap.xml", sitemap_index(children), content_type=XML)
    history = History.open(tmp_path / "history.json")

    report = await poll(
        _config(_source(feed_server)), history, Matcher(WATCHLISTS), now=NOW, force=True
    )

    (source,) = report.feeds
    assert f"lists 50000 sitemaps; the newest {MAX_CHILDREN} were read" in (source.error or "")
    assert len(feed_server.requests) == 1 + MAX_CHILDREN  # children answer 404: nothing read


def test_a_sitemap_past_50000_urls_is_cut_off_and_entities_are_refused() -> None:
    entries = "".join(f"<url><loc>https://e.org/news/{n}</loc></url>" for n in range(50_010))
    body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    got = parse_sitemap(body.encode(), "https://e.org/s.xml", None, "S", NOW, max_bytes=10**8)
    assert len(got.items) == 50_000 and "cut off" in (got.warning or "")

    evil = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<urlset><url><loc>https://e.org/news/&x;</loc></url></urlset>"
    )
    got = parse_sitemap(evil, "https://e.org/s.xml", None, "S", NOW, max_bytes=10**6)
    assert got.error and "entities" in got.error and not got.items

    html = b"<!DOCTYPE html><html><body>not a sitemap</body></html>"
    got = parse_sitemap(html, "u", None, "S", NOW, max_bytes=10**6)
    assert "not a sitemap" in (got.error or "")
