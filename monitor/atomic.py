"""Replace a text file atomically: a temp file in the same directory, fsync, rename.

Used for every file monitor writes for the user (briefings, feeds.toml edits), so that a
crash or a full disk leaves either the old file or the new one, never half of either."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .errors import MonitorError


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file in the same directory and a rename.

    A new file gets the usual mode (0666 less the umask); an existing one keeps its own."""
    target = path.expanduser()
    try:
        mode: int | None = os.stat(target).st_mode & 0o7777
    except OSError:
        mode = None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:
            continue
        except OSError as exc:
            raise MonitorError(f"cannot write {path}: {exc.strerror or exc}") from None
    else:
        raise MonitorError(f"cannot write {path}: no free temporary name in {target.parent}")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            if mode is not None:
                os.fchmod(fh.fileno(), mode)
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise MonitorError(f"cannot write {path}: {exc.strerror or exc}") from None
