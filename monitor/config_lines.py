"""Where things are in feeds.toml's text, for ``feeds.toml:LINE: message`` problems: the
line of a table or key (tomllib gives values, not positions) and of a TOML syntax error."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOML_POS = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_EOF = re.compile(r"\s*\(at end of document\)\s*$")


def syntax_problem(label: str, message: str, text: str) -> str:
    """``feeds.toml:LINE: message`` from tomllib's ``... (at line N, column M)``."""
    if m := _TOML_POS.search(message):
        return f"{label}:{m[1]}: TOML syntax error: {message[: m.start()]} (column {m[2]})"
    if m := _TOML_EOF.search(message):
        last = text.count("\n") + (0 if text.endswith("\n") else 1)
        return f"{label}:{max(last, 1)}: TOML syntax error: {message[: m.start()]} (at end of file)"
    return f"{label}: TOML syntax error: {message}"


@dataclass
class SourceLines:
    """Where tables and keys sit in the source text, for line numbers in schema errors."""

    headers: dict[tuple[str, int], int] = field(default_factory=dict)
    keys: dict[tuple[str, int, str], int] = field(default_factory=dict)

    @classmethod
    def scan(cls, text: str) -> SourceLines:
        out = cls()
        counts: dict[str, int] = {}
        current: tuple[str, int] = ("", 0)
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if m := re.match(r"\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]", stripped):
                index = counts.get(m[1], 0)
                counts[m[1]] = index + 1
                current = (m[1], index)
                out.headers[current] = number
            elif m := re.match(r"\[\s*([A-Za-z0-9_.-]+)\s*\]", stripped):
                current = (m[1], 0)
                out.headers[current] = number
            elif m := re.match(r"""([A-Za-z0-9_-]+|"[^"]*"|'[^']*')\s*=""", stripped):
                key = m[1].strip("\"'")
                out.keys.setdefault((*current, key), number)
        return out

    def line(self, table: str, index: int, key: str | None = None) -> int | None:
        if key is not None and (n := self.keys.get((table, index, key))):
            return n
        return self.headers.get((table, index))
