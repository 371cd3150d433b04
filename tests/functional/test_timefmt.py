"""Times in the reader's zone: [settings] timezone, else the system's (TZ honoured)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor import timefmt
from monitor.cli import main
from monitor.config import load_config
from monitor.errors import ConfigError, MonitorError
from monitor.export import parse_since, to_markdown
from monitor.history import History
from monitor.models import Item, Match
from tests.helpers.pilot import detail_shown, screen_lines

KYIV = ZoneInfo("Europe/Kyiv")
# 23:51 UTC on 30 November is 01:51 on 1 December in Kyiv (EET, +02:00).
LATE = datetime(2025, 11, 30, 23, 51, tzinfo=timezone.utc)
NOW = datetime(2025, 12, 1, 8, 0, tzinfo=timezone.utc)


def late_item() -> Item:
    return Item(
        id="late",
        feed="UNN",
        title="Late news on the Drone Deal",
        link="https://example.org/1",
        summary="The Drone Deal was signed.",
        published=LATE,
        first_seen=LATE,
        matches=[Match("Drone Deal", "Drone Deal", "title", 13, 23, "Drone Deal")],
    )


def test_formats_in_the_given_zone() -> None:
    assert timefmt.full(LATE, KYIV) == "2025-12-01 01:51 EET"
    assert (
        timefmt.full(datetime(2025, 7, 1, 9, 0, tzinfo=timezone.utc), KYIV)
        == "2025-07-01 12:00 EEST"
    )
    assert timefmt.compact(LATE, NOW, KYIV) == "12-01 01:51"
    assert timefmt.clock(LATE, NOW, KYIV) == "01:51"  # the same day in Kyiv
    assert timefmt.clock(LATE, NOW, timezone.utc) == "11-30 23:51"  # not in UTC
    assert timefmt.clock_zone(LATE, NOW, KYIV) == "01:51 EET"
    assert timefmt.iso_day(LATE, KYIV) == "2025-12-01"
    assert timefmt.full(None) == "unknown"


def test_a_zone_without_an_abbreviation_shows_its_offset() -> None:
    assert timefmt.full(LATE, ZoneInfo("Asia/Dubai")) == "2025-12-01 03:51 +04"


def test_the_system_zone_honours_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    timefmt.set_zone(None)
    assert timefmt.full(LATE) == "2025-12-01 08:51 JST"
    monkeypatch.setenv("TZ", ":Europe/Kyiv")  # the leading colon POSIX allows
    assert timefmt.resolve_zone(None) == KYIV


def test_an_unknown_zone_is_a_one_line_config_problem(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(
        '[settings]\npoll_interval = "15m"\ntimezone = "Europe/Kiev-ish"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [
        f'{path}:3: settings: timezone unknown time zone "Europe/Kiev-ish" '
        '(an IANA name like "Europe/Kyiv")'
    ]
    path.write_text('[settings]\ntimezone = "Europe/Kyiv"\n', encoding="utf-8")
    assert load_config(path).settings.timezone == "Europe/Kyiv"


def test_since_a_date_means_midnight_in_the_zone() -> None:
    # Kyiv is on summer time (+03:00) on 1 October: its midnight is 21:00 UTC the day before.
    assert parse_since("2025-10-01", NOW, KYIV) == datetime(2025, 9, 30, 21, 0, tzinfo=timezone.utc)
    assert parse_since("2025-10-01T06:30", NOW, KYIV) == datetime(
        2025, 10, 1, 3, 30, tzinfo=timezone.utc
    )
    assert parse_since("2025-10-01T06:30Z", NOW, KYIV) == datetime(
        2025, 10, 1, 6, 30, tzinfo=timezone.utc
    )


def test_since_in_the_future_is_refused() -> None:
    with pytest.raises(MonitorError, match="in the future"):
        parse_since("2025-12-02", NOW, KYIV)
    # "today" in Kyiv has begun even though it is still yesterday in UTC at 22:30
    assert parse_since("2025-12-01", datetime(2025, 11, 30, 22, 30, tzinfo=timezone.utc), KYIV)


def test_briefing_files_items_under_the_zones_day() -> None:
    md = to_markdown([late_item()], now=NOW, tz=KYIV)
    assert "### 2025-12-01" in md and "### 2025-11-30" not in md
    assert "2025-12-01 01:51 EET" in md
    assert "Generated 2025-12-01 10:00 EET" in md


def test_cli_uses_the_configured_zone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text(
        '[settings]\ntimezone = "Europe/Kyiv"\n\n[[watchlists]]\nname = "Drone Deal"\n'
        'terms = ["Drone Deal"]\n',
        encoding="utf-8",
    )
    db = tmp_path / "history.json"
    History.open(db).add_items([late_item()])
    args = ["export", "--config", str(config), "--db", str(db)]
    assert main([*args, "--since", "2025-12-01"]) == 0
    md = capsys.readouterr().out
    assert "### 2025-12-01" in md and "01:51 EET" in md  # 01:51 in Kyiv is after its midnight
    # a date after today, in Kyiv: exit 2 and one line
    tomorrow = (datetime.now(KYIV) + timedelta(days=2)).date().isoformat()
    assert main([*args, "--since", tomorrow]) == 2
    err = capsys.readouterr().err
    assert err.startswith("monitor: --since: ") and "in the future" in err and err.count("\n") == 1


def test_cli_without_a_setting_uses_tz(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    config = tmp_path / "feeds.toml"
    config.write_text(
        '[[watchlists]]\nname = "Drone Deal"\nterms = ["Drone Deal"]\n', encoding="utf-8"
    )
    db = tmp_path / "history.json"
    History.open(db).add_items([late_item()])
    assert main(["export", "--config", str(config), "--db", str(db)]) == 0
    assert "2025-12-01 08:51 JST" in capsys.readouterr().out


async def test_the_ui_shows_times_in_the_configured_zone(tmp_path: Path) -> None:
    from monitor.app import MonitorApp
    from monitor.match import Matcher
    from tests.helpers.app_fixtures import NOW as APP_NOW
    from tests.helpers.app_fixtures import feeds_toml, make_history

    config_path = tmp_path / "feeds.toml"
    text = feeds_toml().replace(
        'poll_interval = "15m"', 'poll_interval = "15m"\ntimezone = "Europe/Kyiv"'
    )
    config_path.write_text(text, encoding="utf-8")
    config = load_config(config_path)
    matcher = Matcher(config.watchlists)
    history = make_history(tmp_path / "history.json", matcher)
    app = MonitorApp(
        config,
        config_path,
        history,
        matcher,
        clock=lambda: APP_NOW,
        autopoll=False,
        watch_files=False,
    )
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        # the first item was published at 11:00 UTC on 6 October: 14:00 in Kyiv (EEST)
        assert "10-06 14:00" in screen_lines(app)[0]
        assert "2025-10-06 14:00 EEST" in detail_shown(app)


def test_search_lines_mark_undated_items(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text(
        '[[watchlists]]\nname = "Drone Deal"\nterms = ["Drone Deal"]\n', encoding="utf-8"
    )
    db = tmp_path / "history.json"
    undated = Item("u", "MoD", "Drone Deal notice", "https://example.org/u", "", None, LATE)
    History.open(db).add_items([late_item(), undated])
    assert main(["search", "drone", "--config", str(config), "--db", str(db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("~2025-11-30 23:51  MoD") for line in lines), lines
    assert any(line.startswith("2025-11-30 23:51  UNN") for line in lines), lines
