"""feeds.toml: syntax errors with line numbers, every schema problem at once, durations."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from monitor.config import load_config, parse_duration, parse_size
from monitor.errors import ConfigError
from monitor.paths import shipped_feeds_toml

REPO_FEEDS = Path(__file__).resolve().parents[2] / "feeds.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value.problems


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        [settings]
        poll_interval = "15m"
        [[feeds]]
        name = "A"
        url = https://example.org/rss
        """,
    )
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:5: ")
    assert "line 5" not in problem  # moved to the prefix, not repeated


def test_unterminated_string_at_end_of_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[settings]\npoll_interval = "15m\n')
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:2: ")


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "feeds.toml"
    (problem,) = problems(path)
    assert str(path) in problem and "no such file" in problem


def test_every_schema_problem_is_reported_together(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        [settings]
        poll_interval = "0"
        retention_days = -3
        max_body_bytes = "lots"

        [[feeds]]
        name = "UNN (English)"
        url = "ftp://x"

        [[feeds]]
        name = "UNN (English)"
        url = "https://unn.ua/en/rss/world_en.xml"

        [[feeds]]
        name = "MoD"
        url = "https://mod.gov.ua/news"
        kind = "page"

        [[feeds]]
        name = "Bad regex"
        url = "https://example.org/news"
        kind = "page"
        links = "(unclosed"

        [[feeds]]
        name = "Odd kind"
        url = "https://example.org/"
        kind = "html"
        interval = "soon"

        [[watchlists]]
        name = "PURL"
        terms = "PURL"

        [[watchlists]]
        name = "Empty"
        terms = []

        [[watchlists]]
        name = "PURL"
        terms = ["x"]
        """,
    )
    found = problems(path)
    expected = [
        (2, "settings: poll_interval"),
        (3, "settings: retention_days"),
        (4, "settings: max_body_bytes"),
        (8, 'feed "UNN (English)": url must be an http(s) URL, got "ftp://x"'),
        (11, 'feed "UNN (English)": duplicate feed name'),
        (14, 'feed "MoD": kind = "page" needs links'),
        (23, 'feed "Bad regex": links is not a valid regular expression'),
        (28, 'feed "Odd kind": kind must be "feed", "page" or "sitemap", got "html"'),
        (29, 'feed "Odd kind": interval is not a valid duration'),
        (33, 'watchlist "PURL": terms must be a list of strings'),
        (37, 'watchlist "Empty": terms is empty'),
        (40, 'watchlist "PURL": duplicate watchlist name'),
    ]
    assert len(found) == len(expected), found
    for line, text in expected:
        assert any(p.startswith(f"{path}:{line}: {text}") for p in found), (line, text, found)
    assert all("\n" not in p for p in found)


def test_unknown_key_suggests_the_nearest(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        [settings]
        pol_interval = "15m"

        [[feeds]]
        name = "A"
        url = "https://example.org/rss"
        intervall = "15m"

        [[watchlists]]
        name = "W"
        term = ["x"]
        """,
    )
    found = problems(path)
    assert (
        f'{path}:2: settings: unknown key "pol_interval" (did you mean "poll_interval"?)' in found
    )
    assert f'{path}:7: feed "A": unknown key "intervall" (did you mean "interval"?)' in found
    assert any(
        p.startswith(f'{path}:11: watchlist "W": unknown key "term" (did you mean "terms"?)')
        for p in found
    )
    assert any('watchlist "W": terms is missing' in p for p in found)


