"""Small remembered moments beside the history file: the last briefing, the last look.

Each is one ISO 8601 time in its own file next to ``history.json`` (``history.json.NAME``),
so a read-only or shared history is never rewritten for them; failing to write one only
loses a "new since" marker.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from monitor.models import from_iso, to_iso

LAST_BRIEFING = "last-briefing"
LAST_LOOK = "last-look"


def stamp_path(history_path: Path, name: str) -> Path:
    return history_path.with_name(f"{history_path.name}.{name}")


def read_stamp(history_path: Path | None, name: str) -> datetime | None:
    """The time kept under ``name`` for this history (None: never, or unreadable)."""
    if history_path is None:
        return None
    try:
        return from_iso(stamp_path(history_path, name).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def write_stamp(history_path: Path | None, name: str, when: datetime) -> None:
    """Keep ``when`` under ``name`` (best effort)."""
    if history_path is None:
        return
    try:
        stamp_path(history_path, name).write_text((to_iso(when) or "") + "\n", encoding="utf-8")
    except OSError:
        pass


LAST_EXPORT_FOLDER = "last-export-folder"


def read_note(history_path: Path | None, name: str) -> str | None:
    """One line of text kept under ``name`` (None: none, or unreadable)."""
    if history_path is None:
        return None
    try:
        return stamp_path(history_path, name).read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def write_note(history_path: Path | None, name: str, text: str) -> None:
    """Keep one line of text under ``name`` (best effort)."""
    if history_path is None:
        return
    try:
        stamp_path(history_path, name).write_text(text.strip() + "\n", encoding="utf-8")
    except OSError:
        pass
