"""Compact UTC times and durations for the panels and the status line."""

from __future__ import annotations

from datetime import datetime, timezone


def utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc)


def compact_time(value: datetime, now: datetime) -> str:
    """``10-01 12:00`` this year, ``2024-10-01`` before (always UTC, 11 cells)."""
    value = utc(value)
    if value.year == utc(now).year:
        return value.strftime("%m-%d %H:%M")
    return value.strftime("%Y-%m-%d ")


def clock_time(value: datetime, now: datetime) -> str:
    """``12:00`` today, ``10-02 12:00`` on another day (UTC)."""
    value = utc(value)
    if value.date() == utc(now).date():
        return value.strftime("%H:%M")
    return value.strftime("%m-%d %H:%M")


def full_time(value: datetime | None) -> str:
    return utc(value).strftime("%Y-%m-%d %H:%M UTC") if value else "unknown"


def ago(value: datetime, now: datetime) -> str:
    """``just now``, ``5m ago``, ``3h ago``, ``2d ago``."""
    seconds = (utc(now) - utc(value)).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)}m ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h ago"
    return f"{int(seconds // 86400)}d ago"
