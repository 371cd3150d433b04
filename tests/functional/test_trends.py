"""Watchlist trends: hits per day in Kyiv, 7-day figures, spikes; ``monitor trends``."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.cli import main
from monitor.history import History
from monitor.match import Matcher
from monitor.models import Item, Watchlist
from monitor.trends import compute_trends, sparkline

KYIV = ZoneInfo("Europe/Kyiv")
LISTS = [
    Watchlist("Drone Deal", ("drone deal", "дронова угода")),
    Watchlist("PURL", ("PURL",)),
]
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)  # 12:00 in Kyiv (UTC+2 in winter)
_matcher = Matcher(LISTS)
_seq = iter(range(1_000_000))


def item(title: str, when: datetime, feed: str = "UNN") -> Item:
    n = next(_seq)
    it = Item(
        id=f"{feed}:{n}",
        feed=feed,
        title=title,
        link=f"https://example.org/{n}",
        summary="",
        published=when,
        first_seen=when,
    )
    _matcher.apply(it)
    return it


def kyiv(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=KYIV).astimezone(timezone.utc)


def by_day(rows: list, name: str) -> dict[date, int]:
    row = next(r for r in rows if r.name == name)
    return dict(row.days)


def test_days_are_kyiv_days_and_sums_not_maxima() -> None:
    late = datetime(2026, 11, 20, 22, 30, tzinfo=timezone.utc)  # 00:30 on the 21st in Kyiv
    items = [
        item("Drone deal signed", late),
        item("Drone deal: the drone deal in detail", kyiv(2026, 11, 21, 9)),  # two hits, one item
        item("Дронову угоду підписано", kyiv(2026, 11, 21, 23, 59)),
        # 23:59 on the 20th in Kyiv:
        item("Drone deal talk", datetime(2026, 11, 20, 21, 59, tzinfo=timezone.utc)),
        item("Weather", kyiv(2026, 11, 21)),
    ]
    rows = compute_trends(items, ["Drone Deal", "PURL"], now=NOW)
    days = by_day(rows, "Drone Deal")
    assert days[date(2026, 11, 21)] == 3
    assert days[date(2026, 11, 20)] == 1
    assert sum(days.values()) == 4
    assert by_day(rows, "PURL") == {d: 0 for d in days}


def test_every_day_present_and_daylight_saving_handled() -> None:
    # Kyiv moves to summer time on 2026-03-29: 23:30 local on the 29th is 20:30 UTC.
    now = datetime(2026, 4, 2, 9, tzinfo=timezone.utc)
    items = [
        item("PURL money", datetime(2026, 3, 29, 20, 30, tzinfo=timezone.utc)),
        item("PURL money", datetime(2026, 3, 29, 21, 30, tzinfo=timezone.utc)),
    ]  # 00:30 30th
    rows = compute_trends(items, ["PURL"], days=10, now=now)
    days = rows[0].days
    assert [d for d, _ in days] == [date(2026, 3, 24) + timedelta(days=i) for i in range(10)]
    assert dict(days)[date(2026, 3, 29)] == 1 and dict(days)[date(2026, 3, 30)] == 1


def test_week_change_busiest_and_last_hit() -> None:
    items = [item("PURL", kyiv(2026, 11, 30 - d)) for d in range(3)]  # this week: 3
    items += [item("PURL", kyiv(2026, 11, 20, h)) for h in (8, 9, 10, 11, 12)]  # week before: 5
    items.append(item("PURL", kyiv(2026, 9, 1)))  # long ago: last hit would still count
    newest = kyiv(2026, 11, 30, 12, 30)
    items.append(item("PURL finally", newest))
    row = compute_trends(items, ["PURL"], now=NOW)[0]
    assert (row.total_7d, row.previous_7d, row.change) == (4, 5, -1)
    assert row.change_percent == pytest.approx(-20.0)
    assert row.busiest == date(2026, 11, 20) and row.busiest_count == 5
    assert row.last_hit == newest
    quiet = compute_trends(items, ["Drone Deal"], now=NOW)[0]
    assert quiet.last_hit is None and quiet.busiest is None and quiet.change_percent is None


def test_spikes_need_twice_the_trailing_median_and_three_items() -> None:
    items = [item("drone deal", kyiv(2026, 11, d)) for d in range(1, 29)]  # 1 a day
    items += [item("drone deal", kyiv(2026, 11, 15, h)) for h in (1, 2)]  # 15th: 3 = spike
    items += [item("drone deal", kyiv(2026, 11, 20, h)) for h in (1,)]  # 20th: 2, too few
    items += [item("PURL", kyiv(2026, 11, 29, h)) for h in (1, 2)]  # 2 after nothing: too few
    items += [item("PURL", kyiv(2026, 11, 30, h)) for h in (1, 2, 3)]  # 3 after ~0: spike
    rows = compute_trends(items, ["Drone Deal", "PURL"], now=NOW)
    assert rows[0].spikes == (date(2026, 11, 15),)
    assert rows[1].spikes == (date(2026, 11, 30),)


def test_a_busy_baseline_is_no_spike() -> None:
    items = [item("PURL", kyiv(2026, 11, d, h)) for d in range(10, 30) for h in (1, 2, 3)]
    items += [item("PURL", kyiv(2026, 11, 30, h)) for h in range(1, 6)]  # 5 against median 3
    spikes = compute_trends(items, ["PURL"], now=NOW)[0].spikes
    assert date(2026, 11, 30) not in spikes
    assert date(2026, 11, 10) in spikes  # 3 after a quiet fortnight was one


def test_sparkline_has_a_visible_zero_baseline() -> None:
    assert sparkline([0, 1, 0, 8]) == "·▁·█"
    assert sparkline([0, 0]) == "··"
    assert len(sparkline([3] * 30)) == 30


# -- the command ----------------------------------------------------------------------------


def write_history(tmp_path: Path, items: list[Item]) -> tuple[Path, Path]:
    config = tmp_path / "feeds.toml"
    config.write_text(
        '[[feeds]]\nname = "UNN"\nurl = "http://127.0.0.1:9/feed.xml"\n'
        '[[watchlists]]\nname = "Drone Deal"\nterms = ["drone deal", "дронова угода"]\n'
        '[[watchlists]]\nname = "PURL"\nterms = ["PURL"]\n',
        encoding="utf-8",
    )
    db = tmp_path / "history.json"
    History.open(db).add_items(items)
    return config, db


def test_trends_json_lists_every_day(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(timezone.utc)
    items = [item("Drone deal news", now - timedelta(hours=1)) for _ in range(4)]
    items.append(item("PURL news", now - timedelta(days=3)))
    config, db = write_history(tmp_path, items)
    assert main(["trends", "--format", "json", "--config", str(config), "--db", str(db)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["name"] for r in rows] == ["Drone Deal", "PURL"]
    for r in rows:
        dates = [date.fromisoformat(d["date"]) for d in r["days"]]
        assert len(dates) == 30
        assert dates == [dates[0] + timedelta(days=i) for i in range(30)]
        assert dates[-1] == now.astimezone(KYIV).date()
    assert sum(d["count"] for d in rows[0]["days"]) == 4
    assert rows[0]["total_7d"] == 4 and rows[1]["total_7d"] == 1
    assert (
        main(
            [
                "trends",
                "--days",
                "90",
                "--format",
                "json",
                "--config",
                str(config),
                "--db",
                str(db),
            ]
        )
        == 0
    )
    assert all(len(json.loads(x)["days"]) == 90 for x in capsys.readouterr().out.splitlines())


def test_trends_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(timezone.utc)
    config, db = write_history(tmp_path, [item("Drone deal news", now - timedelta(minutes=5))])
    assert main(["trends", "--days", "14", "--config", str(config), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("Drone Deal"))
    assert "·" * 13 + "█" in line
    assert "Europe/Kyiv" in out
    never = next(x for x in out.splitlines() if x.startswith("PURL"))
    assert "never" in never


def test_trends_bad_days_and_missing_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, db = write_history(tmp_path, [])
    assert main(["trends", "--days", "0", "--config", str(config), "--db", str(db)]) == 2
    assert "1 to 3660 days" in capsys.readouterr().err
    assert main(["trends", "--config", str(config), "--db", str(tmp_path / "none.json")]) != 0
    err = capsys.readouterr().err
    assert err.startswith("monitor: ") and len(err.strip().splitlines()) == 1


def test_trends_text_shows_the_last_hit_in_the_display_zone_with_its_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Days are Kyiv's, but a time is shown as every CLI time is: in [settings] timezone
    (else the system's zone), and saying which."""
    monkeypatch.setenv("TZ", "America/New_York")
    when = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(hours=2)
    config, db = write_history(tmp_path, [item("Drone deal news", when)])
    assert main(["trends", "--config", str(config), "--db", str(db)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("Drone Deal"))
    local = when.astimezone(ZoneInfo("America/New_York"))
    assert f"{local:%Y-%m-%d %H:%M} {local.tzname()}" in line
    assert f"{when.astimezone(KYIV):%Y-%m-%d %H:%M}" not in line
