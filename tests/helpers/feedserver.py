"""A real HTTP server on 127.0.0.1 for tests: routes, conditional GET, hostile behaviours.

No test reaches the internet; tests that need HTTP use the ``feed_server`` fixture
(tests/conftest.py), which starts one :class:`FeedServer` per test and stops it after.
"""

from __future__ import annotations

import gzip as gzip_module
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

__all__ = ["FeedServer", "RequestInfo", "Route", "rss", "atom"]


@dataclass(slots=True)
class RequestInfo:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    time: float
    method: str = "GET"
    connection: int = 0  # the client's port: requests on one kept-alive connection share it


Handler = Callable[[RequestInfo], "tuple[int, dict[str, str], bytes]"]


@dataclass(slots=True)
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    trickle: float | None = None
    gzip: bool = False
    handler: Handler | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    feed: FeedServer

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up (timeouts, size caps) are expected; stay quiet about them."""
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, OSError)):
            super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 10  # idle keep-alive connections do not linger

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet tests
        pass

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(send_body=False)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(send_body=True)

    def _answer(self, *, send_body: bool) -> None:
        feed = self.server.feed
        info = RequestInfo(
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            time=time.monotonic(),
            method=self.command,
            connection=self.client_address[1],
        )
        with feed._lock:
            feed.requests.append(info)
            route = feed._routes.get(self.path) or feed._routes.get(self.path.split("?", 1)[0])
        if route is None:
            self._send(404, {"Content-Type": "text/plain"}, b"not found", send_body)
            return
        if route.delay and feed._stop.wait(route.delay):
            return
        if route.handler is not None:
            status, headers, body = route.handler(info)
            self._send(status, headers, body, send_body)
            return
        headers = {"Content-Type": route.content_type, **route.headers}
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if self._not_modified(route, info):
            self._send(304, {k: v for k, v in headers.items() if k != "Content-Type"}, b"", False)
            return
        body = route.body
        if route.gzip:
            body = gzip_module.compress(body)
            headers["Content-Encoding"] = "gzip"
        self._send(route.status, headers, body, send_body, trickle=route.trickle)

    @staticmethod
    def _not_modified(route: Route, info: RequestInfo) -> bool:
        if route.status != 200:
            return False
        inm = info.headers.get("if-none-match")
        if route.etag and inm is not None:
            return route.etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
        ims = info.headers.get("if-modified-since")
        return bool(route.last_modified and ims is not None and ims == route.last_modified)

    def _send(
        self,
        status: int,
        headers: dict[str, str],
        body: bytes,
        send_body: bool,
        *,
        trickle: float | None = None,
    ) -> None:
        stop = self.server.feed._stop
        try:
            self.send_response(status)
            lower = {k.lower(): v for k, v in headers.items()}
            chunked = lower.get("transfer-encoding", "").lower() == "chunked"
            for key, value in headers.items():
                self.send_header(key, value)
            if "content-length" not in lower and not chunked and status not in (204, 304):
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not send_body or status in (204, 304):
                self.wfile.flush()
                return
            if chunked:  # no Content-Length: the client cannot know the size up front
                for i in range(0, len(body), 65536):
                    part = body[i : i + 65536]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
                return
            if trickle is None:
                self.wfile.write(body)
                self.wfile.flush()
                return
            for i in range(len(body)):
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
                if stop.wait(trickle):
                    return
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            pass  # the client hung up: exactly what a fetch with limits should do
        finally:
            if stop.is_set():
                self.close_connection = True


class FeedServer:
    """A threaded HTTP server on 127.0.0.1 with per-path routes.

    ``route(path, body, ...)`` sets what a GET on ``path`` answers; unknown paths get a 404.
    Every request is recorded in ``requests``.
    """

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.requests: list[RequestInfo] = []
        self._httpd = _Server(("127.0.0.1", 0), _RequestHandler)
        self._httpd.feed = self
        self._httpd.timeout = 0.5
        if tls is not None:  # HTTPS: a server-side context with the test's certificate
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        host, port = self._httpd.server_address[:2]
        self.base = f"{'https' if tls is not None else 'http'}://{host}:{port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; handlers that sleep or trickle notice within their next tick."""
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, path: str) -> str:
        if not path.startswith("/"):
            path = "/" + path
        return self.base + path

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        content_type: str = "application/rss+xml; charset=utf-8",
        headers: dict[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        delay: float = 0.0,
        trickle: float | None = None,
        gzip: bool = False,
        handler: Handler | None = None,
    ) -> None:
        """Answer GET ``path`` with this (replaces any earlier route for it).

        ``headers={"Transfer-Encoding": "chunked"}`` sends the body chunked, without a
        Content-Length. A ``handler`` computes (status, headers, body) per request.
        """
        if not path.startswith("/"):
            path = "/" + path
        if isinstance(body, str):
            body = body.encode("utf-8")
        with self._lock:
            self._routes[path] = Route(
                body=body,
                status=status,
                content_type=content_type,
                headers=dict(headers or {}),
                etag=etag,
                last_modified=last_modified,
                delay=delay,
                trickle=trickle,
                gzip=gzip,
                handler=handler,
            )

    def hits(self, path: str) -> int:
        """How many requests asked for ``path`` (query string ignored)."""
        if not path.startswith("/"):
            path = "/" + path
        with self._lock:
            return sum(1 for r in self.requests if r.path.split("?", 1)[0] == path)


