"""``monitor demo``: the real UI on bundled sample feeds, offline, with a throwaway history.

The sample items live in ``monitor/data/demo/items.json``; at start-up they are rendered
into documents shaped like the real sources (UNN RSS in English and in windows-1251
Ukrainian, the Ministry of Defence's HTML news listing), dated relative to now
(:mod:`monitor.demo.documents`), and served by :class:`DemoServer` (:mod:`monitor.demo.server`)
on 127.0.0.1 with ETag/Last-Modified support. One extra feed always answers 503 with
``Retry-After`` so the feeds panel shows a failure. This module writes the demo's feeds.toml
and opens the UI.

Headless glue: nothing here imports Textual or Rich; only :func:`run_demo` imports the app,
lazily. Nothing here touches the network beyond 127.0.0.1.
"""

from __future__ import annotations

import json
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TextIO

from monitor.demo.documents import (
    RETRY_AFTER_SECONDS,
    UNAVAILABLE_PATH,
    Document,
    build_documents,
    data_dir,
    load_sample,
)
from monitor.demo.server import DemoServer

__all__ = [
    "RETRY_AFTER_SECONDS",
    "UNAVAILABLE_PATH",
    "DemoServer",
    "Document",
    "build_documents",
    "load_sample",
    "prepare_demo",
    "run_demo",
    "write_config",
]

Runner = Callable[[Path, Path], int]


def _toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


def write_config(directory: Path, base: str, history: Path) -> Path:
    """Write the demo feeds.toml into ``directory`` with the server address filled in."""
    template = (data_dir() / "feeds.toml").read_text(encoding="utf-8")
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
