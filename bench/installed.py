"""Run ``monitor`` as an installation runs it: with its bytecode compiled.

``pip install`` compiles every module of a package it installs (reader, in bench/.peers,
gets its ``.pyc`` that way), and an editable checkout writes its ``__pycache__`` on the
first run, unless ``PYTHONDONTWRITEBYTECODE`` is set, as it is on the development machine.
Without this, every benchmarked ``monitor`` process compiled its own ~100 modules from
source (~80 ms of a warm poll), a cost no installed copy pays.
"""

from __future__ import annotations

import compileall
from pathlib import Path

import monitor


def compile_monitor() -> None:
    """Write the ``.pyc`` of every monitor module (timestamp-checked, so an edited module is
    compiled again; the files land in ``__pycache__``, which git ignores)."""
    compileall.compile_dir(Path(monitor.__file__).parent, quiet=1)
