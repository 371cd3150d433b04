"""Watchlist matching: phrases, inflection, case, excludes, offsets, snippets, apply()."""

from __future__ import annotations

import functools
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.match import Matcher
from monitor.models import Item, Match, Watchlist


def hits(terms: list[str], text: str, **options: object) -> list[str]:
    """The matched text of every hit of a one-watchlist matcher in a title."""
    matcher = Matcher([Watchlist("w", tuple(terms), **options)])  # type: ignore[arg-type]
    return [text[m.start : m.end] for m in matcher.match(text, "")]


def make_item(title: str, summary: str = "") -> Item:
    now = datetime(2025, 10, 1, tzinfo=timezone.utc)
    return Item(
        id="f:1",
        feed="f",
        title=title,
        link="",
        summary=summary,
        published=None,
        first_seen=now,
    )


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        ("закупівля дронів", "Уряд схвалив закупівлю дронів", "закупівлю дронів"),
        ("закупівля дронів", "Щодо закупівлі дронів", "закупівлі дронів"),
        ("угода про дрони", "підписали угоду про дрони", "угоду про дрони"),
        ("угода про дрони", "умови угоди про дрони", "угоди про дрони"),
        (
            "Перелік пріоритетних потреб України",
            "до переліку пріоритетних потреб України увійшли",
            "переліку пріоритетних потреб України",
        ),
        ("drone agreement", "Two new drone agreements signed", "drone agreements"),
        ("Drone Deal", "the drone-deal was signed", "drone-deal"),
        ("Drone Deal", "the Drone Deal's terms", "Drone Deal"),
        ("Drone Deal", "Україна і партнери: угода Drone Deal", "Drone Deal"),
        ("сталь", "поставки сталі", "сталі"),  # first parse is "сталий"; lemma sets meet
        ("об'єкт", "удар по обʼєкту", "обʼєкту"),
        ("об'єкт", "удар по об’єкту", "об’єкту"),
        ("155 mm", "new 155-mm shells", "155-mm"),
    ],
)
def test_inflected_forms_match(term: str, text: str, expected: str) -> None:
    assert hits([term], text) == [expected]


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("Drone Deal", "a drone dealer from Kyiv"),
        ("Drone Deal", "dealers of drones met"),
        ("Drone Deal", "they bought a drone. Deal signed later"),
        ("155 mm", "152 mm shells"),
        ("дрон", "Андрон прийшов"),  # no hit inside a longer word
        ("об", "об'єкт пошкоджено"),  # the apostrophe joins a Ukrainian word
    ],
)
def test_no_match_across_word_or_sentence_boundaries(term: str, text: str) -> None:
    assert hits([term], text) == []


def test_case_sensitive_acronym_ignores_other_capitalisations() -> None:
    for text in ["Learn the purl stitch", "Purl stitch basics", "see purl.org/dc/elements"]:
        assert hits(["PURL"], text, case_sensitive=True) == []
        assert hits(["PURL"], text) != []  # the flag is what keeps them out
    assert hits(["PURL"], "Nine PURL packages", case_sensitive=True) == ["PURL"]


def test_case_sensitive_acronym_inside_ukrainian_text() -> None:
    assert hits(["PURL"], "в рамках PURL", case_sensitive=True) == ["PURL"]
    assert hits(["PURL"], "новий PURL-пакет", case_sensitive=True) == ["PURL"]
    assert hits(["PURL"], "новий purl-пакет", case_sensitive=True) == []


def test_case_sensitive_still_inflects() -> None:
    assert hits(["Drone Deal"], "Drone Deals signed", case_sensitive=True) == ["Drone Deals"]
    assert hits(["Drone Deal"], "drone deals signed", case_sensitive=True) == []


def test_exclude_phrase_suppresses_hits_inside_it_only() -> None:
    watchlists = [
        Watchlist("drones", ("дрон", "drone"), exclude=("drone racing",)),
        Watchlist("racing", ("drone",)),
    ]
    text = "Drone racing league grows while the army buys a drone"
    found = Matcher(watchlists).match(text, "")
    assert [(m.watchlist, text[m.start : m.end], m.start) for m in found] == [
        ("racing", "Drone", 0),  # another watchlist's exclude does not apply
        ("drones", "drone", text.rindex("drone")),
        ("racing", "drone", text.rindex("drone")),
    ]


