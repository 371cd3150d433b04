"""The core never imports Textual or Rich: the CLI and cron runs stay light and UI-free."""

from __future__ import annotations

import subprocess
import sys

CORE = [
    "monitor.models",
    "monitor.errors",
    "monitor.paths",
    "monitor.config",
    "monitor.fetch",
    "monitor.parse",
    "monitor.match",
    "monitor.query",
    "monitor.search",
    "monitor.history",
    "monitor.poll",
    "monitor.export",
    "monitor.cli",
    "monitor.demo",
]


def test_core_imports_neither_textual_nor_rich() -> None:
    code = (
        "import sys, importlib\n"
        f"for name in {CORE!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "", f"core pulled in UI modules: {out.stdout.strip()}"


def test_the_ui_does_import_textual() -> None:
    """Guard the guard: the same check does see Textual when the UI is imported."""
    code = "import sys, monitor.app; print('textual' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "True"
