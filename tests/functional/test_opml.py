"""OPML import and export, through `monitor opml` as a user runs it."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import load_config
from monitor.models import FeedConfig
from monitor.opml import normalise_url, to_opml

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "opml"
REPO_FEEDS = Path(__file__).resolve().parents[2] / "feeds.toml"
BASE = '# my config, keep this comment\n[settings]\npoll_interval = "15m"\n'


def config_file(tmp_path: Path, text: str = BASE) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def feeds_of(path: Path) -> dict[str, FeedConfig]:
    return {f.name: f for f in load_config(path).feeds}


def test_newsboat_export_imports_with_titles_falling_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(tmp_path)
    code, out, _ = run(
        capsys, "opml", "import", str(FIXTURES / "newsboat.opml"), "--config", str(path)
    )
    assert code == 0
    feeds = feeds_of(path)
    assert "УНН — Українські Національні Новини" in feeds
    # An empty title falls back to htmlUrl; the &amp; in a URL is a plain "&" in feeds.toml.
    assert feeds["https://armyinform.com.ua/"].url == "https://armyinform.com.ua/feed/"
    assert feeds["Defense News"].url.endswith("?outputType=xml&x=1")
    assert "3 added, 0 duplicate, 0 invalid" in out
    assert path.read_text(encoding="utf-8").startswith(BASE)


def test_miniflux_folders_kept_and_duplicates_in_the_file_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(tmp_path)
    code, out, _ = run(
        capsys, "opml", "import", str(FIXTURES / "miniflux.opml"), "--config", str(path)
    )
    assert code == 0
    feeds = feeds_of(path)
    assert feeds["Kyiv Independent"].folder == "All"
    assert feeds["Breaking Defense"].folder == "Defence"
    assert len(feeds) == 2
    assert (
        'duplicate: Kyiv Independent (again) <HTTPS://KyivIndependent.com:443/feed>: same URL as "Kyiv Independent"'
        in out
    )


def test_freshrss_bad_outline_reported_and_the_rest_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(tmp_path)
    code, out, _ = run(
        capsys, "opml", "import", str(FIXTURES / "freshrss.opml"), "--config", str(path)
    )
    assert code == 0
    feeds = feeds_of(path)
    assert feeds["Укрінформ"].folder == "Україна"
    assert "invalid: Broken & <bad> <javascript:alert(1)>: not an http(s) feed URL" in out
    assert "1 added, 0 duplicate, 1 invalid" in out


def test_feedly_nested_folders_become_one_level_and_links_are_not_feeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(tmp_path)
    code, _, _ = run(capsys, "opml", "import", str(FIXTURES / "feedly.opml"), "--config", str(path))
    assert code == 0
    feeds = feeds_of(path)
    assert feeds["The Kyiv Independent"].folder == "Ukraine / Ukraine"
    assert feeds["Ukrainska Pravda"].folder == "Ukraine"
    assert set(feeds) == {"The Kyiv Independent", "Ukrainska Pravda"}


def test_inoreader_category_attribute_and_missing_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(tmp_path)
    run(capsys, "opml", "import", str(FIXTURES / "inoreader.opml"), "--config", str(path))
    feeds = feeds_of(path)
    assert feeds["Atlantic Council"].folder == "Think tanks / US"
    assert feeds["https://www.csis.org/rss.xml"].folder is None
    assert feeds["ISW"].folder is None


def test_reimport_adds_nothing_and_leaves_the_file_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(tmp_path)
    opml = str(FIXTURES / "miniflux.opml")
    run(capsys, "opml", "import", opml, "--config", str(path))
    before = path.read_bytes()
    code, out, _ = run(capsys, "opml", "import", opml, "--config", str(path))
    assert code == 0
    assert path.read_bytes() == before
    assert "0 added, 3 duplicate, 0 invalid" in out


def test_import_into_shipped_config_keeps_every_byte_and_skips_configured_feeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "feeds.toml"
    shutil.copy(REPO_FEEDS, path)
    old = path.read_text(encoding="utf-8")
    configured = load_config(path).feeds[0]
    opml = tmp_path / "mine.opml"
    opml.write_text(
        '<opml version="2.0"><body>'
        f'<outline text="Mine" xmlUrl="{configured.url}/"/>'
        '<outline text="New one" xmlUrl="https://new.example/rss"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "opml", "import", str(opml), "--config", str(path))
    assert code == 0
    assert f'same URL as "{configured.name}"' in out
    new = path.read_text(encoding="utf-8")
    added = '\n[[feeds]]\nname = "New one"\nurl = "https://new.example/rss"\n'
    assert added in new
    assert new.replace(added, "", 1) == old


def test_dry_run_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = config_file(tmp_path)
    code, out, _ = run(
        capsys,
        "opml",
        "import",
        str(FIXTURES / "newsboat.opml"),
        "--config",
        str(path),
        "--dry-run",
    )
    assert code == 0
    assert path.read_text(encoding="utf-8") == BASE
    assert "would add: Defense News" in out


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
            b'<opml><body><outline text="&b;" xmlUrl="https://x.example/"/></body></opml>',
            "DOCTYPE/ENTITY declarations are refused",
        ),
        (b"<opml><body><outline", "not well-formed XML"),
        (b"<rss><channel/></rss>", "not an OPML file"),
        (
            b"<opml><body>" + b'<outline text="f">' * 40 + b"</outline>" * 40 + b"</body></opml>",
            "deeper than 32 levels",
        ),
        (b"<opml><body>" + b" " * (11 * 1024 * 1024) + b"</body></opml>", "larger than 10 MB"),
    ],
    ids=["entities", "broken", "not-opml", "deep", "huge"],
)
def test_hostile_files_refused_whole_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: bytes, message: str
) -> None:
    path = config_file(tmp_path)
    opml = tmp_path / "in.opml"
    opml.write_bytes(body)
    code, out, err = run(capsys, "opml", "import", str(opml), "--config", str(path))
    assert code == 2
    assert err.count("\n") == 1 and str(opml) in err and message in err
    assert path.read_text(encoding="utf-8") == BASE


def test_broken_feeds_toml_is_refused_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(tmp_path, '[[feeds]]\nname = "A"\nurl = oops\n')
    before = path.read_bytes()
    code, _, err = run(
        capsys, "opml", "import", str(FIXTURES / "newsboat.opml"), "--config", str(path)
    )
    assert code == 2
    assert err.startswith(f"monitor: {path}:3:")
    assert path.read_bytes() == before


def test_export_then_import_into_empty_config_is_identity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = config_file(
        tmp_path,
        BASE
        + (
            '[[feeds]]\nname = "UNN"\nurl = "https://unn.ua/rss/news_uk.xml"\nfolder = "Ukraine"\n\n'
            '[[feeds]]\nname = "MoD"\nurl = "https://mod.gov.ua/news"\nkind = "page"\n'
            "links = '^https://mod\\.gov\\.ua/news/[^/?#]+/?$'\ninterval = \"1h\"\n"
            'folder = "Ukraine"\n\n'
            '[[feeds]]\nname = "Off & <odd> \\"name\\""\nurl = "https://x.example/rss?a=1&b=2"\n'
            "enabled = false\n"
        ),
    )
    out_file = tmp_path / "out.opml"
    code, _, _ = run(capsys, "opml", "export", "--config", str(source), "--out", str(out_file))
    assert code == 0
    text = out_file.read_text(encoding="utf-8")
    assert 'xmlUrl="https://mod.gov.ua/news"' not in text  # other readers must skip pages
    empty = tmp_path / "empty"
    empty.mkdir()
    target = config_file(empty)
    code, _, _ = run(capsys, "opml", "import", str(out_file), "--config", str(target))
    assert code == 0
    assert load_config(target).feeds == load_config(source).feeds


def test_export_to_stdout_is_opml_2_with_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(
        tmp_path,
        BASE
        + ('[[feeds]]\nname = "UNN"\nurl = "https://unn.ua/rss/news_uk.xml"\nfolder = "Ukraine"\n'),
    )
    config = load_config(path)
    text = to_opml(config, now=datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert '<opml version="2.0"' in text
    assert "<dateCreated>Tue, 01 Dec 2026 00:00:00 +0000</dateCreated>" in text
    code, out, _ = run(capsys, "opml", "export", "--config", str(path))
    assert code == 0
    assert '<outline text="Ukraine" title="Ukraine">' in out
    assert 'xmlUrl="https://unn.ua/rss/news_uk.xml"' in out


def test_bad_folder_in_feeds_toml_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(
        tmp_path, BASE + ('[[feeds]]\nname = "UNN"\nurl = "https://unn.ua/rss"\nfolder = "a\\nb"\n')
    )
    code, _, err = run(capsys, "check", "--config", str(path))
    assert code == 2
    assert f"{path}:7:" in err and "folder" in err


def test_normalise_url() -> None:
    assert normalise_url("HTTP://Example.org:80/rss/#top") == "http://example.org/rss"
    assert normalise_url("https://example.org:8443/a?x=1") == "https://example.org:8443/a?x=1"
