"""Feed text made inert: terminal escapes and control characters removed, one line; http(s) URLs.

The one implementation used by parse (stored text), export (briefings) and fetch (error
messages), so the same input always loses the same characters everywhere.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["is_http_url", "one_line", "shorten", "strip_escapes"]

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