def test_offsets_point_at_the_hit_in_each_field() -> None:
    matcher = Matcher([Watchlist("deal", ("Drone Deal",))])
    title = "Ukraine, US discuss the Drone Deal"
    summary = "Talks on the drone deal continue. Officials say the drone-deal text is ready."
    found = matcher.match(title, summary)
    assert [(m.field, m.term) for m in found] == [
        ("title", "Drone Deal"),
        ("summary", "Drone Deal"),
        ("summary", "Drone Deal"),
    ]
    texts = {"title": title, "summary": summary}
    assert [texts[m.field][m.start : m.end] for m in found] == [
        "Drone Deal",
        "drone deal",
        "drone-deal",
    ]


def test_snippet_is_short_plain_context_cut_at_words() -> None:
    before = " ".join(f"word{i}" for i in range(40))
    after = " ".join(f"tail{i}" for i in range(40))
    summary = f"{before}\n\n  the   Drone Deal\twas signed {after}"
    (hit,) = Matcher([Watchlist("deal", ("Drone Deal",))]).match("", summary)
    snippet = hit.snippet
    assert "Drone Deal" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert 100 <= len(snippet) <= 200
    assert "\n" not in snippet and "\t" not in snippet and "  " not in snippet
    words = set(summary.split())
    assert all(w in words for w in snippet.strip("…").split())  # no half words


def test_snippet_of_short_text_is_the_whole_text() -> None:
    (hit,) = Matcher([Watchlist("deal", ("drone deal",))]).match("The  Drone Deal\n", "")
    assert hit.snippet == "The Drone Deal"


def test_every_hit_recorded_once_across_watchlists() -> None:
    matcher = Matcher(
        [
            Watchlist("deal", ("Drone Deal", "Drone Deal", "дрони")),
            Watchlist("purl", ("PURL",), case_sensitive=True),
        ]
    )
    found = matcher.match("Drone Deal and PURL", "Дрони, дрони і ще раз drone deal")
    assert [(m.watchlist, m.field, m.start) for m in found] == [
        ("deal", "title", 0),
        ("purl", "title", 15),
        ("deal", "summary", 0),
        ("deal", "summary", 7),
        ("deal", "summary", 22),
    ]


def test_apply_reports_whether_matches_changed() -> None:
    matcher = Matcher([Watchlist("deal", ("Drone Deal",)), Watchlist("x", ("закупівля",))])
    item = make_item("Drone Deal signed", "Закупівлю схвалено")
    assert matcher.apply(item) is True
    assert item.tags == ["deal", "x"] and item.flagged
    assert matcher.apply(item) is False
    item.title = "Nothing here"
    assert matcher.apply(item) is True
    assert item.tags == ["x"]
    assert Matcher([]).apply(item) is True and item.matches == [] and not item.flagged
    assert all(isinstance(m, Match) for m in item.matches)


def test_signature_is_stable_and_tracks_watchlist_edits() -> None:
    base = [Watchlist("deal", ("Drone Deal",), exclude=("x",))]
    signature = Matcher(base).signature
    assert signature == Matcher(list(base)).signature
    edits = [
        [Watchlist("deal", ("Drone Deal", "дрони"), exclude=("x",))],
        [Watchlist("deals", ("Drone Deal",), exclude=("x",))],
        [Watchlist("deal", ("Drone Deal",), case_sensitive=True, exclude=("x",))],
        [Watchlist("deal", ("Drone Deal",))],
    ]
    assert len({signature, *(Matcher(w).signature for w in edits)}) == 5


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("dronealDRONEAL дроніи'’-.,\n")), max_size=80))
def test_hits_always_point_at_matching_text(text: str) -> None:
    matcher = Matcher([Watchlist("w", ("drone deal", "дрони", "ale"))])
    for m in matcher.match(text, text):
        hit = text[m.start : m.end]
        assert hit and hit[0].isalnum() and hit[-1].isalnum()
        assert " ".join(hit.split()) in m.snippet


# The prefilter skips lemmatising words that cannot agree with any term word; it must
# never change a result. Each test compares against a Matcher that lemmatises every word.

