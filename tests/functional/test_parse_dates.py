"""The date shortcut (monitor/parse/dates.py) gives exactly what feedparser's ``_parse_date``
gives, on the shapes it reads itself and on everything near them that it must hand over."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from feedparser.datetimes import _parse_date
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.parse.dates import _shortcut, entry_datetime, struct_to_datetime

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "mon", "Foo", ""]
MONTHS = ["Jan", "Feb", "May", "Sep", "Oct", "Dec", "oct", "OCT", "Fooo", "13"]
ZONES = ["+0200", "-0500", "+0000", "-0000", "+0530", "+0299", "GMT", "UT", "Z", "UTC", "EST",
         "+02:00", "+2", "", "gmt+3"]  # fmt: skip
W3_ZONES = ["Z", "+03:00", "-05:30", "+0300", "+03", "z", "", "+99:99", "GMT"]


@st.composite
def rfc822_like(draw: st.DrawFn) -> str:
    day = draw(st.sampled_from(DAYS))
    head = f"{day}, " if day and draw(st.booleans()) else (f"{day} " if day else "")
    num = draw(st.integers(0, 40))
    dd = f"{num:02d}" if draw(st.booleans()) else str(num)
    year = draw(st.sampled_from([1899, 1900, 1970, 1999, 2025, 2038, 2199, 2200, 9999, 25, 95]))
    h, m, s = (draw(st.integers(0, 61)) for _ in range(3))
    clock = f"{h:02d}:{m:02d}:{s:02d}" if draw(st.booleans()) else f"{h:02d}:{m:02d}"
    zone = draw(st.sampled_from(ZONES))
    raw = f"{head}{dd} {draw(st.sampled_from(MONTHS))} {year} {clock} {zone}".strip()
    return draw(st.sampled_from([raw, raw, raw, f" {raw}", raw.replace(" ", "  ", 1)]))


@st.composite
def w3dtf_like(draw: st.DrawFn) -> str:
    year = draw(st.sampled_from([1899, 1900, 1970, 2025, 2199, 2200, 9999]))
    mo, d = draw(st.integers(0, 13)), draw(st.integers(0, 32))
    h, m, s = (draw(st.integers(0, 61)) for _ in range(3))
    frac = draw(st.sampled_from(["", ".5", ".123456", "."]))
    sep = draw(st.sampled_from(["T", "T", "t", " "]))
    return f"{year}-{mo:02d}-{d:02d}{sep}{h:02d}:{m:02d}:{s:02d}{frac}" + draw(
        st.sampled_from(W3_ZONES)
    )


def reference(raw: str) -> datetime | None:
    return struct_to_datetime(_parse_date(raw))


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(st.one_of(rfc822_like(), w3dtf_like(), st.text(max_size=40)))
def test_the_shortcut_agrees_with_feedparser(raw: str) -> None:
    quick = _shortcut(raw)
    if quick is not None:
        assert quick == reference(raw), raw
        assert quick.tzinfo is timezone.utc
    assert entry_datetime(raw, None) == reference(raw)


def test_the_shortcut_reads_the_shapes_feeds_use() -> None:
    want = datetime(2025, 10, 6, 11, 59, tzinfo=timezone.utc)
    assert _shortcut("Mon, 06 Oct 2025 13:59:00 +0200") == want
    assert _shortcut("2025-10-06T14:59:00+03:00") == want
    assert _shortcut("2025-10-06T11:59:00.25Z") == want
    assert _shortcut("Mon, 06 Oct 2025 11:59:00 GMT") == want


def test_updated_is_used_only_when_published_gives_no_date() -> None:
    when = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert entry_datetime("Thu, 02 Jan 2025 03:04:05 GMT", "2020-01-01T00:00:00Z") == when
    assert entry_datetime("", "2025-01-02T03:04:05Z") == when
    assert entry_datetime("yesterday", "2025-01-02T05:04:05+02:00") == when
    assert entry_datetime(None, None) is None
    # a date feedparser parses but cannot place in time stays unknown: no fallback to updated
    assert _parse_date("9999-12-31T23:59:59-14:00")  # a struct for the year 10000
    assert entry_datetime("9999-12-31T23:59:59-14:00", "2025-01-02T03:04:05Z") is None
    assert entry_datetime("Thu, 02 Jan 2025 03:04:05 +0100", None) == when - timedelta(hours=1)
