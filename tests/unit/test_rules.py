"""Watchlist rules: queries that tag items, exclude rules, where they fired, and their limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.config import load_config
from monitor.errors import ConfigError
from monitor.match import Matcher
from monitor.models import Watchlist

DEAL_RULE = "(drone OR дрон) NEAR/6 (deal OR agreement OR угода) (US OR США OR Washington)"


def tags(watchlists: list[Watchlist], title: str, summary: str = "", **kw: str) -> set[str]:
    return {m.watchlist for m in Matcher(watchlists).match(title, summary, **kw)}


def deal(**kw: object) -> Watchlist:
    return Watchlist("Drone Deal", (), rules=(DEAL_RULE,), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "title",
    [
        "Ukraine and the US near an agreement on drones",
        "Washington: a drone production deal is close",  # the colon is before both words
        "Україна та США готують угоду щодо дронів",
        "Угоди про дрони зі США поки немає",  # inflected, any order
    ],
)
def test_a_rule_tags_paraphrases_that_no_term_names(title: str) -> None:
    assert tags([deal()], title) == {"Drone Deal"}


@pytest.mark.parametrize(
    "title",
    [
        "Angry drone: deal or no deal, says a US blogger",  # NEAR stays in one sentence
        "A drone hit the depot. The US says a peace deal is far off.",
        "Drones, drones and more drones over the city of Kharkiv; a deal with the US is close",
        "The drone agreement with Denmark is signed",  # no US
    ],
)
def test_a_rule_needs_every_part(title: str) -> None:
    assert tags([deal()], title) == set()


def test_near_distance_counts_the_words_between() -> None:
    wl = Watchlist("w", (), rules=("drone NEAR/2 deal",))
    assert tags([wl], "drone production export deal") == {"w"}
    assert tags([wl], "drone production and export deal") == set()


def test_the_match_says_which_rule_fired_and_where() -> None:
    matcher = Matcher([Watchlist("Drone Deal", ("Drone Deal",), rules=(DEAL_RULE,))])
    title = "Talks in Washington"
    summary = "Officials met on Monday. Ukraine and the US near an agreement on drones, they said."
    (hit,) = matcher.match(title, summary)
    assert (hit.watchlist, hit.field, hit.rule, hit.term) == (
        "Drone Deal",
        "summary",
        DEAL_RULE,
        DEAL_RULE,
    )
    assert summary[hit.start : hit.end] == "US near an agreement on drones"
    assert "agreement on drones" in hit.snippet
    assert hit.fired_by == f"rule “{DEAL_RULE}”"


def test_rules_read_the_article_text_and_keep_field_order() -> None:
    matcher = Matcher([Watchlist("Drone Deal", ("drone deal",), rules=(DEAL_RULE,))])
    found = matcher.match("Drone deal news", "", "Kyiv and Washington agreed a deal on drones.")
    assert [(m.field, m.rule) for m in found] == [("title", ""), ("text", DEAL_RULE)]


def test_an_exclude_rule_untags_the_whole_item_for_its_watchlist_only() -> None:
    counter = '("counter-drone" OR "anti-drone") NEAR/4 (deal OR sale)'
    lists = [
        Watchlist("Drone Deal", ("drone deal",), rules=(DEAL_RULE,), exclude=(counter,)),
        Watchlist("Drones", ("drone",)),
    ]
    assert tags(lists, "US approves counter-drone deal with Qatar") == {"Drones"}
    assert tags(lists, "The drone deal with the US is close") == {"Drone Deal", "Drones"}


def test_a_plain_exclude_is_still_a_phrase_that_cancels_hits_inside_it() -> None:
    wl = Watchlist("Drones", ("drone",), exclude=("drone racing",))
    assert tags([wl], "Drone racing league grows") == set()
    assert tags([wl], "Drone racing league grows; the army buys a drone") == {"Drones"}
    quoted = Watchlist("Drones", ("drone",), exclude=('"drone racing"',))
    assert tags([quoted], "Drone racing league grows; the army buys a drone") == {"Drones"}


def test_an_exclude_rule_with_a_negation() -> None:
    wl = Watchlist(
        "PURL", ("PURL",), case_sensitive=True, exclude=("(url OR persistent) -(NATO OR Ukraine)",)
    )
    assert tags([wl], "PURL: persistent URLs for archives") == set()
    assert tags([wl], "Allies fund PURL for Ukraine, says NATO's URL-minded press office") == {
        "PURL"
    }


def test_smart_case_in_case_sensitive_watchlists() -> None:
    wl = Watchlist("w", ("drone deal",), rules=("agreement US",), case_sensitive=True)
    assert tags([wl], "DRONE DEAL signed") == {"w"}  # lower-case words match any case
    assert tags([wl], "Agreement with the US") == {"w"}
    assert tags([wl], "An agreement that helps us") == set()  # "US" keeps its shape


def test_feed_filter_in_a_rule() -> None:
    wl = Watchlist("MoD", (), rules=('feed:"Ministry of Defence" дрон',))
    matcher = Matcher([wl])
    assert matcher.match("Нові дрони", "", feed="Ministry of Defence")
    assert not matcher.match("Нові дрони", "", feed="UNN")


def test_signature_tracks_rules() -> None:
    base = Matcher([deal()]).signature
    assert base == Matcher([deal()]).signature
    other = Watchlist("Drone Deal", (), rules=(DEAL_RULE + " Kyiv",))
    assert Matcher([other]).signature != base


_WORDS = [
    "drone",
    "drones",
    "deal",
    "US",
    "us",
    "Washington",
    "дрон",
    "угоду",
    "США",
    "the",
    "with",
    "counter-drone",
    "sale",
    ".",
    ":",
    ",",
    "\n",
    "Kyiv",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=40), st.booleans())
def test_the_gates_never_change_a_result(words: list[str], cs: bool) -> None:
    """The word gates only skip the evaluator; results equal a run of every rule."""
    from monitor.query import Document, evaluate

    text = " ".join(words)
    rules = (DEAL_RULE, "drone NEAR/1 (deal OR sale)", '(США OR US) "drone deal"')
    wl = Watchlist("w", (), rules=rules, case_sensitive=cs)
    got = bool(Matcher([wl]).match(text, ""))
    from monitor.query import parse_query

    doc = Document.from_text(title=text)
    want = any(evaluate(parse_query(r), doc, case_sensitive=cs).matched for r in rules)
    assert got == want


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_a_rule_that_does_not_parse_is_a_config_error_on_its_own_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[[watchlists]]
name = "Drone Deal"
terms = ["drone deal"]
rules = [
    "drone NEAR/6 deal",
    "(drone OR дрон",
]
exclude = ["x NEAR/500 y"]
""",
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    problems = err.value.problems
    assert problems[0] == (
        f"{path}:7: watchlist \"Drone Deal\": rule 2 “(drone OR дрон”: unclosed '(' (at column 1)"
    )
    assert problems[1].startswith(f'{path}:9: watchlist "Drone Deal": exclude rule 1')
    assert "NEAR distance is at most 100" in problems[1]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("is:flagged drone", "rules can filter by feed: but not by is:"),
        ("watchlist:PURL drone", "but not by watchlist:"),
        ("since:7d drone", "but not by since:"),
        ("-drone", "needs at least one word or phrase it requires"),
        ("(" * 40 + "drone" + ")" * 40, "nested more than"),
        ("a NEAR/100000 b", "NEAR distance is at most"),
    ],
)
def test_rules_that_cannot_be_are_refused(tmp_path: Path, rule: str, message: str) -> None:
    path = write(tmp_path, f"[[watchlists]]\nname = \"w\"\nrules = ['{rule}']\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert message in str(err.value)


def test_a_watchlist_of_rules_alone_needs_no_terms(tmp_path: Path) -> None:
    path = write(tmp_path, "[[watchlists]]\nname = \"w\"\nrules = ['drone NEAR deal']\n")
    (wl,) = load_config(path).watchlists
    assert wl.terms == () and wl.rules == ("drone NEAR deal",)


def test_a_long_text_full_of_near_candidates_is_bounded() -> None:
    """Thousands of candidate pairs: the evaluator's caps keep this quick (no timing here)."""
    wl = Watchlist("w", (), rules=("(drone OR deal) NEAR/100 (deal OR drone) US",))
    text = " ".join(["drone deal"] * 5000) + " US"
    (hit,) = Matcher([wl]).match("", text)
    assert hit.field == "summary"
