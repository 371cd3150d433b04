"""The client's connections on asyncio streams (monitor.net): HTTPS, keep-alive, a bad
certificate; every other fetch limit is tested through them in test_fetch.py."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from monitor.fetch import fetch, make_client, use_asyncio_streams
from monitor.models import FeedConfig, FeedState, Settings
from monitor.net import AsyncioBackend
from tests.helpers.feedserver import FeedServer, rss

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
SETTINGS = Settings(timeout=5.0, connect_timeout=2.0)
FEED = rss([{"title": "Drone deal signed", "link": "https://example.org/1", "guid": "1"}])


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made by the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@pytest.fixture
def https_server(certificate: tuple[Path, Path]) -> Iterator[FeedServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = FeedServer(tls=context).start()
    try:
        yield server
    finally:
        server.stop()


def test_the_client_made_for_polls_connects_through_asyncio_streams() -> None:
    client = make_client(SETTINGS)
    assert isinstance(client._transport._pool._network_backend, AsyncioBackend)  # type: ignore[attr-defined]


async def test_an_https_feed_is_read_then_answered_304_on_the_same_connection(
    https_server: FeedServer, certificate: tuple[Path, Path]
) -> None:
    https_server.route("/feed.xml", FEED, etag='"v1"')
    feed = FeedConfig("Secure", https_server.url("/feed.xml"))
    trusting = ssl.create_default_context(cafile=str(certificate[0]))
    async with httpx.AsyncClient(verify=trusting) as client:
        use_asyncio_streams(client)
        first = await fetch(client, feed, FeedState("Secure"), SETTINGS, now=NOW)
        assert first.outcome == "ok" and first.body == FEED and first.etag == '"v1"'
        again = await fetch(client, feed, FeedState("Secure", etag='"v1"'), SETTINGS, now=NOW)
        assert again.outcome == "not_modified"
    assert [r.path for r in https_server.requests] == ["/feed.xml", "/feed.xml"]
    assert len({r.connection for r in https_server.requests}) == 1  # kept alive over TLS


async def test_an_untrusted_certificate_is_a_network_error(https_server: FeedServer) -> None:
    https_server.route("/feed.xml", FEED)
    feed = FeedConfig("Self-signed", https_server.url("/feed.xml"))
    async with make_client(SETTINGS) as client:
        result = await fetch(client, feed, FeedState("Self-signed"), SETTINGS, now=NOW)
    assert result.outcome == "error" and result.error_kind == "network"
    assert result.error is not None and "certificate verify failed" in result.error
    assert "\n" not in result.error and https_server.requests == []


async def test_a_refused_connection_says_so() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once the socket is closed
    feed = FeedConfig("Down", f"http://127.0.0.1:{port}/feed.xml")
    async with make_client(SETTINGS) as client:
        result = await fetch(client, feed, FeedState("Down"), SETTINGS, now=NOW)
    assert result.error_kind == "network"
    assert result.error == "could not connect to 127.0.0.1: Connection refused"
