"""Word analysis shared by watchlist terms, rules and search: words, normal forms, shapes.

Words are runs of letters/digits; hyphens and punctuation separate them, apostrophes
between Cyrillic letters (``об'єкт``, ``обʼєкт``, ``об’єкт``) belong to the word. A word's
*normal forms*:

- Cyrillic (Ukrainian) words: their lemmas, via pymorphy3 (an ambiguous word stands for the
  set of its possible lemmas; two words agree when those sets intersect);
- Latin words: their Snowball English stem (also inside Ukrainian text);
- numbers: themselves.

Lemmatising is the expensive part, so :class:`_Prefilter` answers, without lemmatising,
whether a word could agree with any word of a given vocabulary; words that cannot are never
lemmatised or stemmed. Analyses are cached per word (bounded).
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pymorphy3 import MorphAnalyzer

__all__ = ["Form", "Shape", "normalise_token", "tokenize"]

_CACHE_LIMIT = 200_000
_CYR = "а-яёіїєґ"
_APOSTROPHES = "'’ʼ`"
_TOKEN_RE = re.compile(
    rf"[^\W_]+(?:(?<=[{_CYR}])[{_APOSTROPHES}](?=[{_CYR}])[^\W_]+)*", re.IGNORECASE
)
_SPLIT_RE = re.compile(f"({_TOKEN_RE.pattern})", re.IGNORECASE)
_CYRILLIC_RE = re.compile(rf"[{_CYR}]", re.IGNORECASE)
_APOSTROPHE_TABLE = str.maketrans({c: "'" for c in _APOSTROPHES})
# What a phrase never spans: sentence and clause ends, and line breaks.
# A full stop after a one-letter word (U.S., E.U., initials) or before a digit (3.5) is not
# an end.
_SENTENCE_BREAK_RE = re.compile(r"[!?;:…\n\r\v\f\x85\u2028\u2029]|(?<!\b[^\W\d_])\.(?!\d)")
# Prefilter keys: ``г`` may stand for ``ґ`` in pymorphy3 lookups, Snowball may turn y into i.
_UK_KEY_TABLE = str.maketrans({**{c: "'" for c in _APOSTROPHES}, "ґ": "г"})
_EN_KEY_LEN = 3
# Porter2's exceptional forms, whose stems do not share a prefix with the word.
_EN_EXCEPTIONS = """skis skies dying lying tying idly gently ugly early only singly sky news howe
atlas cosmos bias andes inning innings outing outings canning cannings herring herrings earring
earrings proceed proceeds proceeded proceeding exceed exceeds exceeded exceeding succeed succeeds
succeeded succeeding""".split()

Shape = Literal["upper", "title", "lower", "mixed"] | None
Form = tuple[frozenset[str], Shape]
_NO_FORM: Form = (frozenset(), None)

_morph: MorphAnalyzer | None = None
_lock = threading.Lock()  # pymorphy3 and snowball objects are not thread-safe


class _EnglishStemmer:
    """The Snowball English stemmer, made at the first word stemmed: importing
    snowballstemmer loads every language's stemmer (~10 ms), which a poll in which no feed
    sent anything new (most polls: `monitor poll` from cron) never needs."""

    def __init__(self) -> None:
        self._stemmer: Any = None

    def stemWord(self, word: str) -> str:  # snowballstemmer's name
        if self._stemmer is None:
            import snowballstemmer

            self._stemmer = snowballstemmer.stemmer("english")
        stem: str = self._stemmer.stemWord(word)
        return stem


_stemmer = _EnglishStemmer()
_forms: dict[str, Form] = {}  # surface word -> its form
_by_lower: dict[str, frozenset[str]] = {}  # lower-cased word -> its normal forms


def _analyzer() -> MorphAnalyzer:
    """The process-wide Ukrainian analyzer, created on first use (~0.1 s)."""
    global _morph
    if _morph is None:
        with _lock:
            if _morph is None:
                from pymorphy3 import MorphAnalyzer

                _morph = MorphAnalyzer(lang="uk")
    return _morph


# Without apostrophes or underscores, a word is simply a run of \w (letters, digits): a
# regex without lookarounds, about half the cost of _TOKEN_RE on news text.
_PLAIN_WORD_RE = re.compile(r"\w+")
_ODD_RE = re.compile(f"[_{_APOSTROPHES}]")


def words_of(text: str) -> list[str]:
    """The words of ``text`` (as :func:`tokenize` finds them), without their offsets."""
    if _ODD_RE.search(text) is None:
        return _PLAIN_WORD_RE.findall(text)
    return _TOKEN_RE.findall(text)


_PLAIN_SPLIT_RE = re.compile(r"(\w+)")


def word_parts(text: str, words: int = 0) -> list[str]:
    """Separators and words of ``text`` alternating (``["", "Drone", " ", "deal", "!"]``),
    the words as :func:`words_of` finds them; with ``words``, only that many, then the rest
    of the text as one last part."""
    pattern = _PLAIN_SPLIT_RE if _ODD_RE.search(text) is None else _SPLIT_RE
    return pattern.split(text, words)


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """The words of ``text`` as ``(word, start, end)``."""
    return [(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def _shape(word: str) -> Shape:
    if not any(c.isalpha() for c in word):
        return None
    if word.isupper():
        return "title" if len(word) == 1 else "upper"
    if word.islower():
        return "lower"
    if word[0].isupper() and not any(c.isupper() for c in word[1:]):
        return "title"
    return "mixed"


def normalise_token(word: str) -> frozenset[str]:
    """The normal forms of one word: Ukrainian lemmas, an English stem, or the number."""
    return _form(word)[0]


def _form(word: str) -> Form:
    form = _forms.get(word)
    if form is None:
        form = (_lemmas(word.lower()), _shape(word))
        if len(_forms) >= _CACHE_LIMIT:
            _forms.clear()
        _forms[word] = form
    return form


def _lemmas(lower: str) -> frozenset[str]:
    """The normal forms of a lower-cased word, analysed once per spelling in any case
    (``Угода``, ``УГОДА`` and ``угода`` share one pymorphy3 lookup)."""
    forms = _by_lower.get(lower)
    if forms is None:
        if lower.isdigit():
            forms = frozenset((lower,))
        elif _CYRILLIC_RE.search(lower):
            plain = lower.translate(_APOSTROPHE_TABLE)
            morph = _analyzer()
            with _lock:
                try:
                    forms = frozenset((plain, *morph.normal_forms(plain)))
                except ValueError:  # pymorphy3 asks unicodedata.name() of letters that have
                    forms = frozenset((plain,))  # none (e.g. Tangut): the word stands as written
        else:
            with _lock:
                forms = frozenset((_stemmer.stemWord(lower),))
        if len(_by_lower) >= _CACHE_LIMIT:
            _by_lower.clear()
        _by_lower[lower] = forms
    return forms


def _uk_key(lower: str) -> str:
    return lower.translate(_UK_KEY_TABLE)


def _en_key(lower: str) -> str:
    return lower[:_EN_KEY_LEN].replace("y", "i")


def _lexeme_keys(word: str) -> set[str]:
    """Every form (as a prefilter key) of every dictionary paradigm ``word`` is a form of."""
    morph = _analyzer()
    d = morph.dictionary
    keys: set[str] = set()
    with _lock:
        for fixed, parses in d.words.similar_items(word, morph.char_substitutes):
            for para_id, idx in parses:
                paradigm = d.paradigms[para_id]
                n = len(paradigm) // 3
                stem = d.build_stem(paradigm, idx, fixed)
                keys.update(
                    _uk_key(
                        d.paradigm_prefixes[paradigm[2 * n + i]] + stem + d.suffixes[paradigm[i]]
                    )
                    for i in range(n)
                )
    return keys


class _Prefilter:
    """Whether a word could share a normal form with any term word, without lemmatising it.

    ``vocabulary`` is every normal form of every term word. A word can only agree with a
    term word if one of its own normal forms is in it, which a cheap test rules out for
    almost all words:

    - Cyrillic words found in the pymorphy3 dictionary get their lemmas from it alone
      (its analyzer stops there), and a dictionary word's lemma ``L`` is the first form
      of its paradigm; so every such word is a form of a dictionary paradigm that ``L``
      belongs to, and those lexemes are enumerated here once. Unknown words (guessed by
      suffix, so unpredictable) are always lemmatised.
    - A Snowball stem keeps the word's first three letters (up to y -> i); a stem of at
      most three letters keeps the first two (a one-letter stem, that letter); Porter2's
      few exceptional forms are listed.
    - Numbers are cheap and always pass.
    """

    def __init__(self, vocabulary: set[str]) -> None:
        morph = _analyzer()
        d = morph.dictionary
        keys = {_uk_key(w) for w in vocabulary}
        for word in vocabulary:
            keys |= _lexeme_keys(word)
        with _lock:
            exceptions = {_stemmer.stemWord(w): w for w in _EN_EXCEPTIONS}
        self._uk_keys = frozenset(keys)
        self._en_keys = frozenset(
            {_en_key(w) for w in vocabulary}
            | {_en_key(w) for s, w in exceptions.items() if s in vocabulary}
        )
        # A stem of up to 3 letters keeps only its first two (one, if that is all it has).
        self._en_short = frozenset(_en_key(w)[:2] for w in vocabulary if len(w) <= _EN_KEY_LEN)
        self._known = d.words.similar_keys
        self._substitutes = morph.char_substitutes

    def __call__(self, word: str) -> bool:
        lower = word.lower()
        if lower.isdigit():
            return True
        if _CYRILLIC_RE.search(lower):
            if _uk_key(lower) in self._uk_keys:
                return True
            lower = lower.translate(_APOSTROPHE_TABLE)
            with _lock:
                return not self._known(lower, self._substitutes)
        key = _en_key(lower)
        return key in self._en_keys or key[:2] in self._en_short or key[:1] in self._en_short