def test_valid_config_and_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        [settings]
        poll_interval = "10m"
        history = "data/history.json"
        max_body_bytes = "2MB"
        retention_days = 0

        [[feeds]]
        name = "A"
        url = "https://example.org/rss"

        [[feeds]]
        name = "B"
        url = "http://example.org/news"
        kind = "page"
        links = '^http://example\\.org/news/\\d+$'
        interval = "1h"
        enabled = false

        [[watchlists]]
        name = "PURL"
        case_sensitive = true
        terms = ["PURL"]
        """,
    )
    config = load_config(path)
    assert config.settings.poll_interval == 600
    assert config.settings.history == tmp_path / "data" / "history.json"
    assert config.settings.max_body_bytes == 2 * 1024 * 1024
    assert config.settings.retention_days is None  # 0 keeps everything
    a, b = config.feeds
    assert (a.interval, a.kind, a.enabled) == (600, "feed", True)
    assert (b.interval, b.kind, b.enabled, b.links) == (
        3600,
        "page",
        False,
        r"^http://example\.org/news/\d+$",
    )
    assert config.watchlists[0].case_sensitive is True
    assert config.path == path


def test_history_tilde_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = write(tmp_path, '[settings]\nhistory = "~/h.json"\n')
    assert load_config(path).settings.history == tmp_path / "home" / "h.json"


def test_no_feeds_is_allowed(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[settings]\n"))
    assert config.feeds == () and config.watchlists == ()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("2h", 7200),
        ("1d", 86400),
        ("1h30m", 5400),
        ("600", 600),
        (45, 45),
        ("1.5h", 5400),
    ],
)
def test_parse_duration(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["0", "-5", 0, -1, "", "15 minutes", "m", "15x", True, "1h-2m"])
def test_parse_duration_rejects(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)  # type: ignore[arg-type]


def test_parse_size() -> None:
    assert parse_size("5MB") == 5 * 1024 * 1024
    assert parse_size("512KB") == 512 * 1024
    assert parse_size(1000) == 1000
    for bad in ("0", "-1MB", "5 parsecs", True):
        with pytest.raises(ValueError):
            parse_size(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", [REPO_FEEDS, shipped_feeds_toml()], ids=["repo", "package"])
def test_shipped_feeds_toml_loads(path: Path) -> None:
    config = load_config(path)
    names = {f.name for f in config.feeds}
    assert any(f.url == "https://unn.ua/rss/news_uk.xml" for f in config.feeds)
    assert all(f.url.startswith("https://") for f in config.feeds)
    mod = next(f for f in config.feeds if f.url == "https://mod.gov.ua/news")
    assert mod.kind == "page" and mod.links
    assert {w.name for w in config.watchlists} == {"Drone Deal", "PURL"}
    assert len(names) == len(config.feeds) >= 4


@pytest.mark.parametrize(
    ("value", "wanted"),
    [
        ("inf", "finite"),
        ("nan", "finite"),
        ('"999999999999d"', "at most 365 days"),
        ('"366d"', "at most 365 days"),
    ],
)
def test_out_of_range_intervals_are_config_errors(tmp_path: Path, value: str, wanted: str) -> None:
    """Caught by `monitor check`, instead of an OverflowError in a later poll."""
    path = write(
        tmp_path,
        f"""\
        [[feeds]]
        name = "A"
        url = "https://example.org/rss"
        interval = {value}
        """,
    )
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:4: ") and "interval" in problem and wanted in problem


def test_durations_up_to_a_year_are_fine() -> None:
    assert parse_duration("365d") == 365 * 86400
    for bad in (float("inf"), float("-inf"), float("nan"), 10**400, "9" * 400):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_retention_days_is_capped(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        [settings]
        poll_interval = inf
        retention_days = 1000000000
        """,
    )
    assert [p.split(": ", 1)[0] for p in problems(path)] == [f"{path}:2", f"{path}:3"]
    assert (
        load_config(write(tmp_path, "[settings]\nretention_days = 36500\n")).settings.retention_days
        == 36500
    )


def test_names_differing_only_in_surrounding_spaces_are_duplicates(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        [[feeds]]
        name = "A"
        url = "https://example.org/a"
        [[feeds]]
        name = "A "
        url = "https://example.org/b"
        [[watchlists]]
        name = " Drones"
        terms = ["drone"]
        [[watchlists]]
        name = "Drones"
        terms = ["UAV"]
        """,
    )
    found = problems(path)
    assert len(found) == 2
    assert found[0].startswith(f"{path}:5: ") and "duplicate feed name" in found[0]
    assert found[1].startswith(f"{path}:11: ") and "duplicate watchlist name" in found[1]


def test_true_false_settings_must_be_booleans(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[feeds]]
        name = "a"
        url = "https://example.org/rss"
        enabled = "yes"

        [[watchlists]]
        name = "W"
        terms = ["x"]
        case_sensitive = 1
    """,
    )
    assert problems(path) == [
        f'{path}:5: feed "a": enabled must be true or false, got ' + repr("yes"),
        f'{path}:10: watchlist "W": case_sensitive must be true or false, got 1',
    ]


def test_parser_setting_is_auto_or_feedparser(tmp_path: Path) -> None:
    feed = '[[feeds]]\nname = "A"\nurl = "https://example.org/rss"\n'
    assert load_config(write(tmp_path, feed)).settings.parser == "auto"
    path = write(tmp_path, '[settings]\nparser = "feedparser"\n' + feed)
    assert load_config(path).settings.parser == "feedparser"
    (problem,) = problems(write(tmp_path, '[settings]\nparser = "fast"\n' + feed))
    assert problem.startswith(f"{tmp_path / 'feeds.toml'}:2: ")
    assert 'parser must be "auto" or "feedparser", got \'fast\'' in problem
