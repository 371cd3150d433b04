"""``monitor demo``: the real UI on bundled sample feeds, offline, with a throwaway history.

The sample items live in ``monitor/data/demo/items.json``; at start-up they are rendered
into documents shaped like the real sources (UNN RSS in English and in windows-1251
Ukrainian, the Ministry of Defence's HTML news listing), dated relative to now, and served
by :class:`DemoServer` on 127.0.0.1 with ETag/Last-Modified support. One extra feed
always answers 503 with ``Retry-After`` so the feeds panel shows a failure.

Headless glue: nothing here imports Textual or Rich; only :func:`run_demo` imports the app,
lazily. Nothing here touches the network beyond 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import html
import json
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any, TextIO
from xml.sax.saxutils import escape as xml_escape

from monitor.models import utcnow

__all__ = [
    "DemoServer",
    "Document",
    "build_documents",
    "load_sample",
    "prepare_demo",
    "run_demo",
    "write_config",
]

KYIV = timezone(timedelta(hours=2))  # fixed offset: what UNN and mod.gov.ua print in winter
UNAVAILABLE_PATH = "/unavailable.xml"
RETRY_AFTER_SECONDS = 120
LIVE_EVERY_SECONDS = 90.0  # the English feed gains an item this often, so a poll finds news
LIVE_CHANNEL = "unn_en"
# What the live items say (invented, like the rest); some match the demo's watchlists.
LIVE_ITEMS = (
    (
        "Drone Deal: partners agree on the first production site",
        "Drone Deal",
        "Officials said the Drone Deal's first joint production site was agreed on Tuesday.",
    ),
    (
        "Air defence training for new crews completed",
        "Defence",
        "The training of new air defence crews was completed ahead of schedule, the ministry said.",
    ),
    (
        "Another ally joins PURL with a new contribution",
        "PURL",
        "A new contribution under PURL will pay for air defence missiles, the minister said.",
    ),
    (
        "Parliament committee hears the defence procurement report",
        "Parliament",
        "The committee heard the quarterly report on defence procurement.",
    ),
    (
        "Interceptor drones delivered under the Drone Deal",
        "Drone Deal",
        "The first interceptor drones under the Drone Deal reached the units, officials said.",
    ),
)

Runner = Callable[[Path, Path], int]


def _data_dir() -> Path:
    return Path(str(resources.files("monitor") / "data" / "demo"))


def load_sample() -> dict[str, Any]:
    """The sample items and channel descriptions (``monitor/data/demo/items.json``)."""
    sample: dict[str, Any] = json.loads((_data_dir() / "items.json").read_text(encoding="utf-8"))
    return sample


# --- documents --------------------------------------------------------------------------


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


# --- server -----------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "monitor-demo"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Silent: the TUI owns the terminal."""

    def do_GET(self) -> None:  # noqa: N802
        self._answer(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(send_body=False)

    def _answer(self, *, send_body: bool) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if self.server.before_answer is not None:
            self.server.before_answer(path)
        doc = self.server.documents.get(path)
        self.server.count(path)
        if doc is None:
            plain = {"Content-Type": "text/plain; charset=utf-8"}
            self._send(404, plain, b"not found\n", send_body)
            return
        headers = {"Content-Type": doc.content_type, **doc.headers}
        if doc.etag:
            headers["ETag"] = doc.etag
        if doc.last_modified is not None:
            headers["Last-Modified"] = format_datetime(doc.last_modified, usegmt=True)
        if doc.status == 200 and self._not_modified(doc):
            headers.pop("Content-Type")
            self._send(304, headers, b"", False)
            return
        self._send(doc.status, headers, doc.body, send_body)

    def _not_modified(self, doc: Document) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            return "*" in tags or doc.etag in tags
        ims = self.headers.get("If-Modified-Since")
        if ims is None or doc.last_modified is None:
            return False
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=timezone.utc)
        return doc.last_modified <= since

    def _send(self, status: int, headers: dict[str, str], body: bytes, send_body: bool) -> None:
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body and status != 304:
                self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            pass


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    documents: dict[str, Document]
    hits: dict[str, int]
    lock: threading.Lock
    before_answer: Callable[[str], None] | None = None  # brings a live document up to date

    def count(self, path: str) -> None:
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # never print tracebacks over the UI


