"""The benchmark's feed server, in its own process so it never competes for our GIL.

``python bench/server.py DIR`` serves every ``DIR/*.xml`` at ``/feeds/<name>`` on
127.0.0.1 (a free port) through :class:`monitor.demo.DemoServer` (pre-rendered bodies,
ETag / If-None-Match -> 304, HTTP/1.1 keep-alive), prints the base URL on one line and
runs until its stdin closes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from monitor.demo import DemoServer, Document

RSS = "application/rss+xml; charset=utf-8"


def serve(directory: Path) -> None:
    documents = {
        f"/feeds/{p.name}": Document(p.read_bytes(), RSS) for p in sorted(directory.glob("*.xml"))
    }
    for page in sorted((directory / "site").rglob("*.html")):  # site/news/x.html is /news/x
        path = "/" + page.relative_to(directory / "site").with_suffix("").as_posix()
        documents[path] = Document(page.read_bytes(), "text/html; charset=utf-8")
    with DemoServer(documents) as server:
        print(server.base, flush=True)
        sys.stdin.read()  # until the parent closes our stdin (or dies)


class FeedServer:
    """Start/stop the server subprocess from the benchmark."""

    def __init__(self, directory: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), str(directory)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"feed server did not start (said {line!r})")
        self.base = line

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> FeedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
