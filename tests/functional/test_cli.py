"""The command line, in-process via main([...]) and as a real subprocess.

Every test points --config/--db into tmp_path; subprocesses also get HOME and the XDG dirs
in tmp_path, so nothing touches the user's real files.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import types
from datetime import timedelta
from pathlib import Path

import pytest

from monitor import cli
from monitor.cli import main
from monitor.history import History
from monitor.models import utcnow
from tests.helpers.feedserver import FeedServer, rss

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
if not PYTHON.exists():  # e.g. run from another interpreter: use it
    PYTHON = Path(sys.executable)

WATCHLISTS = """
[[watchlists]]
name = "Drone Deal"
terms = ["Drone Deal", "дронова угода"]

[[watchlists]]
name = "PURL"
case_sensitive = true
terms = ["PURL"]
"""


def isolated_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "xdg-config"),
        XDG_DATA_HOME=str(tmp_path / "xdg-data"),
        XDG_CACHE_HOME=str(tmp_path / "xdg-cache"),
        XDG_STATE_HOME=str(tmp_path / "xdg-state"),
        PYTHONPATH=str(ROOT),
        NO_COLOR="1",
    )
    return env


def run(tmp_path: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PYTHON), "-m", "monitor", *args],
        cwd=tmp_path,
        env=isolated_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def good_feed_body() -> bytes:
    recent = utcnow() - timedelta(hours=1)
    return rss(
        [
            {
                "title": "Denmark joins the Drone Deal",
                "link": "https://example.org/news/1",
                "guid": "1",
                "pubDate": recent,
                "description": "Kyiv and Copenhagen signed the <b>Drone Deal</b>.",
            },
            {
                "title": "New PURL package announced",
                "link": "https://example.org/news/2",
                "guid": "2",
                "pubDate": recent - timedelta(minutes=5),
                "description": "NATO allies fund it.",
            },
            {
                "title": "Weather in Kyiv",
                "link": "https://example.org/news/3",
                "guid": "3",
                "pubDate": recent - timedelta(minutes=10),
                "description": "Sunny.",
            },
        ]
    )


def write_config(tmp_path: Path, server: FeedServer, *, extra: str = "") -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(
        f"""
[settings]
poll_interval = "1s"

[[feeds]]
name = "Good"
url = "{server.url("/good.xml")}"

[[feeds]]
name = "Broken"
url = "{server.url("/broken.xml")}"
{extra}
{WATCHLISTS}
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def served(feed_server: FeedServer) -> FeedServer:
    feed_server.route("/good.xml", good_feed_body(), etag='"v1"')
    feed_server.route("/broken.xml", "Service Unavailable", status=503, content_type="text/plain")
    return feed_server


# -- help, version ----------------------------------------------------------------------------


def test_help_as_subprocess(tmp_path: Path) -> None:
    result = run(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("poll", "export", "check", "demo"):
        assert command in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize("command", ["poll", "export", "check", "demo"])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: monitor {command}")
    assert "--config" in out
    assert len(out.split("\n\n")[1]) > 40  # a description, not just usage


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("monitor 0.")


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--format", "pdf"]) == 2
    assert "invalid choice" in capsys.readouterr().err


# -- check ------------------------------------------------------------------------------------


def test_check_ok(tmp_path: Path, served: FeedServer, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, served)
    assert main(["check", "--config", str(config)]) == 0
    assert capsys.readouterr().out == f"{config}: OK (2 feeds, 2 watchlists)\n"


def test_check_shipped_feeds_toml(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(ROOT / "feeds.toml"), "check"]) == 0
    assert "OK (" in capsys.readouterr().out


