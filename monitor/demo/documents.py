"""The demo's documents: the sample items (``monitor/data/demo/items.json``) rendered into
responses shaped like the real sources (UNN RSS in English and in windows-1251 Ukrainian,
the Ministry of Defence's HTML news listing and article pages), dated relative to now; and
one feed that always answers 503 with ``Retry-After``."""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from importlib import resources
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from monitor.models import utcnow

KYIV = timezone(timedelta(hours=2))  # fixed offset: what UNN and mod.gov.ua print in winter
UNAVAILABLE_PATH = "/unavailable.xml"
RETRY_AFTER_SECONDS = 120


def data_dir() -> Path:
    return Path(str(resources.files("monitor") / "data" / "demo"))


def load_sample() -> dict[str, Any]:
    """The sample items and channel descriptions (``monitor/data/demo/items.json``)."""
    sample: dict[str, Any] = json.loads((data_dir() / "items.json").read_text(encoding="utf-8"))
    return sample


@dataclass(frozen=True, slots=True)
class Document:
    """One response the demo server gives for a path."""

    body: bytes
    content_type: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None

    @property
    def etag(self) -> str | None:
        if self.status != 200:
            return None
        return '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'


def _rfc822(value: datetime) -> str:
    return format_datetime(value.astimezone(KYIV))


def render_rss(channel: dict[str, Any], now: datetime) -> bytes:
    """An RSS 2.0 document shaped like UNN's, items dated ``hours`` before ``now``.

    Descriptions are HTML (``<p>``, entities); the English feed escapes it as text, the
    Ukrainian one wraps it in CDATA, as real feeds variously do.
    """
    encoding = channel.get("encoding", "utf-8")
    cdata = encoding.lower() != "utf-8"
    site = channel["link"].rstrip("/")
    news = f"{site}/news"
    out = [
        f'<?xml version="1.0" encoding="{encoding}"?>\n',
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n',
        f"<title>{xml_escape(channel['title'])}</title>\n",
        f"<link>{xml_escape(channel['link'])}</link>\n",
        f"<description>{xml_escape(channel['description'])}</description>\n",
        f"<language>{channel.get('language', 'en')}</language>\n",
        f"<lastBuildDate>{_rfc822(now)}</lastBuildDate>\n",
    ]
    for item in channel["items"]:
        link = f"{news}/{item['slug']}"
        description = "".join(f"<p>{p}</p>" for p in item["body"])
        description = f"<![CDATA[{description}]]>" if cdata else xml_escape(description)
        published = now - timedelta(hours=float(item["hours"]))
        out.append(
            "<item>\n"
            f"  <title>{xml_escape(item['title'])}</title>\n"
            f"  <link>{xml_escape(link)}</link>\n"
            f'  <guid isPermaLink="true">{xml_escape(link)}</guid>\n'
            f"  <description>{description}</description>\n"
            f"  <category>{xml_escape(item.get('category', ''))}</category>\n"
            "  <dc:creator>UNN</dc:creator>\n"
            f"  <pubDate>{_rfc822(published)}</pubDate>\n"
            "</item>\n"
        )
    out.append("</channel>\n</rss>\n")
    return "".join(out).encode(encoding, "xmlcharrefreplace")


_PAGE_HEAD = """<!DOCTYPE html>
<html lang="uk">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="/static/css/app.css">
</head>
<body>
<header class="header">
  <a class="logo" href="/"><img src="/static/img/logo.svg" alt="Міністерство оборони України"></a>
  <nav class="menu">
    <a href="/">Головна</a>
    <a href="/about">Про міністерство</a>
    <a href="/news" class="active">Новини</a>
    <a href="/news/category/announcements/">Анонси</a>
    <a href="/tags/drony">#дрони</a>
    <a href="/contacts">Контакти</a>
    <a href="/en/news">EN</a>
    <a href="https://www.facebook.com/MinistryofDefence.UA" rel="noopener">Facebook</a>
  </nav>
</header>
<main class="container">
<h1>Новини</h1>
<div class="news-list">
"""

_PAGE_TAIL = """</div>
<nav class="pagination">
  <a href="/news" class="current">1</a>
  <a href="/news?page=2">2</a>
  <a href="/news?page=3">3</a>
  <a href="/news?page=2" rel="next">Наступна &rarr;</a>
</nav>
</main>
<footer class="footer">
  <a href="/privacy">Політика конфіденційності</a>
  <a href="/sitemap">Мапа сайту</a>
  <p>&copy; Міністерство оборони України (демо: вигадані тексти)</p>
</footer>
</body>
</html>
"""


