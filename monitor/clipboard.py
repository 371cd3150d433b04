"""Copying text to the system clipboard with the tool the desktop provides.

A terminal's own clipboard escape (OSC 52) is silently dropped by many setups (tmux's default
``set-clipboard``, some terminals), so "Copied" would be a guess. A clipboard tool either
succeeds or fails, and the UI can say which; OSC 52 is the fallback, worded as what it is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping

TIMEOUT_SECONDS = 3.0

# (program, arguments, the environment variable its display needs, or None)
_TOOLS: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    ("wl-copy", (), "WAYLAND_DISPLAY"),
    ("xclip", ("-selection", "clipboard", "-in"), "DISPLAY"),
    ("xsel", ("--clipboard", "--input"), "DISPLAY"),
    ("pbcopy", (), None),
)


def clipboard_tool(env: Mapping[str, str] | None = None) -> list[str] | None:
    """The command that copies its standard input to the clipboard here, or None.

    A tool counts only when its display is there (wl-copy needs Wayland, xclip/xsel an X
    display): over SSH an installed xclip has nothing to copy to."""
    env = os.environ if env is None else env
    path = env.get("PATH", os.defpath)
    for program, args, display in _TOOLS:
        if display is not None and not env.get(display):
            continue
        if program == "pbcopy" and sys.platform != "darwin":
            continue
        found = shutil.which(program, path=path)
        if found:
            return [found, *args]
    return None


def copy_with_tool(text: str, env: Mapping[str, str] | None = None) -> str | None:
    """Copy ``text`` with the system's clipboard tool; the tool's name when it worked."""
    command = clipboard_tool(env)
    if command is None:
        return None
    try:
        done = subprocess.run(
            command,
            input=text.encode("utf-8"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=TIMEOUT_SECONDS,
            env=None if env is None else dict(env),
            check=False,
            start_new_session=True,  # wl-copy/xclip may stay to serve the selection
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return os.path.basename(command[0]) if done.returncode == 0 else None
