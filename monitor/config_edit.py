"""Add entries to feeds.toml from code, keeping every byte the user wrote.

`monitor add`, `monitor opml import` and the UI's "save this search" all write through
`append_entries`: the new `[[table]]` blocks go right after the last entry of that table (or
at the end of the file when there is none yet), nothing else in the file changes, the result is
validated as a whole config before it replaces the file, and the replacement is atomic.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit

from .atomic import write_text_atomic
from .config import config_from_text
from .errors import ConfigError, MonitorError
from .models import Config

# A table header at the start of a line: `[name]` or `[[name]]` (comments and indentation
# allowed around it). Lines inside multi-line strings are skipped by `_header_lines`.
_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(#.*)?$")
_AOT_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.\-]+)\s*\]\]\s*(#.*)?$")


@dataclass(frozen=True)
class Edit:
    """The outcome of an edit: the new text and the config it validates to."""

    text: str
    config: Config
    inserted_at: int  # character offset of the inserted block in `text`
    inserted: str


def render_entries(table: str, entries: Sequence[Mapping[str, Any]]) -> str:
    """`[[table]]` blocks for ``entries``, rendered and escaped by tomlkit."""
    blocks = []
    for entry in entries:
        doc = tomlkit.document()
        aot = tomlkit.aot()
        item = tomlkit.table()
        for key, value in entry.items():
            item.add(key, value)
        aot.append(item)
        doc.add(table, aot)
        blocks.append(tomlkit.dumps(doc).strip("\n") + "\n")
    return "\n".join(blocks)


def plan_append(text: str, path: Path, table: str, entries: Sequence[Mapping[str, Any]]) -> Edit:
    """Work out the new text for ``entries`` added to ``table``; raise ConfigError when the
    current text or the result does not validate. Writes nothing."""
    config_from_text(text, path)  # the file as it is must be good before we touch it
    block = render_entries(table, entries)
    offset, prefix = _insertion_point(text, table)
    inserted = prefix + block
    new_text = text[:offset] + inserted + text[offset:]
    if not _appended_exactly(text, new_text, table, entries):
        # Unusual layout (e.g. a header inside a multi-line string): fall back to the end.
        offset = len(text)
        inserted = ("" if text.endswith("\n") or not text else "\n") + "\n" + block
        new_text = text + inserted
        if not _appended_exactly(text, new_text, table, entries):
            raise MonitorError(f"{path}: cannot add to [[{table}]] without changing other entries")
    config = config_from_text(new_text, path)
    return Edit(new_text, config, offset, inserted)


def append_entries(path: Path, table: str, entries: Sequence[Mapping[str, Any]]) -> Edit:
    """Append ``entries`` to ``[[table]]`` in the feeds.toml at ``path``, atomically.

    Raises ConfigError (the file does not validate before or after; it is left untouched) or
    MonitorError (cannot read or write it)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MonitorError(
            f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    edit = plan_append(text, path, table, entries)
    write_text_atomic(path, edit.text)
    return edit


def _insertion_point(text: str, table: str) -> tuple[int, str]:
    """Where a new ``[[table]]`` block goes, and the line breaks to put before it (the block
    ends with its own).

    After the last key line of the last ``[[table]]`` entry, so comments and blank lines that
    introduce the next section stay with that section; at the end of the file when the table
    has no entry yet."""
    lines = text.splitlines(keepends=True)
    headers = _header_lines(lines)
    last = None
    for number, name, is_aot in headers:
        if is_aot and name == table:
            last = number
    if last is None:
        sep = "" if not text or text.endswith("\n") else "\n"
        return len(text), sep + ("\n" if text else "")
    following = [n for n, _, _ in headers if n > last]
    stop = following[0] if following else len(lines)
    end = last
    for number in range(last, stop):
        stripped = lines[number].strip()
        if stripped and not stripped.startswith("#"):
            end = number
    offset = sum(len(line) for line in lines[: end + 1])
    prefix = "" if lines[end].endswith("\n") else "\n"
    return offset, prefix + "\n"


def _header_lines(lines: list[str]) -> list[tuple[int, str, bool]]:
    """(line index, table name, is array-of-tables) for each header outside multi-line strings."""
    out: list[tuple[int, str, bool]] = []
    in_string: str | None = None
    for number, line in enumerate(lines):
        if in_string is None and (m := _HEADER.match(line)):
            aot = _AOT_HEADER.match(line)
            out.append((number, aot[1] if aot else m[1], aot is not None))
            continue
        for quote in ('"""', "'''"):
            count = line.count(quote)
            if in_string is None and count % 2 == 1:
                in_string = quote
                break
            if in_string == quote and count % 2 == 1:
                in_string = None
                break
    return out


def _appended_exactly(old: str, new: str, table: str, entries: Sequence[Mapping[str, Any]]) -> bool:
    """True when ``new`` parses to ``old`` with ``entries`` added at the end of ``table``."""
    try:
        before = tomllib.loads(old)
        after = tomllib.loads(new)
    except tomllib.TOMLDecodeError:
        return False
    expected = dict(before)
    expected[table] = list(before.get(table, [])) + [
        tomllib.loads(render_entries(table, [entry]))[table][0] for entry in entries
    ]
    return after == expected
