"""HTML and sitemap documents shaped like the Ministry of Defence's Next.js site, for tests
served from 127.0.0.1 (tests/feedserver.py) and for bench/ (extraction speed).

Shapes, as far as public code and pages show (not checked against the live site): a header
with navigation menus, a listing of article cards (server-rendered links, each with a
``<time>``), tag and pagination links under the same ``/news`` prefix, a footer, and a
``__NEXT_DATA__`` JSON script repeating the page's data. Article pages carry og: metadata,
JSON-LD, both or neither, the article body in ``<main><article>``, related-news links and
the same ``__NEXT_DATA__`` script.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Literal

__all__ = [
    "Article",
    "article_page",
    "listing_page",
    "sitemap",
    "sitemap_index",
    "uk_paragraphs",
]

Meta = Literal["og", "jsonld", "both", "none"]


@dataclass(slots=True)
class Article:
    """One article of the fixture site."""

    slug: str
    title: str
    lead: str
    paragraphs: list[str]
    published: datetime | None = None
    lang: str = "uk"
    tags: list[str] = field(default_factory=lambda: ["oborona"])

    def path(self) -> str:
        prefix = "/en" if self.lang == "en" else ""
        return f"{prefix}/news/{self.slug}"


_NAV_UK = [
    ("/", "Головна"),
    ("/news", "Новини"),
    ("/news/tag-mizhnarodna-spivpratsia", "Міжнародна співпраця"),
    ("/news/category/zayavy", "Заяви"),
    ("/news/archive", "Архів"),
    ("/news/search?q=", "Пошук"),
    ("/ministry", "Міністерство"),
    ("/en/news", "English"),
]
_NAV_EN = [
    ("/en", "Home"),
    ("/en/news", "News"),
    ("/en/news/tag-international-cooperation", "International cooperation"),
    ("/en/news/category/statements", "Statements"),
    ("/en/news/archive", "Archive"),
    ("/en/news/search?q=", "Search"),
    ("/news", "Українською"),
]

_SENTENCES_UK = [
    "Міністр оборони провів робочу зустріч із делегацією партнерів у Києві.",
    "Сторони обговорили потреби Сил оборони на найближчі місяці та графік постачань.",
    "Окрему увагу приділили розвитку вітчизняного оборонно-промислового комплексу.",
    "За словами заступника міністра, рішення ухвалять до кінця поточного кварталу.",
    "Міністерство оборони продовжує цифровізацію процесів закупівель для війська.",
    "Учасники наради погодили подальші кроки щодо підготовки військовослужбовців.",
    "Представники уряду наголосили на важливості прозорості оборонних закупівель.",
    "Нагадаємо, що минулого тижня відбулося засідання групи з питань оборони.",
]
_SENTENCES_EN = [
    "The Minister of Defence held a working meeting with a partner delegation in Kyiv.",
    "The parties discussed the needs of the Defence Forces and the delivery schedule.",
    "Particular attention was paid to developing Ukraine's defence industry.",
    "According to the Deputy Minister, the decision will be taken by the end of the quarter.",
    "The Ministry of Defence continues to digitise procurement for the armed forces.",
    "Participants agreed on further steps in training service members.",
]


def uk_paragraphs(n: int, seed: int = 0, lang: str = "uk") -> list[str]:
    """``n`` plausible paragraphs of three sentences each, varied by ``seed``."""
    pool = _SENTENCES_EN if lang == "en" else _SENTENCES_UK
    out = []
    for i in range(n):
        k = seed * 7 + i * 3
        out.append(" ".join(pool[(k + j) % len(pool)] for j in range(3)))
    return out


def _header(lang: str) -> str:
    nav = _NAV_EN if lang == "en" else _NAV_UK
    links = "".join(f'<li><a class="nav-link" href="{h}">{escape(t)}</a></li>' for h, t in nav)
    return (
        '<header class="header"><div class="container"><a class="logo" href="/">'
        '<img src="/logo.svg" alt="Міністерство оборони України"></a>'
        f'<nav class="main-nav"><ul>{links}</ul></nav></div></header>'
    )


def _footer(lang: str) -> str:
    return (
        '<footer class="footer"><div class="container"><p>© Міністерство оборони України</p>'
        '<ul><li><a href="/contacts">Контакти</a></li><li><a href="/policy">Політика</a></li>'
        '<li><a href="https://www.facebook.com/MinistryofDefence.UA">Facebook</a></li></ul>'
        "</div></footer>"
    )


def _next_data(page: str, props: dict[str, object]) -> str:
    data = {"props": {"pageProps": props}, "page": page, "query": {}, "buildId": "fixture"}
    raw = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script id="__NEXT_DATA__" type="application/json">{raw}</script>'


def _iso(when: datetime | None) -> str:
    return when.isoformat() if when is not None else ""


def _card(a: Article, base: str) -> str:
    time = (
        f'<time datetime="{_iso(a.published)}">{a.published:%d.%m.%Y}</time>' if a.published else ""
    )
    return (
        f'<div class="news-card"><a class="news-card__link" href="{base}{a.path()}">'
        f'<h3 class="news-card__title">{escape(a.title)}</h3></a>{time}'
        f'<a class="tag" href="{base}/news/tag-{a.tags[0]}">#{a.tags[0]}</a></div>'
    )


def listing_page(
    articles: list[Article],
    *,
    lang: str = "uk",
    base: str = "",
    ssr: list[Article] | None = None,
    next_data: list[Article] | None = None,
    page: int = 1,
) -> str:
    """A news listing. ``ssr``: the articles rendered as links (default all); ``next_data``:
    the articles only listed in the ``__NEXT_DATA__`` script (default: all, as JSON)."""
    rendered = articles if ssr is None else ssr
    in_json = articles if next_data is None else next_data
    prefix = "/en" if lang == "en" else ""
    cards = "".join(_card(a, base) for a in rendered)
    pager = "".join(f'<a class="page" href="{prefix}/news?page={n}">{n}</a>' for n in (2, 3, 4))
    pager += f'<a class="page" href="{prefix}/news/page/2">→</a>'
    props = {
        "news": [
            {
                "slug": a.slug,
                "title": a.title,
                "url": a.path(),
                "publishedAt": _iso(a.published),
                "excerpt": a.lead,
            }
            for a in in_json
        ],
        "page": page,
    }
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>Новини | Міністерство оборони України</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'</head><body><div id="__next">{_header(lang)}'
        f'<main class="news-list"><h1>Новини</h1><div class="grid">{cards}</div>'
        f'<nav class="pagination">{pager}</nav></main>{_footer(lang)}</div>'
        f"{_next_data('/news', props)}</body></html>"
    )


def article_page(
    a: Article,
    *,
    meta: Meta = "both",
    related: list[Article] | None = None,
    visible_date: bool = True,
) -> str:
    """An article page with og: metadata, JSON-LD, both or neither (``meta``)."""
    head = [
        '<meta charset="utf-8">',
        f"<title>{escape(a.title)} | Міністерство оборони України</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
    ]
    if meta in ("og", "both"):
        head += [
            f'<meta property="og:title" content="{escape(a.title)}">',
            f'<meta property="og:description" content="{escape(a.lead)}">',
            '<meta property="og:type" content="article">',
            f'<meta property="og:url" content="https://mod.gov.ua{a.path()}">',
            '<meta property="og:site_name" content="Міністерство оборони України">',
        ]
        if a.published:
            head.append(f'<meta property="article:published_time" content="{_iso(a.published)}">')
    if meta in ("jsonld", "both"):
        ld = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": a.title,
            "description": a.lead,
            "inLanguage": a.lang,
            "publisher": {"@type": "Organization", "name": "Міністерство оборони України"},
        }
        if a.published:
            ld["datePublished"] = _iso(a.published)
        raw = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
        head.append(f'<script type="application/ld+json">{raw}</script>')
    body_paragraphs = "".join(f"<p>{escape(p)}</p>" for p in a.paragraphs)
    date = (
        f'<time class="article__date" datetime="{_iso(a.published)}">'
        f"{a.published:%d.%m.%Y %H:%M}</time>"
        if a.published and visible_date
        else ""
    )
    tags = "".join(f'<a class="tag" href="/news/tag-{t}">#{t}</a>' for t in a.tags)
    rel = "".join(f'<li><a href="{r.path()}">{escape(r.title)}</a></li>' for r in (related or []))
    share = (
        '<div class="share"><a href="https://t.me/share/url?url=x">Telegram</a>'
        '<a href="https://www.facebook.com/sharer/sharer.php?u=x">Facebook</a></div>'
    )
    props = {
        "article": {
            "slug": a.slug,
            "title": a.title,
            "excerpt": a.lead,
            "publishedAt": _iso(a.published),
            "content": body_paragraphs,
        }
    }
    return (
        f'<!DOCTYPE html><html lang="{a.lang}"><head>{"".join(head)}</head><body>'
        f'<div id="__next">{_header(a.lang)}<main class="article-page"><div class="container">'
        '<nav class="breadcrumbs"><a href="/">Головна</a> / <a href="/news">Новини</a></nav>'
        f'<article class="article"><h1 class="article__title">{escape(a.title)}</h1>{date}'
        f'<div class="article__content">{body_paragraphs}</div>'
        f'<div class="article__tags">{tags}</div>{share}</article>'
        f'<aside class="related"><h2>Інші новини</h2><ul>{rel}</ul></aside>'
        f"</div></main>{_footer(a.lang)}</div>{_next_data('/news/[slug]', props)}</body></html>"
    )


def sitemap(entries: list[tuple[str, datetime | None]]) -> str:
    """A ``<urlset>`` of (absolute URL, lastmod)."""
    rows = "".join(
        f"<url><loc>{escape(u)}</loc>" + (f"<lastmod>{_iso(m)}</lastmod>" if m else "") + "</url>"
        for u, m in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</urlset>'
    )


def sitemap_index(children: list[str]) -> str:
    rows = "".join(f"<sitemap><loc>{escape(u)}</loc></sitemap>" for u in children)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>'
    )


def gzipped(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"))


# The article-link rule of the shipped feeds.toml, for a site at ``base`` (tests serve the
# site from 127.0.0.1; test_sources checks this is the shipped regex with the real host).
ARTICLE_LINKS = (
    r"^{base}{prefix}/news/"
    r"(?!(?:tags?|category|categories|archive|search|page)(?:[-/?#]|$))[^/?#]+/?$"
)


def article_links(base: str, lang: str = "uk") -> str:
    """The shipped Ministry ``links`` regex with ``base`` (escaped) in place of the host."""
    import re

    return ARTICLE_LINKS.format(base=re.escape(base), prefix="/en" if lang == "en" else "")
