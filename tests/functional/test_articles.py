"""Article text for page sources, through a real loopback server shaped like the Ministry's
Next.js site: links in HTML and in __NEXT_DATA__, article pages with og:, JSON-LD or no
metadata, a Ukrainian article naming PURL only in its body, and every way a page can fail."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from monitor.articles import fetch_articles
from monitor.fetch import make_client
from monitor.history import History
from monitor.match import Matcher
from monitor.models import Config, FeedConfig, Item, Settings, Watchlist
from monitor.parse.article import extract_article
from monitor.poll import poll
from tests.helpers.feedserver import FeedServer, rss
from tests.helpers.sites import Article, article_links, article_page, listing_page, uk_paragraphs

NOW = datetime.now(timezone.utc).replace(microsecond=0)
HTML = "text/html; charset=utf-8"
WATCHLISTS = (
    Watchlist("PURL", ("PURL", "Перелік пріоритетних потреб України"), case_sensitive=True),
    Watchlist("Drone Deal", ("Drone Deal", "угода про дрони")),
)


def _config(*feeds: FeedConfig, **settings: object) -> Config:
    base: dict[str, object] = {"timeout": 3.0, "connect_timeout": 2.0}
    base.update(settings)
    return Config(Settings(**base), tuple(feeds), WATCHLISTS)  # type: ignore[arg-type]


def _ministry(server: FeedServer, **extra: object) -> FeedConfig:
    return FeedConfig(
        "Ministry", server.url("/news"), kind="page", links=article_links(server.base), **extra
    )


def _canada() -> Article:
    body = uk_paragraphs(2, 1) + [
        "Кошти спрямують на закупівлю американської зброї в межах механізму PURL.",
        "Про це повідомили в Міністерстві оборони.",
    ]
    return Article(
        "kanada-doluchylasia-do-initsiatyvy",
        "Канада долучилася до ініціативи",
        "Канада оголосила про новий внесок для потреб Сил оборони.",
        body,
        NOW - timedelta(hours=2),
    )


async def test_a_ukrainian_article_naming_purl_only_in_its_body_is_tagged(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    canada = _canada()
    plain = Article(
        "robocha-zustrich",
        "Робоча зустріч",
        "Лід зустрічі.",
        uk_paragraphs(3, 2),
        NOW - timedelta(hours=5),
    )
    bare = Article(
        "bez-metadanykh", "Без метаданих", "", uk_paragraphs(2, 3), NOW - timedelta(hours=7)
    )
    only_json = Article(
        "lyshe-v-json",
        "Лише в JSON",
        "Уривок із JSON.",
        uk_paragraphs(2, 4),
        NOW - timedelta(hours=1),
    )
    # The listing renders three links in HTML (short link texts), the fourth only in JSON.
    shown = [replace(a, title=a.title.split()[0]) for a in (canada, plain, bare)]
    feed_server.route(
        "/news", listing_page([canada, plain, bare, only_json], ssr=shown), content_type=HTML
    )
    feed_server.route(canada.path(), article_page(canada, meta="og"), content_type=HTML)
    feed_server.route(plain.path(), article_page(plain, meta="jsonld"), content_type=HTML)
    feed_server.route(bare.path(), article_page(bare, meta="none"), content_type=HTML)
    feed_server.route(only_json.path(), article_page(only_json, meta="both"), content_type=HTML)
    history = History.open(tmp_path / "history.json")

    report = await poll(
        _config(_ministry(feed_server)), history, Matcher(WATCHLISTS), now=NOW, force=True
    )

    (ministry,) = report.feeds
    assert ministry.outcome == "ok" and ministry.new == 4, ministry
    assert ministry.warning is None
    # Navigation, tag, category, archive, search and pagination links were never fetched.
    asked = {r.path.split("?")[0] for r in feed_server.requests}
    assert asked == {"/news", canada.path(), plain.path(), bare.path(), only_json.path()}
    items = {i.link.rsplit("/", 1)[-1]: i for i in History.open(tmp_path / "history.json").items()}
    tagged = items[canada.slug]
    assert tagged.title == canada.title  # the article's own title beats the link text
    assert tagged.summary == canada.lead
    assert tagged.published == canada.published
    assert "PURL" in tagged.text and "PURL" not in tagged.title + tagged.summary
    assert tagged.tags == ["PURL"] and tagged.matches[0].field == "text"
    assert "PURL" in tagged.matches[0].snippet
    assert items[plain.slug].published == plain.published  # JSON-LD datePublished
    assert items[plain.slug].summary == plain.lead  # JSON-LD description
    assert items[bare.slug].title == bare.title
    assert items[bare.slug].summary == bare.paragraphs[0]  # no description: first paragraph
    assert items[bare.slug].published == bare.published  # the article's <time datetime>
    assert items[only_json.slug].title == only_json.title
    assert not any(i.matches for k, i in items.items() if k != canada.slug)
    for item in items.values():
        assert len(item.text) > 100 and "Головна" not in item.text  # no menus


async def test_at_most_max_articles_per_poll_newest_first_the_rest_next_poll(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    articles = [
        Article(
            f"novyna-{n}", f"Новина {n}", f"Лід {n}.", uk_paragraphs(2, n), NOW - timedelta(hours=n)
        )
        for n in range(12)
    ]
    feed_server.route("/news", listing_page(articles[::-1]), content_type=HTML)  # oldest first
    for a in articles:
        feed_server.route(a.path(), article_page(a), content_type=HTML)
    config = _config(_ministry(feed_server, max_articles=5))
    history = History.open(tmp_path / "history.json")

    first = await poll(config, history, Matcher(WATCHLISTS), now=NOW, force=True)

    assert first.feeds[0].new == 5 and first.feeds[0].deferred == 7
    assert {i.link for i in history.items()} == {feed_server.url(a.path()) for a in articles[:5]}
    assert "7 wait for the next poll" in (history.feed_states()["Ministry"].last_warning or "")

    second = await poll(config, history, Matcher(WATCHLISTS), now=NOW, force=True)
    third = await poll(config, history, Matcher(WATCHLISTS), now=NOW, force=True)

    assert second.feeds[0].new == 5 and third.feeds[0].new == 2 and third.feeds[0].deferred == 0
    assert len(history.items()) == 12
    assert all(feed_server.hits(a.path()) == 1 for a in articles)  # each fetched once
    assert history.feed_states()["Ministry"].last_warning is None


async def test_failing_article_pages_keep_their_link_items_and_say_why(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    good = _canada()
    bad = {
        "ne-znaideno": dict(status=404),
        "pomylka": dict(status=500),
        "dokument-pdf": dict(body=b"%PDF-1.7\n" + b"0" * 1000, content_type="application/pdf"),
        "zobrazhennia": dict(body=b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png"),
        "dani-json": dict(body=b'{"news": []}', content_type="application/json"),
        "velyka": dict(body=b"<html><body>" + b"<p>x</p>" * 200_000, content_type=HTML),
        "povilna": dict(body=article_page(good), content_type=HTML, delay=10),  # hangs
        "krapelka": dict(body=article_page(good), content_type=HTML, trickle=0.01),  # slow
        "porozhnia": dict(
            body="<!DOCTYPE html><html><body><nav></nav></body></html>", content_type=HTML
        ),
    }
    links = [Article(slug, f"Заголовок {slug}", "", [], None) for slug in bad]
    feed_server.route("/news", listing_page([good, *links]), content_type=HTML)
    feed_server.route(good.path(), article_page(good), content_type=HTML)
    for slug, spec in bad.items():
        feed_server.route(f"/news/{slug}", **spec)  # type: ignore[arg-type]
    feed_server.route("/news/petlia", status=302, headers={"Location": "/news/petlia"})
    feed_server.route(
        "/feed.xml", rss([{"title": "Unrelated", "guid": "u", "link": "https://e.org/u"}])
    )
    loop_link = Article("petlia", "Петля", "", [], None)
    feed_server.route("/news", listing_page([good, *links, loop_link]), content_type=HTML)
    config = _config(
        _ministry(feed_server),
        FeedConfig("Other", feed_server.url("/feed.xml")),
        timeout=3.0,  # generous: a loaded CI machine must still read the good page
        max_body_bytes=512 * 1024,
    )
    history = History.open(tmp_path / "history.json")

    report = await poll(config, history, Matcher(WATCHLISTS), now=NOW, force=True)

    ministry, other = report.feeds
    assert other.outcome == "ok" and other.new == 1
    assert ministry.outcome == "ok" and ministry.new == len(bad) + 2
    items = {i.link.rsplit("/", 1)[-1]: i for i in history.items()}
    assert items[good.slug].tags == ["PURL"]
    for slug in [*bad, "petlia"]:
        assert items[slug].title == f"Заголовок {slug}" or slug == "petlia"
        assert items[slug].text == ""
    warning = history.feed_states()["Ministry"].last_warning or ""
    assert warning.startswith(f"{len(bad) + 1} of {len(bad) + 2} articles unread:"), warning


async def test_a_server_asking_for_a_pause_defers_the_remaining_articles(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    articles = [
        Article(f"n-{n}", f"Новина {n}", "", uk_paragraphs(1, n), NOW - timedelta(hours=n))
        for n in range(6)
    ]
    feed_server.route("/news", listing_page(articles), content_type=HTML)
    for a in articles:
        feed_server.route(
            a.path(), "busy", status=429, headers={"Retry-After": "600"}, content_type="text/plain"
        )
    config = _config(replace(_ministry(feed_server)), per_host=1)
    history = History.open(tmp_path / "history.json")

    report = await poll(config, history, Matcher(WATCHLISTS), now=NOW, force=True)

    assert report.feeds[0].new == 0 and report.feeds[0].deferred == 6
    assert sum(feed_server.hits(a.path()) for a in articles) == 1  # stopped at the first 429
    state = history.feed_states()["Ministry"]
    assert state.retry_at is not None and state.retry_at >= NOW + timedelta(seconds=590)
    assert "6 wait for the next poll" in (state.last_warning or "")
    later = await poll(
        config, history, Matcher(WATCHLISTS), now=NOW + timedelta(seconds=60), force=True
    )
    assert later.feeds[0].outcome == "skipped" and "wait" in (later.feeds[0].error or "")
    assert feed_server.hits("/news") == 1  # the pause holds for the listing too


async def test_an_extractor_that_raises_costs_only_its_article(feed_server: FeedServer) -> None:
    a, b = _canada(), Article("druha", "Друга", "Лід.", uk_paragraphs(2), NOW)
    feed_server.route(a.path(), article_page(a), content_type=HTML)
    feed_server.route(b.path(), article_page(b), content_type=HTML)
    items = [
        Item(x.slug, "Ministry", x.slug, feed_server.url(x.path()), "", None, NOW) for x in (a, b)
    ]
    matcher = Matcher(WATCHLISTS)

    async def run(fn, *args):  # type: ignore[no-untyped-def]
        if args[3].id == a.slug:  # the extractor blows up on this page
            raise RecursionError("maximum recursion depth exceeded")
        return await asyncio.to_thread(fn, matcher, *args)

    async with make_client(Settings(timeout=3.0)) as client:
        got = await fetch_articles(
            client, _ministry(feed_server), items, Settings(), now=NOW, run=run
        )

    assert {i.id for i in got.items} == {a.slug, b.slug}
    read = {i.id: i for i in got.items}
    assert read[b.slug].text and read[b.slug].title == "Друга"
    assert read[a.slug].text == "" and read[a.slug].title == a.slug
    assert "RecursionError" in (got.warning() or "")


def test_future_and_unparseable_dates_are_not_believed() -> None:
    future = Article("f", "Майбутнє", "Лід.", uk_paragraphs(2), NOW + timedelta(days=400))
    page = article_page(future, meta="og", visible_date=False).encode()
    got = extract_article(page, {"content-type": HTML}, "https://mod.gov.ua/news/f", now=NOW)
    assert got.error is None and (got.published is None or got.published <= NOW)

    soon = Article("s", "Скоро", "Лід.", uk_paragraphs(2), NOW + timedelta(hours=2))
    page = article_page(soon, meta="og", visible_date=False).encode()
    got = extract_article(page, {"content-type": HTML}, "https://mod.gov.ua/news/s", now=NOW)
    assert got.published == NOW  # a local time labelled UTC: "now", not two hours ahead

    odd = article_page(Article("o", "Дивна дата", "Лід.", uk_paragraphs(2), None), meta="og")
    odd = odd.replace("<head>", '<head><meta property="article:published_time" content="вчора">')
    got = extract_article(
        odd.encode(), {"content-type": HTML}, "https://mod.gov.ua/news/o", now=NOW
    )
    assert got.error is None and got.title == "Дивна дата"
    assert got.published is None or got.published <= NOW


async def test_a_listing_with_5000_links_fetches_only_max_articles(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    articles = [Article(f"n-{n}", f"Новина {n}", "", [], None) for n in range(5000)]
    feed_server.route("/news", listing_page(articles, next_data=[]), content_type=HTML)
    page = article_page(_canada())

    def answer(info):  # type: ignore[no-untyped-def]
        return 200, {"Content-Type": HTML}, page.encode()

    for a in articles:
        feed_server.route(a.path(), handler=answer)
    history = History.open(tmp_path / "history.json")

    report = await poll(
        _config(_ministry(feed_server)), history, Matcher(WATCHLISTS), now=NOW, force=True
    )

    assert report.feeds[0].new == 30 and report.feeds[0].deferred == 4970
    assert len(feed_server.requests) == 31
    assert len(history) == 30


async def test_full_text_feeds_fill_only_what_the_feed_left_empty(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    a = _canada()
    feed_server.route(a.path(), article_page(a), content_type=HTML)
    feed_server.route(
        "/feed.xml",
        rss(
            [
                {
                    "title": "Canada joins",
                    "guid": "c",
                    "link": feed_server.url(a.path()),
                    "description": "The feed's own lead.",
                }
            ]
        ),
    )
    feed = FeedConfig("Agency", feed_server.url("/feed.xml"), full_text=True)
    history = History.open(tmp_path / "history.json")

    await poll(_config(feed), history, Matcher(WATCHLISTS), now=NOW, force=True)

    (item,) = history.items()
    assert item.title == "Canada joins" and item.summary == "The feed's own lead."
    assert "PURL" in item.text and item.tags == ["PURL"]

    off = FeedConfig("Quiet", feed_server.url("/feed.xml"))  # feeds default to full_text off
    await poll(_config(off), history, Matcher(WATCHLISTS), now=NOW, force=True)
    assert feed_server.hits(a.path()) == 1


async def test_text_survives_the_history_and_json_export(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    a = _canada()
    feed_server.route("/news", listing_page([a]), content_type=HTML)
    feed_server.route(a.path(), article_page(a), content_type=HTML)
    await poll(
        _config(_ministry(feed_server)),
        History.open(tmp_path / "h.json"),
        Matcher(WATCHLISTS),
        now=NOW,
        force=True,
    )
    (item,) = History.open(tmp_path / "h.json").items()
    assert "PURL" in item.text
    from monitor.export import to_jsonl

    assert '"text": "' in to_jsonl([item]) and "PURL" in to_jsonl([item])


def test_the_briefing_quotes_the_lead_and_the_matching_snippets_never_the_text() -> None:
    from monitor.export import to_markdown

    text = "\n\n".join(
        uk_paragraphs(6) + ["Кошти підуть на закупівлі в межах PURL."] + uk_paragraphs(6, 3)
    )
    item = Item(
        "x",
        "Ministry",
        "Канада долучилася",
        "https://mod.gov.ua/news/x",
        "Канада оголосила про новий внесок.",
        NOW,
        NOW,
        text=text,
    )
    Matcher(WATCHLISTS).apply(item)

    briefing = to_markdown([item], now=NOW)

    assert "> Канада оголосила про новий внесок." in briefing
    assert "закупівлі в межах PURL" in briefing
    assert uk_paragraphs(6, 3)[-1] not in briefing and len(briefing) < len(text)


def test_the_shipped_ministry_regexes_take_articles_and_leave_the_rest() -> None:
    import re

    from monitor.config import load_config
    from monitor.paths import shipped_feeds_toml
    from tests.helpers.sites import ARTICLE_LINKS

    config = load_config(shipped_feeds_toml())
    uk = config.feed("Ministry of Defence")
    en = config.feed("Ministry of Defence (English)")
    agency = config.feed("ArmyInform")
    assert uk is not None and en is not None and agency is not None
    assert uk.url == "https://mod.gov.ua/news" and en.url == "https://mod.gov.ua/en/news"
    assert uk.kind == en.kind == "page" and uk.fetches_articles and en.fetches_articles
    assert agency.url == "https://armyinform.com.ua/feed/" and agency.enabled
    # The tests' site serves the very same rule.
    assert uk.links == ARTICLE_LINKS.format(base=re.escape("https://mod.gov.ua"), prefix="")
    assert en.links == ARTICLE_LINKS.format(base=re.escape("https://mod.gov.ua"), prefix="/en")
    for lang, feed in (("", uk), ("/en", en)):
        pattern = re.compile(feed.links or "")
        site = f"https://mod.gov.ua{lang}/news"
        for article in (
            "kanada-doluchylasia-do-initsiatyvy",
            "zustrich-z-partneramy/",
            "pratsiuiemo-nad-paketamy-2025",
            "tagging-drones-for-the-front",
        ):
            assert pattern.search(f"{site}/{article}"), article
        for other in (
            "tag-mizhnarodna-spivpratsia",
            "tag-purl/",
            "tags/oborona",
            "category",
            "category/zayavy",
            "categories",
            "archive",
            "archive/2025",
            "search?q=PURL",
            "search",
            "page/2",
            "page",
            "?page=2",
            "",
            "kanada/comments",
            "kanada#top",
        ):
            assert not pattern.search(f"{site}/{other}"), other
    assert not re.search(uk.links or "", "https://mod.gov.ua/en/news/kanada")
    assert not re.search(en.links or "", "https://mod.gov.ua/news/kanada")


def test_the_commented_sitemap_alternative_is_a_valid_entry(tmp_path: Path) -> None:
    from monitor.config import load_config
    from monitor.paths import shipped_feeds_toml

    text = shipped_feeds_toml().read_text(encoding="utf-8")
    start = text.index('# name = "Ministry of Defence (sitemap)"')
    block = text[text.rindex("# [[feeds]]", 0, start) : text.index('# interval = "1h"', start)]
    uncommented = "\n".join(line.removeprefix("# ") for line in block.splitlines())
    path = tmp_path / "feeds.toml"
    path.write_text(text + "\n" + uncommented + "\n", encoding="utf-8")
    sitemap = load_config(path).feed("Ministry of Defence (sitemap)")
    assert sitemap is not None and sitemap.kind == "sitemap" and sitemap.fetches_articles
    assert sitemap.url == "https://mod.gov.ua/sitemap.xml"


def test_an_og_title_repeating_the_site_name_loses_it() -> None:
    page = article_page(_canada(), meta="og").replace(
        f'<meta property="og:title" content="{_canada().title}">',
        f'<meta property="og:title" content="{_canada().title} | Міністерство оборони України">',
    )
    got = extract_article(
        page.encode(), {"content-type": HTML}, "https://mod.gov.ua/news/k", now=NOW
    )
    assert got.title == _canada().title


def test_the_feeds_panel_says_why_a_source_that_worked_is_incomplete() -> None:
    from monitor.models import FeedState
    from monitor.summary import feed_health

    state = FeedState(
        "Ministry",
        last_attempt=NOW,
        last_success=NOW,
        last_outcome="ok",
        last_new=28,
        last_warning="2 of 30 articles unread: HTTP 404 Not Found at x",
    )
    health = feed_health(
        FeedConfig("Ministry", "https://mod.gov.ua/news", kind="page", links="x"), state, NOW
    )
    assert health.level == "ok" and "28 new" in health.text
    assert health.why == "2 of 30 articles unread: HTTP 404 Not Found at x"


def test_next_data_links_need_a_url_or_a_dated_slug() -> None:
    import json

    from monitor.parse import parse_page

    data = {
        "props": {
            "pageProps": {
                "news": [
                    {
                        "slug": "kanada-doluchylasia",
                        "title": "Канада долучилася",
                        "publishedAt": "2026-11-30T10:00:00+02:00",
                        "excerpt": "<p>Лід.</p>",
                    },
                    {"url": "/news/druha-novyna", "title": "Друга новина"},
                ],
                "tags": [{"slug": "oborona", "title": "Оборона"}],
                "menu": [{"href": "/news/tag-purl", "title": "PURL"}],
            }
        }
    }
    page = (
        '<!DOCTYPE html><html><body><div id="__next"></div>'
        '<script id="__NEXT_DATA__" type="application/json">'
        f"{json.dumps(data, ensure_ascii=False)}</script></body></html>"
    )
    got = parse_page(
        page.encode(),
        {"content-type": HTML},
        "https://mod.gov.ua/news",
        article_links("https://mod.gov.ua"),
        "Ministry",
        NOW,
    )
    assert {i.title: i.link for i in got.items} == {
        "Канада долучилася": "https://mod.gov.ua/news/kanada-doluchylasia",
        "Друга новина": "https://mod.gov.ua/news/druha-novyna",
    }
    first = next(i for i in got.items if i.title == "Канада долучилася")
    assert first.summary == "Лід."
    assert first.published == datetime(2026, 11, 30, 8, tzinfo=timezone.utc)
