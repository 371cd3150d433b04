"""The demo server: the demo documents on 127.0.0.1 with ETag/Last-Modified (304s), from a
daemon thread; the English feed gains an item every 90 seconds so a poll finds news."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from monitor.demo.documents import Document, build_documents, load_sample, render_rss
from monitor.models import utcnow

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
