"""Replace a user's text file (a briefing, feeds.toml) atomically, with a one-line error.

The durable replace itself is the history's :func:`monitor.history.files.atomic_write`
(temp file in the same directory, fsync, rename, fsync the directory, mode kept); this only
expands ``~`` and words a failure for the person who asked for the file.
"""

from __future__ import annotations

from pathlib import Path

from .errors import MonitorError
from .history.files import atomic_write


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically; MonitorError naming the file when it cannot."""
    try:
        atomic_write(path.expanduser(), text)
    except OSError as exc:
        raise MonitorError(f"cannot write {path}: {exc.strerror or exc}") from None
