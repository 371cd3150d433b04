"""Feed text made inert: the ONE place feed text is cleaned, for every front end.

Terminal escapes and control characters removed, one line (:func:`one_line`, :func:`clip`),
or paragraphs kept with offsets mapped (:func:`clean_with_offsets`, for highlighting matches in
the detail pane); http(s) URL checks. Used by parse (stored text), export (briefings), fetch
(error messages) and the UI (every row, title and toast), so the same input always loses the
same characters everywhere. The UI puts the result in a Rich ``Text``, never read as markup.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["clean_with_offsets", "clip", "is_http_url", "one_line", "shorten", "strip_escapes"]

# ESC-introduced sequences: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC strings (ended by BEL or
# ST, else by the end of the text, as a terminal would), other two-byte escapes; then the 8-bit
# C1 forms. An 8-bit string needs its terminator (a lone C1 byte is usually mis-decoded
# windows-1252, not an attack), and its payload stops at the next introducer, so scanning stays
# linear; an unterminated introducer is dropped alone, with the other controls.
_ESCAPES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]?                               # CSI
  | \x1b[\]PX^_].*?(?:\x07|\x1b\\|\x9c|$)                  # OSC, DCS, SOS, PM, APC
  | \x9b[0-?]*[ -/]*[@-~]?                                 # 8-bit CSI
  | [\x90\x98\x9d\x9e\x9f][^\x07\x1b\x90\x98\x9b-\x9f]*(?:\x07|\x1b\\|\x9c)  # 8-bit strings
  | \x1b[ -/]*[0-~]?                                       # other escapes
    """,
    re.VERBOSE | re.DOTALL,
)
# C0/C1 controls and DEL, plus bidi embedding/override/isolate marks (they reorder text).
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile(r"[\t-\r\x1c-\x1f\x85\u2028\u2029]+")  # controls that separate words


def strip_escapes(text: str) -> str:
    """``text`` without terminal escape sequences, control characters or bidi overrides;
    line breaks and tabs become spaces (whitespace is otherwise left as it is)."""
    if not _CONTROLS.search(text):  # every escape starts with a control: most text skips
        return text
    text = _ESCAPES.sub("", text)
    return _CONTROLS.sub("", _BREAKS.sub(" ", text))


def one_line(text: str) -> str:
    """:func:`strip_escapes`, then every whitespace run as one space, trimmed."""
    return " ".join(strip_escapes(text).split())  # str.split() splits on exactly what \s matches


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def is_http_url(url: object) -> bool:
    """True for an absolute http(s) URL with a host and no whitespace or control characters."""
    if not isinstance(url, str) or not url or not url.isprintable() or " " in url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def clip(text: str, limit: int) -> str:
    """:func:`one_line`, cut to ``limit`` characters: a name or message inside a longer line."""
    return shorten(one_line(text), limit)


# Controls except tab and newline (the detail pane keeps paragraphs), DEL, C1, bidi marks.
_KEEP_LINES_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


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
        elif ch == "\r" or _KEEP_LINES_CONTROL.match(ch):
            continue
        else:
            out.append(ch)
    mapping.append(len(out))
    return "".join(out), mapping
