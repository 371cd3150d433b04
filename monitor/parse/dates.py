"""Entry dates as feedparser reads them, with a shortcut for the two shapes feeds really use.

feedparser's ``_parse_date`` tries up to nine date parsers in turn and returns a UTC
``struct_time``; the item keeps it as an aware UTC datetime. Nearly every feed writes either
RFC 822 with a numeric zone (``Mon, 06 Oct 2025 13:59:00 +0200``: RSS) or W3C date-time
(``2025-10-06T13:59:00+03:00``: Atom). For exactly those shapes, in years 1900-2199, the
datetime is computed here directly, with the arithmetic of feedparser's own parsers; any other
string goes to ``_parse_date``. tests/functional/test_parse_dates.py checks the shortcut
against ``_parse_date`` on generated strings, valid and not.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from feedparser.datetimes import _parse_date

__all__ = ["entry_datetime", "struct_to_datetime"]

_UTC = timezone.utc
_MONTHS = {
    name: n
    for n, name in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)
}
# feedparser tries its W3C-DTF parser first: a string starting with a day name is no W3C
# date, and _parse_date_rfc822 reads this shape field by field as the groups below.
_RFC822 = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d?) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" (19\d\d|2[01]\d\d) (\d\d):(\d\d):(\d\d) (?:([+-]\d\d\d\d)|GMT|UT|Z)"
)
# _parse_date_w3dtf: seconds may carry a fraction (dropped); the zone needs its colon
# (feedparser reads "+0330" as +03:00).
_W3DTF = re.compile(
    r"(19\d\d|2[01]\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(?:Z|([+-]\d\d:\d\d))"
)
# "+0200" or "+02:00" -> the timedelta to subtract for UTC (a few dozen zones in practice)
_OFFSETS: dict[str, timedelta] = {}


def _offset(zone: str) -> timedelta:
    offset = _OFFSETS.get(zone)
    if offset is None:
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[-2:]))
        if zone[0] == "-":
            offset = -offset
        if len(_OFFSETS) < 4096:
            _OFFSETS[zone] = offset
    return offset


def struct_to_datetime(value: Any) -> datetime | None:
    """A UTC ``struct_time`` from feedparser as an aware datetime (None when there is none)."""
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=_UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _shortcut(raw: str) -> datetime | None:
    """The datetime of ``raw`` when it has one of the two common shapes, else None."""
    m = _RFC822.fullmatch(raw)
    if m is not None:
        day, month, year, hour, minute, second, zone = m.groups()
        month_n = _MONTHS[month]
    else:
        m = _W3DTF.fullmatch(raw)
        if m is None:
            return None
        year, month, day, hour, minute, second, zone = m.groups()
        month_n = int(month)
    try:
        stamp = datetime(
            int(year), month_n, int(day), int(hour), int(minute), int(second), tzinfo=_UTC
        )
    except ValueError:  # 31 February, hour 24, second 60: feedparser's parsers decide
        return None
    return stamp if zone is None else stamp - _offset(zone)


def entry_datetime(published: str | None, updated: str | None) -> datetime | None:
    """The item's date from an entry's raw published and updated strings, as feedparser's
    ``published_parsed or updated_parsed`` would give it."""
    for raw in (published, updated):
        if not raw:
            continue
        quick = _shortcut(raw)
        if quick is not None:
            return quick
        parsed = _parse_date(raw)
        if parsed:
            return struct_to_datetime(parsed)
    return None
