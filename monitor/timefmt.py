"""Every time shown to a person: one zone, one set of formats.

Times are held in UTC everywhere (``models.py``); they are turned into the reader's zone
only here, on their way to the list, the detail pane, the CLI's lines and the briefing.
The zone is ``[settings] timezone`` (an IANA name such as ``"Europe/Kyiv"``), else the
system's local zone (``TZ`` honoured), resolved by name so that summer time is right for
past dates too, not a fixed offset taken from today.

One process shows one zone: the CLI and the app call :func:`set_zone` when a config is
loaded, and every formatter takes ``tz`` to override it (tests, a second config).
"""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = timezone.utc

_zone: tzinfo | None = None  # set by set_zone(); None: the system's zone, looked up once


def resolve_zone(name: str | None) -> tzinfo:
    """The zone called ``name``, or the system's local zone when ``name`` is None or empty.

    Raises ``ValueError`` with a readable message for a name that is no IANA zone."""
    if name is None or not name.strip():
        return local_zone()
    name = name.strip()
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f'unknown time zone "{name}" (an IANA name like "Europe/Kyiv")') from None


def local_zone() -> tzinfo:
    """The system's zone by name (``TZ`` first, then /etc/localtime), UTC when unknowable."""
    tz_env = os.environ.get("TZ", "").lstrip(":").strip()
    if tz_env:
        try:
            return ZoneInfo(tz_env)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass  # a POSIX rule like "EST5EDT,M3.2.0,M11.1.0": tzlocal reads those
    try:
        import tzlocal

        return tzlocal.get_localzone()
    except Exception:  # noqa: BLE001 - a broken system setting must not stop the app
        return UTC


def set_zone(tz: tzinfo | None) -> None:
    """Make ``tz`` the zone every formatter uses by default (None: the system's)."""
    global _zone
    _zone = tz


def zone() -> tzinfo:
    """The zone times are shown in."""
    global _zone
    if _zone is None:
        _zone = local_zone()
    return _zone


def local(value: datetime, tz: tzinfo | None = None) -> datetime:
    """``value`` in the display zone (a naive value is taken as UTC, as the history does)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz or zone())


def zone_label(value: datetime, tz: tzinfo | None = None) -> str:
    """The zone's abbreviation at ``value`` ("EET", "EEST", "UTC"), else its offset ("+04")."""
    return _label(local(value, tz))


def _label(when: datetime) -> str:
    # zoneinfo writes zones that have no abbreviation as "+04" or "-0330" itself
    return when.tzname() or offset(when)


def offset(value: datetime) -> str:
    """``+02:00`` for an aware datetime."""
    delta = value.utcoffset() or timedelta(0)
    sign = "-" if delta < timedelta(0) else "+"
    minutes = abs(int(delta.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def day(value: datetime, tz: tzinfo | None = None) -> date:
    """The calendar day ``value`` falls on in the display zone (briefings group by it)."""
    return local(value, tz).date()


def midnight(on: date, tz: tzinfo | None = None) -> datetime:
    """The start of the day ``on`` in the display zone, as a UTC datetime."""
    return datetime.combine(on, time(), tz or zone()).astimezone(UTC)


def compact(value: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """``10-01 12:00`` this year, ``2024-10-01`` before: 11 cells, for the item list."""
    when = local(value, tz)
    if when.year == local(now, tz).year:
        return when.strftime("%m-%d %H:%M")
    return when.strftime("%Y-%m-%d ")


def clock(value: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """``12:00`` today, ``10-02 12:00`` on another day."""
    when = local(value, tz)
    if when.date() == local(now, tz).date():
        return when.strftime("%H:%M")
    return when.strftime("%m-%d %H:%M")


def clock_zone(value: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """``12:00 EET`` today, ``2025-10-02 12:00 EET`` on another day (CLI lines, badges)."""
    when = local(value, tz)
    if when.date() == local(now, tz).date():
        return f"{when:%H:%M} {_label(when)}"
    return f"{when:%Y-%m-%d %H:%M} {_label(when)}"


def full(value: datetime | None, tz: tzinfo | None = None) -> str:
    """``2025-10-01 12:00 EEST``; ``unknown`` for None."""
    if value is None:
        return "unknown"
    when = local(value, tz)
    return f"{when:%Y-%m-%d %H:%M} {_label(when)}"


def iso_day(value: datetime, tz: tzinfo | None = None) -> str:
    """``2025-10-01``: the day in the display zone."""
    return day(value, tz).isoformat()


def ago(value: datetime, now: datetime) -> str:
    """``just now``, ``5m ago``, ``3h ago``, ``2d ago`` (zone-free)."""
    seconds = (now - value).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)}m ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h ago"
    return f"{int(seconds // 86400)}d ago"