def test_check_broken_as_subprocess(tmp_path: Path) -> None:
    (tmp_path / "feeds.toml").write_text(
        '[settings]\npoll_intervall = "15m"\n\n[[feeds]]\nname = "X"\nurl = "ftp://x"\n\n'
        '[[watchlists]]\nname = "W"\nterms = []\n',
        encoding="utf-8",
    )
    result = run(tmp_path, "--config", "feeds.toml", "check")
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines == [
        'monitor: feeds.toml:2: settings: unknown key "poll_intervall" (did you mean "poll_interval"?)',
        'monitor: feeds.toml:6: feed "X": url must be an http(s) URL, got "ftp://x"',
        'monitor: feeds.toml:10: watchlist "W": terms is empty: give at least one word or phrase',
    ]
    assert result.stdout == ""


def test_check_syntax_error_and_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "feeds.toml"
    bad.write_text("[settings\n", encoding="utf-8")
    assert main(["check", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"monitor: {bad}:1: ") and err.count("\n") == 1
    missing = tmp_path / "missing.toml"
    assert main(["check", "--config", str(missing)]) == 2
    assert capsys.readouterr().err == f"monitor: {missing}: no such file\n"


# -- poll -------------------------------------------------------------------------------------


def test_poll_reports_each_feed_and_stores_good_items(
    tmp_path: Path, served: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, served)
    db = tmp_path / "history.json"
    assert main(["poll", "--config", str(config), "--db", str(db)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Good: 3 new, 2 matched (Drone Deal: 1, PURL: 1)"
    assert out[1].startswith("Broken: error: ") and "503" in out[1] and "retry after" in out[1]
    assert len(out) == 2
    items = {i.title: i for i in History.open(db).items()}
    assert set(items) == {
        "Denmark joins the Drone Deal",
        "New PURL package announced",
        "Weather in Kyiv",
    }
    assert items["Denmark joins the Drone Deal"].tags == ["Drone Deal"]
    assert items["Weather in Kyiv"].tags == []

    # Again: the good feed answers 304 and the broken one waits out its backoff.
    assert (
        main(["poll", "--config", str(config), "--db", str(db)]) == 1
    )  # still failing: cron should hear about it
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Good: not modified"
    assert out[1].startswith("Broken: skipped: backoff until ")
    assert served.hits("/broken.xml") == 1

    # From cron, --due leaves alone the feeds whose interval has not elapsed.
    asked = len(served.requests)
    assert main(["poll", "--due", "--config", str(config), "--db", str(db)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith("Broken: skipped: backoff until ")
    assert len(served.requests) == asked


def test_poll_unknown_feed_is_a_usage_error(
    tmp_path: Path, served: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, served)
    code = main(
        ["poll", "--feed", "Nope", "--config", str(config), "--db", str(tmp_path / "h.json")]
    )
    assert code == 2
    assert capsys.readouterr().err == 'monitor: unknown feed "Nope" (known: "Good", "Broken")\n'
    assert served.requests == []


def test_poll_broken_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text('[[feeds]]\nname = "A"\nurl = "nope"\n', encoding="utf-8")
    assert main(["poll", "--config", str(config), "--db", str(tmp_path / "h.json")]) == 2
    assert (
        capsys.readouterr().err
        == f'monitor: {config}:3: feed "A": url must be an http(s) URL, got "nope"\n'
    )
    assert not (tmp_path / "h.json").exists()


def test_poll_loop_keeps_last_good_config(
    tmp_path: Path, served: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, served)

    def break_config(info: object) -> tuple[int, dict[str, str], bytes]:
        config.write_text('[[feeds]]\nname = "Good"\n', encoding="utf-8")  # no url
        return 200, {"Content-Type": "application/rss+xml"}, good_feed_body()

    served.route("/good.xml", handler=break_config)
    code = main(
        [
            "poll",
            "--loop",
            "--cycles",
            "2",
            "--feed",
            "Good",
            "--config",
            str(config),
            "--db",
            str(tmp_path / "h.json"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert 'feed "Good": url is missing' in captured.err
    assert "keeping the last good configuration" in captured.err
    assert served.hits("/good.xml") == 2  # the second cycle still polled, with the old config
    assert captured.out.splitlines() == [
        "Good: 3 new, 2 matched (Drone Deal: 1, PURL: 1)",
        "Good: 0 new",
    ]


def test_poll_loop_ctrl_c_exits_cleanly(tmp_path: Path, served: FeedServer) -> None:
    config = write_config(tmp_path, served)
    proc = subprocess.Popen(
        [
            str(PYTHON),
            "-m",
            "monitor",
            "poll",
            "--loop",
            "--feed",
            "Good",
            "--config",
            str(config),
            "--db",
            str(tmp_path / "h.json"),
        ],
        cwd=tmp_path,
        env=isolated_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # the first cycle has finished
        assert first.startswith("Good: 3 new")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert "Traceback" not in err


# -- export -----------------------------------------------------------------------------------


@pytest.fixture
def polled(tmp_path: Path, served: FeedServer) -> tuple[Path, Path]:
    config = write_config(tmp_path, served)
    db = tmp_path / "history.json"
    assert main(["poll", "--config", str(config), "--db", str(db)]) == 1
    return config, db


def test_export_markdown(polled: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    config, db = polled
    capsys.readouterr()
    assert main(["export", "--config", str(config), "--db", str(db), "--since", "7d"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# Defence-policy briefing")
    assert "## Drone Deal (1)" in md and "## PURL (1)" in md
    assert "#### Denmark joins the Drone Deal" in md
    assert "<https://example.org/news/1>" in md
    assert "Weather in Kyiv" not in md  # not flagged


def test_export_json_to_file(polled: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    config, db = polled
    capsys.readouterr()
    out = config.parent / "brief.jsonl"
    args = ["export", "--format", "json", "--watchlist", "PURL", "--out", str(out)]
    assert main([*args, "--config", str(config), "--db", str(db)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"monitor: wrote 1 item to {out}\n"
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record["title"] == "New PURL package announced"
    assert record["feed"] == "Good" and record["tags"] == ["PURL"]
    assert record["matches"][0]["term"] == "PURL" and record["flagged"] is True
    assert [
        p.name for p in out.parent.iterdir() if p.name.startswith(".brief")
    ] == []  # no temp left


def test_export_all_includes_unflagged(
    polled: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config, db = polled
    capsys.readouterr()
    assert (
        main(["export", "--all", "--format", "json", "--config", str(config), "--db", str(db)]) == 0
    )
    titles = [json.loads(line)["title"] for line in capsys.readouterr().out.splitlines()]
    assert sorted(titles) == [
        "Denmark joins the Drone Deal",
        "New PURL package announced",
        "Weather in Kyiv",
    ]


def test_export_usage_errors(polled: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    config, db = polled
    capsys.readouterr()
    base = ["--config", str(config), "--db", str(db)]
    assert main(["export", "--watchlist", "Drones", *base]) == 2
    assert (
        capsys.readouterr().err
        == 'monitor: unknown watchlist "Drones" (known: "Drone Deal", "PURL")\n'
    )
    assert main(["export", "--since", "last week", *base]) == 2
    err = capsys.readouterr().err
    assert err.startswith("monitor: --since: ") and err.count("\n") == 1
    assert main(["export", "--config", str(config), "--db", str(db.parent / "nope.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("monitor: ") and "nope.json" in err and err.count("\n") == 1
    assert not (db.parent / "nope.json").exists()


def test_poll_then_export_as_subprocesses(tmp_path: Path, served: FeedServer) -> None:
    write_config(tmp_path, served)
    polled = run(tmp_path, "poll", "--db", "h.json")  # ./feeds.toml is the default config
    assert polled.returncode == 1, polled.stderr
    assert polled.stdout.splitlines()[0] == "Good: 3 new, 2 matched (Drone Deal: 1, PURL: 1)"
    assert polled.stdout.splitlines()[1].startswith("Broken: error: ")
    assert "Traceback" not in polled.stderr
    exported = run(tmp_path, "export", "--db", "h.json", "--format", "json")
    assert exported.returncode == 0, exported.stderr
    assert {json.loads(line)["title"] for line in exported.stdout.splitlines()} == {
        "Denmark joins the Drone Deal",
        "New PURL package announced",
    }
    assert not (tmp_path / "xdg-data").exists()  # --db was honoured, no platform-dir history


def test_a_poll_process_hands_its_whole_report_and_status_through_a_pipe(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """`monitor poll` from cron: every feed's line reaches the pipe, the exit status is the
    poll's, and what the poll stored is on disk when the process is gone (the exit after
    a poll skips the interpreter's teardown)."""
    feeds = []
    for k in range(30):
        feed_server.route(f"/f{k}.xml", good_feed_body(), etag=f'"v{k}"')
        feeds.append(f'[[feeds]]\nname = "Feed {k:02d}"\nurl = "{feed_server.url(f"/f{k}.xml")}"\n')
    (tmp_path / "feeds.toml").write_text("\n".join(feeds) + WATCHLISTS, encoding="utf-8")

    first = run(tmp_path, "poll", "--db", "h.json")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        f"Feed {k:02d}: 3 new, 2 matched (Drone Deal: 1, PURL: 1)" for k in range(30)
    ]
    again = run(tmp_path, "poll", "--db", "h.json")  # every feed answers 304
    assert again.returncode == 0 and again.stderr == ""
    assert again.stdout.splitlines() == [f"Feed {k:02d}: not modified" for k in range(30)]
    states = History.open(tmp_path / "h.json").feed_states()
    assert {s.last_outcome for s in states.values()} == {"not_modified"}

    feed_server.route("/f7.xml", "Service Unavailable", status=503, content_type="text/plain")
    failed = run(tmp_path, "poll", "--db", "h.json")
    assert failed.returncode == 1
    assert failed.stdout.splitlines()[7].startswith("Feed 07: error: HTTP 503")
    assert len(failed.stdout.splitlines()) == 30 and "Traceback" not in failed.stderr


# -- TUI and demo wiring ----------------------------------------------------------------------


def test_no_command_opens_the_tui(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Path, Path | None]] = []
    monkeypatch.setattr(cli, "run_app", lambda config, db: calls.append((config, db)) or 0)
    config = tmp_path / "feeds.toml"
    assert main(["--config", str(config), "--db", str(tmp_path / "h.json")]) == 0
    assert calls == [(config, tmp_path / "h.json")]


def test_interrupt_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = types.ModuleType("monitor.demo")

    def run_demo() -> int:
        raise KeyboardInterrupt

    fake.run_demo = run_demo  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "monitor.demo", fake)
    assert main(["demo"]) == 130
    assert "Traceback" not in capsys.readouterr().err


def test_export_never_writes_the_history(
    polled: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exporting from a read-only copy works: even after the watchlists changed (tags are
    recomputed in memory), the file is untouched and no .bak or .lock appears."""
    config, db = polled
    copy_dir = tmp_path / "copy"
    copy_dir.mkdir()
    copy = copy_dir / "history.json"
    copy.write_bytes(db.read_bytes())
    journal = copy_dir / "history.json.journal"  # the changes since the last compaction
    journal.write_bytes(db.with_name(db.name + ".journal").read_bytes())
    os.utime(copy, ns=(1_000_000_000, 1_000_000_000))
    before = copy.read_bytes() + journal.read_bytes()
    text = (
        config.read_text(encoding="utf-8")
        + '\n[[watchlists]]\nname = "Weather"\nterms = ["weather"]\n'
    )
    config.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert (
        main(["export", "--config", str(config), "--db", str(copy), "--watchlist", "Weather"]) == 0
    )
    assert "#### Weather in Kyiv" in capsys.readouterr().out  # tagged by the new watchlist
    assert copy.read_bytes() + journal.read_bytes() == before
    assert copy.stat().st_mtime_ns == 1_000_000_000
    assert sorted(p.name for p in copy_dir.iterdir()) == ["history.json", "history.json.journal"]


def test_export_out_keeps_an_existing_files_mode_and_uses_the_umask(
    polled: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config, db = polled
    private = config.parent / "private.md"
    private.write_text("old", encoding="utf-8")
    private.chmod(0o600)
    fresh = config.parent / "fresh.md"
    base = ["export", "--config", str(config), "--db", str(db), "--out"]
    old_mask = os.umask(0o027)
    try:
        assert main([*base, str(private)]) == 0
        assert main([*base, str(fresh)]) == 0
    finally:
        os.umask(old_mask)
    assert private.stat().st_mode & 0o777 == 0o600  # not widened
    assert fresh.stat().st_mode & 0o777 == 0o640  # 0666 less the umask
    assert private.read_text(encoding="utf-8").startswith("# Defence-policy briefing")


def test_export_to_a_missing_folder_is_one_line_naming_the_file(
    polled: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config, db = polled
    target = config.parent / "no-such-dir" / "b.md"
    assert main(["export", "--config", str(config), "--db", str(db), "--out", str(target)]) == 1
    err = capsys.readouterr().err
    assert err == f"monitor: cannot write {target}: No such file or directory\n"


@pytest.mark.parametrize("args", [["demo", "--db", "x.json"], ["--config", "f.toml", "demo"]])
def test_demo_refuses_config_and_db(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import monitor.demo

    monkeypatch.setattr(monitor.demo, "run_demo", lambda **kw: pytest.fail("the demo ran"))
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "demo" in err and "--config and --db do not apply" in err


def test_config_errors_print_one_line_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from monitor.errors import ConfigError

    config = tmp_path / "feeds.toml"
    config.write_text('[settings]\npoll_interval = "soon"\nretention_days = -1\n', encoding="utf-8")
    assert main(["--config", str(config), "check"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(": ", 2)[1] for line in lines] == [f"{config}:2", f"{config}:3"]
    assert "\n" not in str(
        ConfigError(["a: one", "b: two"])
    )  # str() of any MonitorError is one line


def test_compact_folds_the_journal_into_the_snapshot(
    polled: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config, db = polled
    journal = db.with_name(db.name + ".journal")
    grown = journal.stat().st_size
    capsys.readouterr()
    assert main(["compact", "--config", str(config), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{db}: 3 items, ") and "bytes of journal folded in" in out
    assert journal.stat().st_size < grown
    assert len(json.loads(db.read_text(encoding="utf-8"))["items"]) == 3  # TinyDB sees them all
    assert main(["compact", "--config", str(config), "--db", str(db)]) == 0
    assert capsys.readouterr().out == f"{db}: 3 items, nothing to fold\n"


def test_a_poll_answered_304_appends_feed_states_and_leaves_the_snapshot_alone(
    tmp_path: Path, served: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, served)
    db = tmp_path / "history.json"
    journal = db.with_name(db.name + ".journal")
    assert main(["poll", "--config", str(config), "--db", str(db), "--feed", "Good"]) == 0
    assert main(["compact", "--config", str(config), "--db", str(db)]) == 0
    snapshot, stat = db.read_bytes(), db.stat()
    grown = journal.stat().st_size
    capsys.readouterr()
    assert main(["poll", "--config", str(config), "--db", str(db), "--feed", "Good"]) == 0
    assert "Good: not modified" in capsys.readouterr().out
    assert db.read_bytes() == snapshot and db.stat().st_ino == stat.st_ino  # not rewritten
    assert 0 < journal.stat().st_size - grown < 2_000  # one record: the feed's new state
    reopened = History.open(db)
    assert len(reopened) == 3 and reopened.feed_states()["Good"].last_outcome == "not_modified"
