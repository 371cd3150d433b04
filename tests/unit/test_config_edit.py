"""Adding entries to feeds.toml from code: every existing byte kept, validated, atomic."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.config import load_config
from monitor.config_edit import append_entries, plan_append
from monitor.errors import ConfigError

REPO_FEEDS = Path(__file__).resolve().parents[2] / "feeds.toml"


def removed(new: str, start: int, chunk: str) -> str:
    assert new[start : start + len(chunk)] == chunk
    return new[:start] + new[start + len(chunk) :]


def test_feed_added_to_shipped_config_keeps_every_byte(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    shutil.copy(REPO_FEEDS, path)
    old = path.read_text(encoding="utf-8")
    before = load_config(path)
    edit = append_entries(
        path, "feeds", [{"name": "Kyiv Independent", "url": "https://kyivindependent.com/feed/"}]
    )
    new = path.read_text(encoding="utf-8")
    assert new == edit.text
    assert removed(new, edit.inserted_at, edit.inserted) == old
    after = load_config(path)
    assert [f.name for f in after.feeds] == [f.name for f in before.feeds] + ["Kyiv Independent"]
    # It sits with the other feeds, before the watchlists section, not at the end of the file.
    assert new.index("Kyiv Independent") < new.index("[[watchlists]]")


def test_first_entry_of_a_table_goes_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    text = '# my feeds\n[[feeds]]\nname = "A"\nurl = "https://a.example/rss"  # keep me\n'
    path.write_text(text, encoding="utf-8")
    edit = append_entries(path, "watchlists", [{"name": "PURL", "terms": ["PURL"]}])
    new = path.read_text(encoding="utf-8")
    assert new.startswith(text)
    assert tomllib.loads(new)["watchlists"] == [{"name": "PURL", "terms": ["PURL"]}]
    assert edit.config.watchlists[0].name == "PURL"


def test_entry_lands_after_last_key_not_after_trailing_comments(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    text = (
        '[[feeds]]\nname = "A"\nurl = "https://a.example/rss"\n\n'
        "# ---- Watchlists ----\n# explained here\n\n"
        '[[watchlists]]\nname = "W"\nterms = ["x"]\n'
    )
    path.write_text(text, encoding="utf-8")
    edit = append_entries(path, "feeds", [{"name": "B", "url": "https://b.example/rss"}])
    new = path.read_text(encoding="utf-8")
    assert new.index('name = "B"') < new.index("# ---- Watchlists ----")
    assert removed(new, edit.inserted_at, edit.inserted) == text


def test_values_needing_escapes_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text('[[feeds]]\nname = "A"\nurl = "https://a.example/rss"\n', encoding="utf-8")
    name = 'Quote " back\\slash ]] [[feeds]] # not a comment'
    term = "multi\nline [[feeds]]"
    append_entries(path, "watchlists", [{"name": name, "terms": ["угода", term]}])
    (entry,) = tomllib.loads(path.read_text(encoding="utf-8"))["watchlists"]
    assert entry == {"name": name, "terms": ["угода", term]}


def test_a_broken_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_bytes(b'[[feeds]]\nname = "A"\nurl = https://nope\n')
    before = path.read_bytes()
    with pytest.raises(ConfigError) as info:
        append_entries(path, "feeds", [{"name": "B", "url": "https://b.example/rss"}])
    assert info.value.problems[0].startswith(f"{path}:3:")
    assert path.read_bytes() == before


def test_an_entry_that_makes_the_config_invalid_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text('[[feeds]]\nname = "A"\nurl = "https://a.example/rss"\n', encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(ConfigError) as info:
        append_entries(path, "feeds", [{"name": "A", "url": "https://other.example/rss"}])
    assert any("A" in p for p in info.value.problems)
    assert path.read_bytes() == before


def test_header_lookalike_inside_multiline_string_is_not_a_table(tmp_path: Path) -> None:
    text = (
        '[[feeds]]\nname = "A"\nurl = "https://a.example/rss"\n'
        '[[watchlists]]\nname = "W"\nterms = ["x"]\nexclude = ["""\n[[feeds]]\n"""]\n'
    )
    edit = plan_append(
        text, tmp_path / "feeds.toml", "feeds", [{"name": "B", "url": "https://b.example/rss"}]
    )
    assert [f.name for f in edit.config.feeds] == ["A", "B"]
    assert removed(edit.text, edit.inserted_at, edit.inserted) == text


_comment = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20).map(
    lambda s: "# " + s
)


@settings(max_examples=60, deadline=None)
@given(
    comments=st.lists(_comment, max_size=4),
    blanks=st.integers(0, 3),
    crlf=st.booleans(),
)
def test_any_layout_keeps_its_bytes(
    tmp_path_factory: pytest.TempPathFactory, comments: list[str], blanks: int, crlf: bool
) -> None:
    nl = "\r\n" if crlf else "\n"
    text = (
        nl.join(
            [
                "[settings]",
                'poll_interval = "15m"',
                *comments,
                "[[feeds]]",
                'name = "A"',
                'url = "https://a.example/rss"',
                *comments,
                *[""] * blanks,
                "[[watchlists]]",
                'name = "W"',
                'terms = ["x"]',
                *comments,
            ]
        )
        + nl
    )
    path = tmp_path_factory.mktemp("cfg") / "feeds.toml"
    edit = plan_append(text, path, "feeds", [{"name": "B", "url": "https://b.example/rss"}])
    assert removed(edit.text, edit.inserted_at, edit.inserted) == text
    assert [f.name for f in edit.config.feeds] == ["A", "B"]
