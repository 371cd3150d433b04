"""Alerts after a poll: what they say, how they reach a terminal, and notify_command."""

from __future__ import annotations

import json
import stat
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor.alerts import (
    Alert,
    build_alert,
    choose_mode,
    fill_command,
    run_notify_command,
    terminal_sequence,
)
from monitor.cli import main
from monitor.config import load_config
from monitor.errors import ConfigError
from monitor.match import Matcher
from monitor.models import Item, Watchlist, utcnow
from tests.helpers.feedserver import FeedServer, rss

LISTS = [
    Watchlist("Drone Deal", ("drone deal",)),
    Watchlist("PURL", ("PURL",)),
    Watchlist("Noise", ("weather",), notify=False),
]
NOW = datetime(2026, 11, 30, 10, tzinfo=timezone.utc)
EVIL = "Drone deal \x1b]0;owned\x07 signed\x1b[2J\r\n--help {links}"


def items(*titles: str) -> list[Item]:
    matcher = Matcher(LISTS)
    out = []
    for n, title in enumerate(titles):
        it = Item(
            id=f"f:{n}",
            feed="f",
            title=title,
            link=f"https://example.org/{n}",
            summary="",
            published=NOW - timedelta(minutes=n),
            first_seen=NOW,
        )
        matcher.apply(it)
        out.append(it)
    return out


def test_alert_names_the_watchlists_and_three_newest_titles() -> None:
    new = items(
        "PURL one",
        "Drone deal two",
        "Weather three",
        "PURL four",
        "PURL and drone deal",
    )
    alert = build_alert(new, LISTS)
    assert alert is not None
    assert alert.count == 4  # "Weather three" only hit a watchlist with notify = false
    assert alert.watchlists == (("Drone Deal", 2), ("PURL", 3))  # feeds.toml order
    assert alert.titles == ("PURL one", "Drone deal two", "PURL four")
    assert alert.title == "monitor: 4 new matches"
    assert alert.body.splitlines() == [
        "Drone Deal 2, PURL 3",
        "• PURL one",
        "• Drone deal two",
        "• PURL four",
        "and 1 more",
    ]
    assert alert.links == (
        "https://example.org/0",
        "https://example.org/1",
        "https://example.org/3",
    )


def test_no_alert_without_notifying_hits() -> None:
    assert build_alert(items("Weather today", "Nothing at all"), LISTS) is None
    assert build_alert([], LISTS) is None


def test_feed_text_cannot_inject_a_terminal_sequence() -> None:
    alert = build_alert(items(EVIL), LISTS)
    assert alert is not None
    title = alert.titles[0]
    assert "\x1b" not in title and "\x07" not in title and "\n" not in title and "\r" not in title
    for mode in ("osc9", "osc777", "osc99"):
        seq = terminal_sequence(alert, mode, {})
        # exactly the sequences we wrote: one OSC per part, each ended once
        assert seq.count("\x1b]") == (2 if mode == "osc99" else 1)
        assert seq.count("\x07") + seq.count("\x1b\\") == seq.count("\x1b]")
        assert "owned" not in seq.split("\x1b]")[0]
        assert "2J" not in seq or "\x1b[2J" not in seq
    osc777 = terminal_sequence(alert, "osc777", {})
    assert osc777.startswith("\x1b]777;notify;monitor: 1 new match;")
    assert osc777.count(";") == 3  # a ";" in a title cannot add a field


def test_mode_chosen_from_the_environment_and_wrapped_for_tmux() -> None:
    assert choose_mode("auto", {"KITTY_WINDOW_ID": "3", "TERM": "xterm-kitty"}) == "osc99"
    assert choose_mode("auto", {"TERM_PROGRAM": "iTerm.app"}) == "osc9"
    assert choose_mode("auto", {"TERM_PROGRAM": "WezTerm"}) == "osc777"
    assert choose_mode("auto", {"TERM": "foot"}) == "osc777"
    assert choose_mode("auto", {"TERM": "xterm-256color"}) == "bell"
    assert choose_mode("osc9", {"KITTY_WINDOW_ID": "3"}) == "osc9"  # an explicit choice wins
    alert = build_alert(items("PURL news"), LISTS)
    assert alert is not None
    assert terminal_sequence(alert, "auto", {"TERM": "dumb"}) == "\a"
    assert terminal_sequence(alert, "off", {"KITTY_WINDOW_ID": "1"}) == ""
    wrapped = terminal_sequence(alert, "osc9", {"TMUX": "/tmp/tmux-1/default,1,0"})
    assert wrapped.startswith("\x1bPtmux;\x1b\x1b]9;") and wrapped.endswith("\x1b\\")
    assert terminal_sequence(alert, "bell", {"TMUX": "x"}) == "\a"


def test_placeholders_fill_one_argument_each_in_one_pass() -> None:
    alert = build_alert(items(EVIL), LISTS)
    assert alert is not None
    argv = fill_command(["notify", "-u", "{title}", "{body}", "n={count}", "{unknown}"], alert)
    assert len(argv) == 6
    assert argv[2] == "monitor: 1 new match"
    assert argv[3].startswith("Drone Deal 1\n• Drone deal") and "--help {links}" in argv[3]
    assert argv[4] == "n=1" and argv[5] == "{unknown}"


# -- a real helper script as notify_command --------------------------------------------------