def render_page(listing: dict[str, Any], now: datetime) -> bytes:
    """An HTML news listing shaped like mod.gov.ua/news: relative ``/news/<slug>`` links,
    some cards with ``<time datetime>``, surrounded by navigation that is not news.

    Titles are HTML-escaped but otherwise raw: one deliberately carries terminal escape
    sequences, which the app must show as text.
    """
    out = [_PAGE_HEAD.format(title=html.escape(listing["title"]))]
    for item in listing["items"]:
        published = (now - timedelta(hours=float(item["hours"]))).astimezone(KYIV)
        when = ""
        if item.get("time"):
            when = (
                f'    <time datetime="{published.isoformat(timespec="seconds")}">'
                f"{published:%d.%m.%Y %H:%M}</time>\n"
            )
        out.append(
            '  <article class="news-card">\n'
            f'    <a class="news-card__link" href="/news/{item["slug"]}">'
            f'<h3 class="news-card__title">{html.escape(item["title"], quote=False)}</h3></a>\n'
            f"{when}"
            f'    <p class="news-card__lead">{html.escape(item["lead"], quote=False)}</p>\n'
            "  </article>\n"
        )
    out.append(_PAGE_TAIL)
    return "".join(out).encode("utf-8")


def render_article(item: dict[str, Any], now: datetime) -> bytes:
    """An article page shaped like mod.gov.ua's: og: metadata (title, lead, published time),
    the article between the site's menus and a related-news list, so a poll reads its date,
    lead and text offline; ``text`` paragraphs (else the lead) make its body."""
    published = (now - timedelta(hours=float(item["hours"]))).astimezone(KYIV)
    iso = published.isoformat(timespec="seconds")
    title, lead = html.escape(item["title"]), html.escape(item["lead"])
    paragraphs = item.get("text") or [
        item["lead"],
        "Демо: вигаданий текст, поданий локально програмою monitor, щоб показати статтю "
        "без доступу до інтернету.",
    ]
    body = "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
    head = _PAGE_HEAD.format(title=f"{title} | Міністерство оборони України").replace(
        '<meta charset="utf-8">',
        '<meta charset="utf-8">'
        f'<meta property="og:title" content="{title}">'
        f'<meta property="og:description" content="{lead}">'
        f'<meta property="article:published_time" content="{iso}">',
    )
    head = head.replace('<h1>Новини</h1>\n<div class="news-list">\n', "")
    return (
        head + '<article class="article">'
        f'<p class="breadcrumbs"><a href="/news">&larr; Новини</a></p><h1>{title}</h1>'
        f'<time datetime="{iso}">{published:%d.%m.%Y %H:%M}</time>'
        f'<div class="article__content">{body}</div>'
        '<aside class="related"><h2>Інші новини</h2><ul>'
        '<li><a href="/news">Усі новини міністерства</a></li></ul></aside></article>'
        "</main></body></html>\n"
    ).encode("utf-8")


def build_documents(
    now: datetime | None = None, sample: dict[str, Any] | None = None
) -> dict[str, Document]:
    """Every path the demo server answers, rendered once (so ETags stay stable)."""
    now = (now or utcnow()).replace(microsecond=0)
    sample = sample or load_sample()
    docs: dict[str, Document] = {}
    for key in ("unn_en", "unn_uk"):
        channel = sample[key]
        encoding = channel.get("encoding", "utf-8")
        docs[channel["path"]] = Document(
            render_rss(channel, now),
            f"application/rss+xml; charset={encoding}",
            last_modified=now,
        )
    listing = sample["mod"]
    docs[listing["path"]] = Document(
        render_page(listing, now), "text/html; charset=utf-8", last_modified=now
    )
    for item in listing["items"]:
        docs[f"/news/{item['slug']}"] = Document(
            render_article(item, now), "text/html; charset=utf-8", last_modified=now
        )
    docs[UNAVAILABLE_PATH] = Document(
        b"<html><body><h1>503 Service Unavailable</h1>"
        b"<p>This demo feed is always down, to show a failing feed.</p></body></html>\n",
        "text/html; charset=utf-8",
        status=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
    index = "".join(f'<li><a href="{p}">{p}</a></li>' for p in docs if not p.startswith("/news/"))
    docs["/"] = Document(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>monitor demo</title></head>"
        f"<body><h1>monitor demo feeds</h1><ul>{index}</ul></body></html>\n".encode(),
        "text/html; charset=utf-8",
        last_modified=now,
    )
    return docs