def _xml_text(value: object) -> str:
    return escape(str(value))


def rss(
    items: list[dict],
    title: str = "Test",
    link: str = "https://example.org/",
    encoding: str = "utf-8",
    extra_ns: bool = True,
) -> bytes:
    """An RSS 2.0 document; item dicts may hold title, link, guid, description, pubDate, category.

    Values are XML-escaped (so ``description="<b>x</b>"`` arrives as escaped HTML, as in real
    feeds). A ``datetime`` pubDate is formatted as RFC 822.
    """
    ns = ' xmlns:dc="http://purl.org/dc/elements/1.1/"' if extra_ns else ""
    parts = [
        f'<?xml version="1.0" encoding="{encoding}"?>\n',
        f'<rss version="2.0"{ns}><channel>',
        f"<title>{_xml_text(title)}</title><link>{_xml_text(link)}</link>",
        "<description>test feed</description>",
    ]
    for item in items:
        parts.append("<item>")
        for key in ("title", "link", "guid", "description", "pubDate", "category"):
            if key not in item:
                continue
            value = item[key]
            if key == "pubDate" and not isinstance(value, str):
                value = format_datetime(value)
            attrs = ' isPermaLink="false"' if key == "guid" else ""
            parts.append(f"<{key}{attrs}>{_xml_text(value)}</{key}>")
        parts.append("</item>")
    parts.append("</channel></rss>\n")
    return "".join(parts).encode(encoding)


def atom(
    entries: list[dict],
    base: str | None = None,
    title: str = "Test Atom",
    feed_id: str = "urn:test:feed",
) -> bytes:
    """An Atom 1.0 document; entry dicts may hold title, link (may be relative), id, summary,
    updated, published. ``base`` sets ``xml:base`` on the feed element when given."""
    xml_base = f' xml:base="{_xml_text(base)}"' if base else ""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f'<feed xmlns="http://www.w3.org/2005/Atom"{xml_base}>',
        f"<title>{_xml_text(title)}</title><id>{_xml_text(feed_id)}</id>",
        "<updated>2025-10-01T00:00:00Z</updated>",
    ]
    for n, entry in enumerate(entries):
        parts.append("<entry>")
        parts.append(f"<title>{_xml_text(entry.get('title', f'entry {n}'))}</title>")
        if "link" in entry:
            parts.append(f'<link rel="alternate" href="{_xml_text(entry["link"])}"/>')
        parts.append(f"<id>{_xml_text(entry.get('id', f'urn:test:entry:{n}'))}</id>")
        for key in ("updated", "published"):
            value = entry.get(key)
            if value is not None:
                if not isinstance(value, str):
                    value = value.isoformat()
                parts.append(f"<{key}>{_xml_text(value)}</{key}>")
        if "updated" not in entry:
            parts.append("<updated>2025-10-01T00:00:00Z</updated>")
        if "summary" in entry:
            parts.append(f'<summary type="html">{_xml_text(entry["summary"])}</summary>')
        parts.append("</entry>")
    parts.append("</feed>\n")
    return "".join(parts).encode("utf-8")