def helper(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "notify-helper"
    script.write_text(f"#!{sys.executable}\n{body}", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


RECORDER = """
import json, os, sys
out = os.environ["RECORD_TO"]
with open(out, "a", encoding="utf-8") as fh:
    fh.write(json.dumps({"argv": sys.argv[1:],
                         "env": {k: v for k, v in os.environ.items() if k.startswith("MONITOR_")}})
             + "\\n")
"""


def write_config(tmp_path: Path, server: FeedServer, command: list[str]) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(
        f"""
[settings]
notify_command = {json.dumps(command)}

[[feeds]]
name = "Good"
url = "{server.url("/good.xml")}"

[[watchlists]]
name = "Drone Deal"
terms = ["drone deal"]

[[watchlists]]
name = "Weather"
terms = ["weather"]
notify = false
""",
        encoding="utf-8",
    )
    return path


def serve(server: FeedServer, *titles: str) -> None:
    recent = utcnow() - timedelta(hours=1)
    server.route(
        "/good.xml",
        rss(
            [
                {
                    "title": t,
                    "link": f"https://example.org/news/{n}",
                    "guid": str(n),
                    "pubDate": recent - timedelta(minutes=n),
                    "description": "text",
                }
                for n, t in enumerate(titles)
            ]
        ),
    )


def test_poll_runs_notify_command_with_arguments_and_environment(
    tmp_path: Path,
    feed_server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    record = tmp_path / "record.jsonl"
    monkeypatch.setenv("RECORD_TO", str(record))
    script = helper(tmp_path, RECORDER)
    serve(
        feed_server,
        "Drone deal; rm -rf ~ $(reboot) \x1b]2;x\x07",
        "Drone deal again",
        "Weather",
    )
    config = write_config(tmp_path, feed_server, [str(script), "{title}", "{body}", "{links}"])
    db = tmp_path / "history.json"
    assert main(["poll", "--config", str(config), "--db", str(db)]) == 0
    calls = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
    assert len(calls) == 1  # one alert per poll
    argv, env = calls[0]["argv"], calls[0]["env"]
    assert len(argv) == 3
    assert argv[0] == "monitor: 2 new matches"
    assert argv[1].splitlines() == [
        "Drone Deal 2",
        "• Drone deal; rm -rf ~ $(reboot)",
        "• Drone deal again",
    ]
    assert argv[2].splitlines() == [
        "https://example.org/news/0",
        "https://example.org/news/1",
    ]
    assert env["MONITOR_COUNT"] == "2" and env["MONITOR_WATCHLISTS"] == "Drone Deal"
    assert env["MONITOR_TITLE"] == argv[0] and env["MONITOR_BODY"] == argv[1]
    assert env["MONITOR_LINKS"] == argv[2]
    assert capsys.readouterr().err == ""

    # Nothing new: no alert.
    assert main(["poll", "--config", str(config), "--db", str(db)]) == 0
    assert len(record.read_text(encoding="utf-8").splitlines()) == 1


def test_a_failing_notify_command_is_reported_not_fatal(
    tmp_path: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    script = helper(
        tmp_path, "import sys\nprint('no display here', file=sys.stderr)\nsys.exit(3)\n"
    )
    serve(feed_server, "Drone deal signed")
    config = write_config(tmp_path, feed_server, [str(script), "{body}"])
    assert main(["poll", "--config", str(config), "--db", str(tmp_path / "h.json")]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("Good: 1 new, 1 matched")
    err = captured.err.strip()
    assert err == f"monitor: notify_command: {script} exited with status 3: no display here"

    serve(feed_server, "Drone deal two")
    config = write_config(tmp_path, feed_server, [str(tmp_path / "missing-program"), "{body}"])
    assert main(["poll", "--config", str(config), "--db", str(tmp_path / "h2.json")]) == 0
    assert "notify_command: program not found: " in capsys.readouterr().err


def test_a_hanging_notify_command_is_killed(tmp_path: Path) -> None:
    # The helper starts a grandchild that keeps stderr open: both must go.
    pidfile = tmp_path / "pids"
    script = helper(
        tmp_path,
        f"""
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
open({str(pidfile)!r}, "w").write(f"{{os.getpid()}} {{child.pid}}")
time.sleep(60)
""",
    )
    alert = Alert(count=1, watchlists=(("PURL", 1),), titles=("t",), links=())
    started = time.monotonic()
    problem = run_notify_command([str(script)], alert, timeout=1.5)
    assert time.monotonic() - started < 10
    assert problem == f"notify_command: {script} did not finish in 1.5 s and was stopped"
    import os

    for pid in map(int, pidfile.read_text().split()):
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"process {pid} still running")


def test_notify_settings_are_validated(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(
        '[settings]\nnotify = "popup"\nnotify_command = ["notify-send", "{titel}"]\n'
        '[[watchlists]]\nname = "X"\nterms = ["x"]\nnotify = "no"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    problems = err.value.problems
    assert any(p.startswith(f"{path}:2: settings: notify must be one of") for p in problems)
    assert any(f"{path}:3:" in p and "unknown placeholder {titel}" in p for p in problems)
    assert any(f"{path}:7:" in p and "notify must be true or false" in p for p in problems)
    path.write_text('[settings]\nnotify_command = "notify-send {title}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "no shell" in err.value.problems[0]
    path.write_text(
        '[settings]\nnotify = "osc99"\nnotify_command = ["n", "{title}"]\n'
        '[[watchlists]]\nname = "X"\nterms = ["x"]\nnotify = false\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.settings.notify == "osc99"
    assert config.settings.notify_command == ("n", "{title}")
    assert config.watchlists[0].notify is False
