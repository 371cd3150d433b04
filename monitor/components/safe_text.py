"""Feed text made safe to show: control characters removed, never read as markup.

Every string that came from a feed goes through here and into a ``rich.text.Text``
(which is never parsed for markup), so ``[bold red]ALERT[/]`` shows as those characters.
"""

from __future__ import annotations

import re

# C0 (except tab/newline), DEL, C1 (ESC is \x1b, in C0), and bidi overrides/isolates,
# which could reorder what is shown.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\u2028\u2029]+")


def one_line(text: str) -> str:
    """``text`` on one line: breaks collapsed to a space, control characters removed."""
    return _CONTROL.sub("", _BREAKS.sub(" ", text)).strip()


def clean_with_offsets(text: str) -> tuple[str, list[int]]:
    """``text`` without control characters (tabs become spaces, newlines are kept), plus
    ``mapping[i]``: the new offset of old offset ``i``.

    ``mapping`` has ``len(text) + 1`` entries so an end offset maps too; match offsets
    recorded on the raw text keep pointing at the same characters after cleaning.
    """
    out: list[str] = []
    mapping: list[int] = []
    for ch in text:
        mapping.append(len(out))
        if ch == "\t":
            out.append(" ")
        elif ch == "\r" or _CONTROL.match(ch):
            continue
        else:
            out.append(ch)
    mapping.append(len(out))
    return "".join(out), mapping