_EN_SUFFIXES = (
    "",
    "s",
    "es",
    "ies",
    "ied",
    "ed",
    "ing",
    "ingly",
    "edly",
    "eed",
    "ly",
    "ness",
    "ful",
    "ational",
    "tional",
    "izer",
    "ization",
    "ation",
    "ator",
    "alism",
    "aliti",
    "iveness",
    "biliti",
    "bli",
    "ogi",
    "fulli",
    "lessli",
    "li",
    "alize",
    "icate",
    "ical",
    "ative",
    "al",
    "ance",
    "ence",
    "er",
    "ic",
    "able",
    "ment",
    "ent",
    "ism",
    "ate",
    "ous",
    "ive",
    "ize",
    "e",
    "y",
    "bing",
    "dding",
    "tted",
)
_EN_ROOT = st.text(alphabet="aeiouybcdlnstgrkpx1é", min_size=0, max_size=5)


def _same_matches(watchlists: list[Watchlist], title: str, summary: str) -> None:
    fast = Matcher(watchlists).match(title, summary)
    assert fast == Matcher(watchlists, prefilter=False).match(title, summary)


@settings(max_examples=200, deadline=None)
@given(st.lists(_EN_ROOT, min_size=1, max_size=6), st.data())
def test_prefilter_keeps_english_matches(roots: list[str], data: st.DataObject) -> None:
    """Terms and text words share roots but not suffixes, so stems may or may not agree."""
    suffix = st.sampled_from(_EN_SUFFIXES)
    terms = [r + data.draw(suffix) for r in roots[:3]]
    words = [r + data.draw(suffix) for r in roots for _ in range(4)]
    words = [w.upper() if data.draw(st.booleans()) else w for w in words]
    text = " ".join(words + ["dying", "lying", "Kyiv"])
    terms = [t for t in terms if t] + ["die", "lie", "ab"]
    cs = data.draw(st.booleans())
    _same_matches([Watchlist("w", tuple(terms), case_sensitive=cs)], text, "")


def _uk_lexemes() -> dict[str, list[str]]:
    """Some dictionary words -> every form of their lexemes, plus a few mutations."""
    from pymorphy3 import MorphAnalyzer

    morph = MorphAnalyzer(lang="uk")
    words = [w for w, *_ in morph.dictionary.iter_known_words("гра")][::40]
    words += ["сталь", "сталі", "об'єкт", "найкращий", "ґрунт", "дрон", "люди", "йти"]
    lexemes: dict[str, list[str]] = {}
    for word in words:
        forms = {f.word for parse in morph.parse(word) for f in parse.lexeme}
        forms |= {f.replace("ґ", "г").replace("'", "’") for f in forms}
        forms |= {"най" + f for f in list(forms)[::7]} | {f + "ою" for f in list(forms)[::5]}
        lexemes[word] = sorted(forms)
    return lexemes


UK_LEXEMES = _uk_lexemes()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(sorted(UK_LEXEMES)), min_size=1, max_size=4), st.data())
def test_prefilter_keeps_ukrainian_matches(lemmas: list[str], data: st.DataObject) -> None:
    """Text words are forms of the term words' lexemes (and of others), in every case."""
    own = [f for lemma in lemmas for f in UK_LEXEMES[lemma]]
    other = [f for forms in UK_LEXEMES.values() for f in forms[::9]]
    word = st.one_of(
        st.sampled_from(own),
        st.sampled_from(other),
        _EN_ROOT.filter(bool),
        st.sampled_from(["2025", "ґ", "Дрон", "drones"]),
    )
    words = data.draw(st.lists(word, min_size=1, max_size=40))
    shaped = [
        w.capitalize() if i % 3 == 1 else w.upper() if i % 5 == 4 else w
        for i, w in enumerate(words)
    ]
    phrase = " ".join(data.draw(st.lists(st.sampled_from(own), min_size=1, max_size=2)))
    cs = data.draw(st.booleans())
    watchlists = [
        Watchlist(
            "w",
            (*lemmas, phrase, "сталь", "обʼєкт оборони"),
            case_sensitive=cs,
            exclude=(phrase.split()[0] + " " + lemmas[0],),
        ),
        Watchlist("drone", ("drone", "дрон", "2025")),
    ]
    _same_matches(watchlists, " ".join(shaped), ", ".join(reversed(shaped)) + ".")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.builds(str.__add__, _EN_ROOT, st.sampled_from(_EN_SUFFIXES)).filter(bool),
        min_size=1,
        max_size=50,
    )
)
def test_prefilter_passes_every_word_whose_stem_is_a_term_stem(words: list[str]) -> None:
    from monitor.wordforms import _Prefilter, _stemmer

    words += ["hoping", "axing", "crying", "cying", "aing", "abbiliti", "dying", "skies"]
    for word in words:
        assert _Prefilter({_stemmer.stemWord(word)})(word), word