class DemoServer:
    """Serves the demo documents on 127.0.0.1 (a free port) from a daemon thread."""

    def __init__(
        self,
        documents: dict[str, Document] | None = None,
        *,
        live_every: float | None = LIVE_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``live_every``: seconds between the English feed's new items (None: none, and
        always with ``documents`` given); ``clock`` is monotonic seconds (tests)."""
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._live: _Live | None = None
        if documents is None:
            started = utcnow().replace(microsecond=0)
            sample = load_sample()
            documents = build_documents(started, sample)
            if live_every:
                self._live = _Live(sample[LIVE_CHANNEL], started, live_every, clock, clock())
                self._httpd.before_answer = self._refresh
        self._httpd.documents = documents
        self._httpd.hits = {}
        self._httpd.lock = threading.Lock()
        port = self._httpd.server_address[1]
        self.base = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="monitor-demo-server",
            daemon=True,
        )
        self._stopped = False

    @property
    def documents(self) -> dict[str, Document]:
        return self._httpd.documents

    def _refresh(self, path: str) -> None:
        """Re-render the live channel when another item has come due (under the lock, so
        concurrent requests see one version)."""
        live = self._live
        if live is None or path != live.channel["path"]:
            return
        with self._httpd.lock:
            due = live.due()
            if due == live.shown:
                return
            live.shown = due
            channel = {**live.channel, "items": [*live.items(due), *live.channel["items"]]}
            encoding = channel.get("encoding", "utf-8")
            stamp = live.started + timedelta(seconds=due * live.every)
            self._httpd.documents[path] = Document(
                render_rss(channel, live.started),
                f"application/rss+xml; charset={encoding}",
                last_modified=stamp,
            )

    def url(self, path: str) -> str:
        return self.base + (path if path.startswith("/") else "/" + path)

    def hits(self, path: str) -> int:
        """How many requests asked for ``path``."""
        with self._httpd.lock:
            return self._httpd.hits.get(path, 0)

    def start(self) -> DemoServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        if self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(slots=True)
class _Live:
    """The channel that gains an item every ``every`` seconds after ``started``."""

    channel: dict[str, Any]
    started: datetime
    every: float
    clock: Callable[[], float]
    clock_start: float
    shown: int = 0

    def due(self) -> int:
        return max(0, int((self.clock() - self.clock_start) // self.every))

    def items(self, count: int) -> list[dict[str, Any]]:
        """The first ``count`` live items, newest first, dated when each came due."""
        out = []
        for n in range(count):
            title, category, lead = LIVE_ITEMS[n % len(LIVE_ITEMS)]
            if n >= len(LIVE_ITEMS):
                title = f"{title} (update {n // len(LIVE_ITEMS)})"
            out.append(
                {
                    "slug": f"live-{n + 1}",
                    "hours": -(n + 1) * self.every / 3600,  # after start-up: render_rss's "now"
                    "category": category,
                    "title": title,
                    "body": [lead],
                }
            )
        return out[::-1]


# --- config and entry point -------------------------------------------------------------


def _toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


def write_config(directory: Path, base: str, history: Path) -> Path:
    """Write the demo feeds.toml into ``directory`` with the server address filled in."""
    template = (_data_dir() / "feeds.toml").read_text(encoding="utf-8")
    text = (
        template.replace("{{BASE_RE}}", base.replace(".", r"\."))
        .replace("{{BASE}}", base)
        .replace("{{HISTORY}}", _toml_string(str(history)))
    )
    path = directory / "feeds.toml"
    path.write_text(text, encoding="utf-8")
    return path


def prepare_demo(directory: Path) -> tuple[Path, Path, DemoServer]:
    """Start the demo server and write its feeds.toml into ``directory``.

    Returns ``(config_path, history_path, server)``; the history does not exist yet. The
    caller stops the server.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    server = DemoServer().start()
    try:
        history = directory / "history.json"
        config = write_config(directory, server.base, history)
    except BaseException:
        server.stop()
        raise
    return config, history, server


def _run_app(config_path: Path, history_path: Path) -> int:
    from monitor.cli import run_app

    return run_app(config_path, history_path)


@contextmanager
def _exit_on_hangup() -> Iterator[None]:
    """Turn SIGHUP (the terminal closed) and SIGTERM into SystemExit while the demo runs, so
    its temporary folder and server are cleaned up as on a normal quit (their default
    action would end the process on the spot)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def leave(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    wanted = [getattr(signal, name) for name in ("SIGHUP", "SIGTERM") if hasattr(signal, name)]
    previous = {sig: signal.signal(sig, leave) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_demo(
    *,
    directory: Path | None = None,
    runner: Runner | None = None,
    out: TextIO | None = None,
) -> int:
    """Open the UI on the demo feeds; return its exit status.

    ``directory`` keeps the demo files there instead of a temporary directory (deleted on
    exit); ``runner(config_path, history_path)`` replaces the UI (tests).
    """
    out = out or sys.stdout
    runner = runner or _run_app
    with ExitStack() as stack:
        stack.enter_context(_exit_on_hangup())
        if directory is not None:
            where = Path(directory)
        else:
            where = Path(
                stack.enter_context(
                    tempfile.TemporaryDirectory(prefix="monitor-demo-", ignore_cleanup_errors=True)
                )
            )
        config_path, history_path, server = prepare_demo(where)
        try:
            history = (
                f"history at {history_path} (kept)"
                if directory is not None
                else f"temporary history at {history_path} (deleted when you quit)"
            )
            print(
                f"monitor demo: invented sample feeds served from {server.base}"
                f" (no internet used); {history}.",
                file=out,
                flush=True,
            )
            return runner(config_path, history_path)
        finally:
            server.stop()
