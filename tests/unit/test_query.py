"""The query language: what a user types, what it finds, what it refuses and where."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.match import Matcher
from monitor.models import Item, Match, Watchlist
from monitor.query import (
    MAX_DEPTH,
    And,
    Document,
    FieldFilter,
    Near,
    Not,
    Or,
    Phrase,
    QueryError,
    Word,
    evaluate,
    parse_query,
)

NOW = datetime(2025, 10, 6, 12, 0, tzinfo=timezone.utc)


def finds(query: str, title: str = "", summary: str = "", text: str = "") -> bool:
    doc = Document.from_text(title=title, summary=summary, text=text)
    return evaluate(parse_query(query), doc, now=NOW).matched


def highlighted(query: str, title: str) -> list[str]:
    doc = Document.from_text(title=title)
    out = evaluate(parse_query(query), doc, now=NOW)
    return [title[s.start : s.end] for s in out.spans]


def error(query: str) -> tuple[str, int]:
    with pytest.raises(QueryError) as info:
        parse_query(query)
    return info.value.message, info.value.position


# -- words by form ---------------------------------------------------------------------


@pytest.mark.parametrize("form", ["угода", "угоди", "угоду", "угодою", "угоді", "Угоду"])
def test_ukrainian_word_finds_every_form(form: str) -> None:
    assert finds("угода", f"США та Україна підписали {form} про дрони")


def test_inflected_query_word_finds_other_forms() -> None:
    assert finds("угоди", "Україна підписала угоду")


@pytest.mark.parametrize("text", ["drone deals signed", "the Deal is done", "dealing"])
def test_english_word_finds_stem(text: str) -> None:
    assert finds("deal", text)


def test_word_is_whole_word() -> None:
    assert not finds("drone", "Androne news")
    assert not finds("угода", "мегаугода")  # not a form of угода, a different word


def test_words_are_anded_over_all_fields() -> None:
    assert finds("drone deal", title="Drone news", summary="a deal was signed")
    assert finds("deal", text="the article text mentions the deal")
    assert not finds("drone deal", title="Drone news", summary="nothing else")


# -- phrases ---------------------------------------------------------------------------


def test_phrase_matches_consecutive_forms() -> None:
    assert finds('"drone deal"', "Drone deals with the US")
    assert finds('"угода про дрони"', "Підписано угоду про дрони")
    assert not finds('"drone deal"', "deal on a drone")
    assert not finds('"drone deal"', "drone production deal")


@pytest.mark.parametrize("sep", [". ", ": ", "; ", "! ", "? ", "\n", "… "])
def test_phrase_never_crosses_a_sentence_break(sep: str) -> None:
    assert not finds('"drone deal"', f"They bought a drone{sep}Deal talks go on")


@pytest.mark.parametrize(
    "text",
    [
        "Drone deal signed",
        "drone: deal",
        "the drone.deal",
        "drones\ndeal",
        "A DRONE DEALS",
        "дрон угода",
        "drone-deal",
    ],
)
def test_a_quoted_phrase_agrees_with_a_watchlist_term(text: str) -> None:
    term = bool(Matcher([Watchlist("W", ("drone deal",))]).match(text, ""))
    assert finds('"drone deal"', text) is term


def test_bare_hyphenated_word_is_a_phrase() -> None:
    assert finds("drone-deal", "the drone deal")
    assert not finds("drone-deal", "the deal drone")


# -- exclusion, OR, grouping -------------------------------------------------------------


def test_exclusion() -> None:
    assert finds("purl -knitting", "PURL package for Ukraine")
    assert not finds("purl -knitting", "Purl stitch in knitting")
    assert not finds('purl -"package url"', "the purl spec: a package URL format")
    assert finds("-knitting", "anything else")


def test_or_and_grouping() -> None:
    assert finds("drone OR дрон", "Нові дрони для армії")
    assert finds("(drone OR дрон) угода", "Угоду про дрони підписано")
    assert not finds("(drone OR дрон) угода", "Дрони для армії")
    # OR binds tighter than the implicit AND: a (b OR c)
    assert finds("army drone OR tank", "army tank")
    assert not finds("army drone OR tank", "tank")


def test_lowercase_or_is_a_word() -> None:
    assert not finds("drone or tank", "tank")


def test_exclusion_of_a_group() -> None:
    assert not finds("deal -(knitting OR purl)", "purl deal")
    assert finds("deal -(knitting OR purl)", "drone deal")


# -- NEAR ------------------------------------------------------------------------------


def test_near_within_distance_any_order_inflected() -> None:
    q = "(drone OR дрон) NEAR/3 (deal OR agreement OR угода)"
    assert finds(q, "a drone production deal")
    assert finds(q, "the agreement on drones")
    assert finds(q, "угоду щодо купівлі наших дронів")
    assert not finds(q, "drone makers from all over the world met and signed a deal")


def test_near_distance_counts_words_between() -> None:
    assert finds("drone NEAR/1 deal", "drone big deal")
    assert not finds("drone NEAR/1 deal", "drone very big deal")
    assert finds("drone NEAR/0 deal", "drone deal")


def test_near_stays_in_one_sentence() -> None:
    assert not finds("drone NEAR/10 deal", "We saw a drone. A deal was signed")


def test_near_highlights_its_operands() -> None:
    assert highlighted("drone NEAR/3 deal", "A drone production deal") == ["drone", "deal"]


def test_near_with_phrase_and_chain() -> None:
    assert finds('"drone deal" NEAR/4 US', "The drone deal with the US")
    assert finds("drone NEAR/2 deal NEAR/3 US", "drone deal with the US")


def test_bare_near_defaults_to_five() -> None:
    q = parse_query("a NEAR b")
    assert isinstance(q.root, Near) and q.root.distance == 5


# -- fields ----------------------------------------------------------------------------


def item(**kw: object) -> Item:
    base = dict(
        id="x",
        feed="UNN English",
        title="Drone deal",
        link="https://e.org/1",
        summary="",
        published=NOW - timedelta(days=3),
        first_seen=NOW,
    )
    base.update(kw)
    return Item(**base)  # type: ignore[arg-type]


def on_item(query: str, it: Item) -> bool:
    return evaluate(parse_query(query), Document.from_item(it), now=NOW).matched


def test_feed_and_tag_fields() -> None:
    it = item(matches=[Match("Drone Deal", "drone deal", "title", 0, 10, "Drone deal")])
    assert on_item('feed:"UNN English" drone', it)
    assert on_item('feed:"unn english"', it)
    assert not on_item("feed:UNN", it)
    assert on_item('watchlist:"Drone Deal"', it)
    assert on_item('tag:"drone deal" deal', it)
    assert not on_item("tag:PURL", it)


def test_is_fields() -> None:
    it = item()
    assert on_item("is:unread", it) and not on_item("is:read", it)
    assert not on_item("is:flagged", it)
    it.read = True
    it.flag_override = True
    assert on_item("is:read is:flagged", it)
    assert on_item("-is:unread", it)


def test_since_and_before() -> None:
    it = item()  # published 3 days before NOW
    assert on_item("since:7d", it) and not on_item("since:2d", it)
    assert on_item("since:2025-10-01", it) and not on_item("since:2025-10-04", it)
    assert on_item("before:2025-10-04", it) and not on_item("before:2025-10-03", it)
    assert on_item("before:2d", it)


# -- the AST ---------------------------------------------------------------------------


def test_ast_shape() -> None:
    root = parse_query('a -"b c" (d OR e) feed:"X Y"').root
    assert isinstance(root, And)
    a, nb, or_, f = root.children
    assert isinstance(a, Word) and a.text == "a"
    assert isinstance(nb, Not) and isinstance(nb.child, Phrase)
    assert isinstance(or_, Or) and len(or_.children) == 2
    assert f == FieldFilter("feed", "X Y", 18)


def test_explicit_and_and_typographic_quotes() -> None:
    assert finds("drone AND deal", "drone deal")
    assert finds("«drone deal»", "the drone deal")
    assert finds("“drone deal”", "the drone deal")


def test_blank_query_matches_everything() -> None:
    assert parse_query("   ").root is None
    assert finds("", "anything")


# -- errors, with their positions --------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "fragment", "position"),
    [
        ('drone "deal', "unterminated quote", 6),
        ("(drone OR deal", "unclosed '('", 0),
        ("drone)", "unmatched ')'", 5),
        ("drone OR", "expected a term after OR", 8),
        ("OR drone", "OR needs a term before it", 0),
        ("drone -", "after '-'", 6),
        ("is:maybe", "is: takes flagged", 3),
        ("since:yesterday", "since: takes an age", 6),
        ("before:2025-13-01", "before: takes", 7),
        ("fed:UNN", "unknown field 'fed:'", 0),
        ("feed:", "'feed:' needs a value", 5),
        ("a NEAR/1000 b", "NEAR distance is at most", 2),
        ("feed:UNN NEAR/3 drone", "NEAR joins words", 9),
        ("-drone NEAR deal", "NEAR joins words", 7),
        ("()", "empty parentheses", 0),
        ('""', "empty phrase", 0),
        ("drone NEAR", "after NEAR", 10),
    ],
)
def test_errors_say_what_and_where(query: str, fragment: str, position: int) -> None:
    message, pos = error(query)
    assert fragment in message
    assert pos == position


def test_error_str_is_one_line_with_column() -> None:
    with pytest.raises(QueryError) as info:
        parse_query('a "b')
    assert str(info.value) == "unterminated quote (at column 3)"


def test_pathological_queries_are_refused() -> None:
    assert "nested" in error("(" * (MAX_DEPTH + 5) + "a" + ")" * (MAX_DEPTH + 5))[0]
    assert "nested" in error("-" * 40 + "a")[0] or "after '-'" in error("-" * 40 + "a")[0]
    assert "at most" in error("a " * 1500)[0]
    assert "terms" in error(" ".join(["a"] * 201))[0]
    assert "NEAR" in error("a NEAR/" + "9" * 1900 + " b")[0]


def test_near_is_linear_on_a_long_repetitive_text() -> None:
    text = " ".join(["drone deal"] * 5000)
    assert finds("(drone OR deal) NEAR/100 (drone OR deal) NEAR/100 drone", text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=80))
def test_any_string_parses_or_gives_a_positioned_error(text: str) -> None:
    try:
        q = parse_query(text)
    except QueryError as exc:
        assert 0 <= exc.position <= len(text)
        assert "\n" not in str(exc)
    else:
        evaluate(q, Document.from_text(title=text, summary="drone deal"), now=NOW)


_ALPHABET = st.sampled_from(
    [
        '"',
        "(",
        ")",
        "-",
        " ",
        "OR",
        "AND",
        "NEAR/2",
        "NEAR",
        "a",
        "угода",
        "feed:",
        "is:read",
        "since:7d",
        "tag:",
        ".",
        ":",
        "x",
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ALPHABET, max_size=20).map("".join))
def test_query_shaped_strings_parse_or_give_a_positioned_error(text: str) -> None:
    try:
        q = parse_query(text)
    except QueryError as exc:
        assert 0 <= exc.position <= len(text)
    else:
        evaluate(q, Document.from_text(title="a угода x", summary="угоди. a"), now=NOW)