@pytest.mark.parametrize(
    "text",
    [
        "Angry drone: deal or no deal",
        "They build a drone; deal talks stall",
        "What a drone! Deal of the year",
        "Who makes the drone? Deal makers",
        "a new drone…\u00a0deal later",
        "Headline about a drone\nDeal of the week",
        "Headline about a drone\r\ndeal",
        "a drone\u2028deal",
    ],
)
def test_a_phrase_never_spans_clause_punctuation_or_a_line_break(text: str) -> None:
    assert hits(["drone deal"], text) == []
    assert hits(["drone", "deal"], text) != []  # each word alone still matches


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the drone-deal was signed", "drone-deal"),
        ("the drone, deal-makers say", "drone, deal"),
        ("the “drone” deal", "drone” deal"),
        ("дронова  угода", "дронова  угода"),
    ],
)
def test_a_phrase_may_span_hyphens_commas_quotes_and_spaces(text: str, expected: str) -> None:
    assert hits(["drone deal", "дронова угода"], text) == [expected]


def test_the_article_text_is_matched_and_recorded_as_its_field() -> None:
    matcher = Matcher([Watchlist("deal", ("Drone Deal",))])
    item = make_item("Talks in Washington", "Officials met.")
    item.text = "Officials met.\n\nThe drone deal is almost ready, the President said."
    assert matcher.apply(item) is True
    (hit,) = item.matches
    assert (hit.field, item.text[hit.start : hit.end], hit.rule) == ("text", "drone deal", "")
    assert hit.snippet.startswith("Officials met. The drone deal")
    assert hit.fired_by == "term “Drone Deal”"


def test_letters_unicode_cannot_name_do_not_break_matching() -> None:
    """pymorphy3 asks unicodedata.name() of each letter; Tangut ideographs have none."""
    matcher = Matcher((Watchlist(name="Drone Deal", terms=("угода",)),))
    hits = matcher.match("𗀀угода 𗀀 and ꙮ: угоду підписано", "")
    assert [m.watchlist for m in hits] == ["Drone Deal"]
    assert matcher.match("𗀀угода", "") == []


# A matcher remembers which chunks of text (runs without whitespace) hold no word any term or
# rule wants, and skips a field made only of those without tokenising it. Whatever it saw
# before, a text must get the matches it gets from a matcher that skips nothing.
_STREAM_WORDS = [
    *"drone drones Drone DRONE deal deals Deal US us U.S. Washington the for with".split(),
    *"дрон дронів Дрон угода угоду США наш Україна про з для мегаугода".split(),
    *"PURL purl url NATO Patriot weapons зброя counter-drone об'єкт обʼєкту".split(),
    *"grain weather Kyiv prices зерно погода ideal androne Дронова".split(),
]
_STREAM_SEPARATORS = [" ", " ", " ", ", ", ". ", ": ", "-", "\n", "«", "» ", "(", ") ", "'", "_"]


@functools.cache
def _stream_matchers() -> tuple[Matcher, Matcher]:
    """Two matchers of the shipped watchlists and one more: one keeps what it saw across
    every example, the other is made to forget its chunks before each text."""
    from monitor.config import load_config
    from monitor.paths import shipped_feeds_toml

    watchlists = [
        *load_config(shipped_feeds_toml()).watchlists,
        Watchlist("w", ("drone deal", "угода", "grain"), exclude=("ideal deal",)),
    ]
    return Matcher(watchlists), Matcher(watchlists)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(st.sampled_from(_STREAM_WORDS), st.sampled_from(_STREAM_SEPARATORS)),
            max_size=14,
        ),
        min_size=1,
        max_size=25,
    )
)
def test_what_a_matcher_saw_before_never_changes_a_result(
    texts: list[list[tuple[str, str]]],
) -> None:
    shared, forgetful = _stream_matchers()
    for words in texts:
        text = "".join(w + sep for w, sep in words)
        forgetful.match("", "")  # built
        forgetful._candidates.quiet.clear()
        forgetful._candidates.loud.clear()
        assert shared.match(text, text[::-1]) == forgetful.match(text, text[::-1])
