"""feeds.toml's ``[settings]`` table, and the value types other tables share: durations
(``"15m"``) and sizes (``"5MB"``).

Each bad value is reported through ``bad(key, message)`` (the validator in
:mod:`monitor.config` adds the file and line) and left at its default, so every problem in
the table is found in one read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from monitor.alerts import NOTIFY_MODES, PLACEHOLDERS
from monitor.models import Settings
from monitor.timefmt import resolve_zone

MAX_DURATION_DAYS = 365  # longest interval/timeout: later date arithmetic must not overflow
MAX_RETENTION_DAYS = 36500  # a hundred years; 0 keeps everything

SETTINGS_KEYS = (
    "poll_interval",
    "history",
    "timeout",
    "connect_timeout",
    "retention_days",
    "user_agent",
    "max_body_bytes",
    "max_redirects",
    "concurrency",
    "per_host",
    "timezone",
    "parser",
    "notify",
    "notify_command",
    "max_text_chars",
    "story_window",
    "story_min_words",
    "story_similarity",
)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.IGNORECASE)
_BYTE_UNITS = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kb": 1024,
    "kib": 1024,
    "m": 1024**2,
    "mb": 1024**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gb": 1024**3,
    "gib": 1024**3,
}
_BYTES = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)

Bad = Callable[[str, str], None]  # bad(key, message): record a problem with a setting


def parse_duration(text: str | int | float) -> float:
    """Seconds in ``"90s"``, ``"15m"``, ``"2h"``, ``"1d"``, ``"1h30m"`` or a bare number of seconds.

    Raises ``ValueError`` (with a user-readable message) for anything else, including
    zero, negative, infinite and NaN durations and any over ``MAX_DURATION_DAYS``.
    """
    if isinstance(text, bool):
        raise ValueError(f'expected a duration like "15m", got {text!r}')
    if isinstance(text, (int, float)):
        # float() of a huge int raises OverflowError: any such number is out of range anyway
        seconds = float(text) if abs(text) < 10**300 else (math.inf if text > 0 else -math.inf)
    elif isinstance(text, str):
        raw = text.strip()
        if re.fullmatch(r"[+-]?\d+(?:\.\d+)?", raw):
            seconds = float(raw)
        else:
            compact = raw.replace(" ", "")
            parts = _DURATION_PART.findall(compact)
            if not compact or "".join(n + u for n, u in parts).lower() != compact.lower():
                raise ValueError(
                    f'expected a duration like "90s", "15m", "2h" or "1d", got "{text}"'
                )
            seconds = sum(float(n) * _UNITS[u.lower()] for n, u in parts)
    else:
        raise ValueError(f'expected a duration like "15m", got {type(text).__name__}')
    if math.isnan(seconds) or math.isinf(seconds):
        raise ValueError(f'expected a finite duration like "15m", got {text!r}')
    if not seconds > 0:
        raise ValueError(f'a duration must be more than zero, got "{text}"')
    if seconds > MAX_DURATION_DAYS * 86400:
        raise ValueError(f'a duration must be at most {MAX_DURATION_DAYS} days, got "{text}"')
    return seconds


def parse_size(value: str | int) -> int:
    """Bytes in ``"5MB"``, ``"512KB"``, ``"1.5MiB"`` or a bare integer (1 KB = 1024 bytes)."""
    if isinstance(value, bool):
        raise ValueError(f'expected a size like "5MB", got {value!r}')
    if isinstance(value, int):
        size = value
    elif isinstance(value, str) and (m := _BYTES.match(value)) and m[2].lower() in _BYTE_UNITS:
        size = int(float(m[1]) * _BYTE_UNITS[m[2].lower()])
    else:
        raise ValueError(f'expected a size like "5MB" or a number of bytes, got "{value}"')
    if size <= 0:
        raise ValueError(f'a size must be more than zero, got "{value}"')
    return size


def read_settings(raw: dict[str, Any], config_dir: Path, bad: Bad) -> Settings:
    """The settings in ``raw`` (the ``[settings]`` table); a relative history path is taken
    from ``config_dir``, the folder of feeds.toml."""
    values: dict[str, Any] = {}
    for key in ("poll_interval", "timeout", "connect_timeout"):
        if key in raw:
            try:
                values[key] = parse_duration(raw[key])
            except ValueError as exc:
                bad(key, f"is not a valid duration ({exc})")
    if "history" in raw:
        value = raw["history"]
        if isinstance(value, str) and value.strip():
            history = Path(value).expanduser()
            if not history.is_absolute():
                history = config_dir / history
            values["history"] = history
        else:
            bad("history", "must be a file path (a non-empty string)")
    if "retention_days" in raw:
        value = raw["retention_days"]
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and 0 <= value <= MAX_RETENTION_DAYS
        ):
            values["retention_days"] = value or None
        else:
            bad(
                "retention_days",
                f"must be a whole number of days from 0 to {MAX_RETENTION_DAYS} "
                f"(0 keeps everything), got {value!r}",
            )
    if "user_agent" in raw:
        value = raw["user_agent"]
        if isinstance(value, str) and value.strip() and value.isprintable():
            values["user_agent"] = value.strip()
        else:
            bad("user_agent", "must be a non-empty string on one line")
    if "max_body_bytes" in raw:
        try:
            values["max_body_bytes"] = parse_size(raw["max_body_bytes"])
        except ValueError as exc:
            bad("max_body_bytes", f"is not a valid size ({exc})")
    for key, minimum in (
        ("max_redirects", 0),
        ("concurrency", 1),
        ("per_host", 1),
        ("max_text_chars", 0),
    ):
        if key in raw:
            value = raw[key]
            if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
                values[key] = value
            else:
                bad(key, f"must be a whole number, {minimum} or more, got {value!r}")
    if "parser" in raw:
        value = raw["parser"]
        if value in ("auto", "feedparser"):
            values["parser"] = value
        else:
            bad("parser", f'must be "auto" or "feedparser", got {value!r}')
    if "timezone" in raw:
        value = raw["timezone"]
        try:
            if not isinstance(value, str):
                raise ValueError(f'must be a zone name like "Europe/Kyiv", got {value!r}')
            resolve_zone(value)
            values["timezone"] = value.strip() or None
        except ValueError as exc:
            bad("timezone", str(exc))
    _notify_settings(raw, values, bad)
    _story_settings(raw, values, bad)
    return Settings(**values)


def _story_settings(raw: dict[str, Any], values: dict[str, Any], bad: Bad) -> None:
    """The thresholds of story grouping (see stories.py)."""
    if "story_window" in raw:
        try:
            values["story_window"] = parse_duration(raw["story_window"])
        except ValueError as exc:
            bad("story_window", f"is not a valid duration ({exc})")
    if "story_min_words" in raw:
        value = raw["story_min_words"]
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 50:
            values["story_min_words"] = value
        else:
            bad("story_min_words", f"must be a whole number from 1 to 50, got {value!r}")
    if "story_similarity" in raw:
        value = raw["story_similarity"]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 1:
            values["story_similarity"] = float(value)
        else:
            bad("story_similarity", f"must be a number above 0 and at most 1, got {value!r}")


def _notify_settings(raw: dict[str, Any], values: dict[str, Any], bad: Bad) -> None:
    """``notify`` (how the TUI alerts) and ``notify_command`` (what `monitor poll` runs)."""
    if "notify" in raw:
        if raw["notify"] in NOTIFY_MODES:
            values["notify"] = raw["notify"]
        else:
            modes = ", ".join(f'"{m}"' for m in NOTIFY_MODES)
            bad("notify", f"must be one of {modes}, got {raw['notify']!r}")
    if "notify_command" in raw:
        command = raw["notify_command"]
        if not is_str_list(command) or not command or not command[0].strip():
            bad(
                "notify_command",
                'must be a list like ["notify-send", "{title}", "{body}"] '
                "(a program and its arguments, no shell)",
            )
        elif any(not a.isprintable() for a in command):
            bad("notify_command", "must not contain control characters")
        else:
            values["notify_command"] = tuple(command)
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            for arg in command:
                for name in re.findall(r"\{(\w+)\}", arg):
                    if name not in PLACEHOLDERS:
                        bad("notify_command", f"unknown placeholder {{{name}}} (known: {known})")


def is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
