"""Watchlist matching: whole phrases on word boundaries, inflection-aware.

A term matches when its words appear consecutively in the title or the summary, each
text word having the same *normal form* as the term word:

- Cyrillic (Ukrainian) words by lemma, via pymorphy3; an ambiguous word stands for the
  set of its possible lemmas and two words agree when those sets intersect;
- Latin words by their Snowball English stem (also inside Ukrainian text);
- numbers literally.

Words are runs of letters/digits; hyphens and punctuation separate them, apostrophes
between Cyrillic letters (``об'єкт``, ``обʼєкт``, ``об’єкт``) belong to the word. Two
words of a phrase may not be split by sentence punctuation (``drone. Deal``).

Matching is case-insensitive unless the watchlist says ``case_sensitive = true``; then
every text word must also have the capitalisation shape (ALLCAPS, Titlecase, lowercase)
of the term word, so ``PURL`` does not match knitting's ``purl``. A hit that lies inside
a hit of one of the watchlist's ``exclude`` phrases does not count.

Only ever feed this module parsed plain text (``Item.title``/``Item.summary``), never raw
XML: a namespace such as ``xmlns:dc="http://purl.org/dc/..."`` is not news.

Speed: each field is tokenised once by one compiled regex; each distinct surface word is
normalised once (bounded caches) and looked up in an index of terms keyed by their first
word, so the cost per word is about one dict lookup.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate, compress
from typing import TYPE_CHECKING, Literal

import snowballstemmer

from monitor.models import Item, Match, Watchlist

if TYPE_CHECKING:
    from pymorphy3 import MorphAnalyzer

__all__ = ["Matcher", "normalise_token", "snippet", "tokenize"]

# Bump when the matching rules change, so stored tags are recomputed (see signature).
_RULES_VERSION = 1
_CACHE_LIMIT = 200_000
_SNIPPET_CONTEXT = 70

_CYR = "а-яёіїєґ"
_APOSTROPHES = "'’ʼ`"
_TOKEN_RE = re.compile(
    rf"[^\W_]+(?:(?<=[{_CYR}])[{_APOSTROPHES}](?=[{_CYR}])[^\W_]+)*", re.IGNORECASE
)
_SPLIT_RE = re.compile(f"({_TOKEN_RE.pattern})", re.IGNORECASE)
_CYRILLIC_RE = re.compile(rf"[{_CYR}]", re.IGNORECASE)
_APOSTROPHE_TABLE = str.maketrans({c: "'" for c in _APOSTROPHES})
_SENTENCE_BREAK_RE = re.compile(r"[.!?;…]")

Shape = Literal["upper", "title", "lower", "mixed"] | None
Form = tuple[frozenset[str], Shape]

_morph: MorphAnalyzer | None = None
_lock = threading.Lock()  # pymorphy3 and snowball objects are not thread-safe
_stemmer = snowballstemmer.stemmer("english")
_forms: dict[str, Form] = {}


def _analyzer() -> MorphAnalyzer:
    """The process-wide Ukrainian analyzer, created on first use (~0.1 s)."""
    global _morph
    if _morph is None:
        with _lock:
            if _morph is None:
                from pymorphy3 import MorphAnalyzer

                _morph = MorphAnalyzer(lang="uk")
    return _morph


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
        lower = word.lower()
        if lower.isdigit():
            forms = frozenset((lower,))
        elif _CYRILLIC_RE.search(lower):
            lower = lower.translate(_APOSTROPHE_TABLE)
            morph = _analyzer()
            with _lock:
                forms = frozenset((lower, *morph.normal_forms(lower)))
        else:
            with _lock:
                forms = frozenset((_stemmer.stemWord(lower),))
        form = (forms, _shape(word))
        if len(_forms) >= _CACHE_LIMIT:
            _forms.clear()
        _forms[word] = form
    return form


@dataclass(frozen=True, slots=True)
class _Term:
    watchlist: int  # index into Matcher.watchlists
    text: str  # as written in feeds.toml
    first: Form
    rest: tuple[Form, ...]  # the words after the first
    case_sensitive: bool
    exclude: bool
    order: int  # position in feeds.toml, for a stable output order


class _Candidates(dict[str, tuple[_Term, ...]]):
    """Surface word -> the terms it can start; filled on first sight, bounded."""

    def __init__(self, index: dict[str, list[_Term]]) -> None:
        super().__init__()
        self.index = index

    def __missing__(self, word: str) -> tuple[_Term, ...]:
        forms, shape = _form(word)
        found: dict[_Term, None] = {}
        for nf in sorted(forms):
            for term in self.index.get(nf, ()):
                if not term.case_sensitive or term.first[1] in (None, shape):
                    found[term] = None
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        self[word] = terms = tuple(found)
        return terms


class Matcher:
    """Matches items against watchlists; build once per config, reuse for every item."""

    def __init__(self, watchlists: Sequence[Watchlist]) -> None:
        self.watchlists = tuple(watchlists)
        index: dict[str, list[_Term]] = {}  # first word's normal form -> terms
        order = 0
        for wi, wl in enumerate(self.watchlists):
            phrases = [(t, False) for t in dict.fromkeys(wl.terms)]
            phrases += [(t, True) for t in dict.fromkeys(wl.exclude)]
            for text, exclude in phrases:
                words = tuple(_form(w) for w, _, _ in tokenize(text))
                if not words:
                    continue
                term = _Term(
                    wi, text, words[0], words[1:], wl.case_sensitive, exclude, order
                )
                order += 1
                for nf in words[0][0]:
                    index.setdefault(nf, []).append(term)
        self._candidates = _Candidates(index)
        payload = [
            [wl.name, list(wl.terms), wl.case_sensitive, list(wl.exclude)]
            for wl in self.watchlists
        ]
        raw = json.dumps([_RULES_VERSION, payload], ensure_ascii=False)
        # Changes whenever the watchlists (or the matching rules) change.
        self.signature: str = hashlib.sha256(raw.encode()).hexdigest()[:16]

    def match(self, title: str, summary: str) -> list[Match]:
        """Every hit in title then summary, ordered by field, offset, watchlist, term."""
        return self._match_field("title", title) + self._match_field("summary", summary)

    def apply(self, item: Item) -> bool:
        """Set ``item.matches``; True when they differ from what the item had."""
        matches = self.match(item.title, item.summary)
        if matches == item.matches:
            return False
        item.matches = matches
        return True

    def _match_field(self, field: Literal["title", "summary"], text: str) -> list[Match]:
        # One regex pass: separators and words alternate, so offsets are running sums.
        parts = _SPLIT_RE.split(text)
        words = parts[1::2]
        candidates = list(map(self._candidates.__getitem__, words))
        if not any(candidates):
            return []
        found = [
            (i, i + len(term.rest), term)
            for i in compress(range(len(words)), candidates)
            for term in candidates[i]
            if not term.rest or _rest_agrees(term, words, i)
        ]
        if not found:
            return []
        offsets = list(accumulate(map(len, parts)))  # word i spans offsets[2i : 2i+2]
        hits = [
            (offsets[2 * i], offsets[2 * last + 1], term)
            for i, last, term in found
            if not term.rest
            or not _SENTENCE_BREAK_RE.search(text, offsets[2 * i + 1], offsets[2 * last])
        ]
        excluded = [(s, e, t.watchlist) for s, e, t in hits if t.exclude]
        seen: set[tuple[int, str, int]] = set()
        kept: list[tuple[int, int, _Term]] = []
        for start, end, term in hits:
            key = (term.watchlist, term.text, start)
            if term.exclude or key in seen:
                continue
            if any(w == term.watchlist and s <= start and end <= e for s, e, w in excluded):
                continue
            seen.add(key)
            kept.append((start, end, term))
        kept.sort(key=lambda h: (h[0], h[2].order))
        return [
            Match(
                watchlist=self.watchlists[term.watchlist].name,
                term=term.text,
                field=field,
                start=start,
                end=end,
                snippet=snippet(text, start, end),
            )
            for start, end, term in kept
        ]


def _rest_agrees(term: _Term, words: list[str], i: int) -> bool:
    """Whether the words after ``words[i]`` agree with the rest of ``term``."""
    if i + len(term.rest) >= len(words):
        return False
    for k, (want_forms, want_shape) in enumerate(term.rest, i + 1):
        forms, shape = _forms.get(words[k]) or _form(words[k])
        if want_forms.isdisjoint(forms):
            return False
        if term.case_sensitive and want_shape not in (None, shape):
            return False
    return True


def snippet(text: str, start: int, end: int, context: int = _SNIPPET_CONTEXT) -> str:
    """``text[start:end]`` with about ``context`` chars each side, cut at word boundaries."""
    left = text[max(0, start - context) : start]
    right = text[end : end + context]
    cut_left = start - context > 0
    cut_right = end + context < len(text)
    if cut_left and not (left[:1].isspace() or text[start - context - 1].isspace()):
        left = left.split(None, 1)[1] if len(left.split(None, 1)) > 1 else ""
    if cut_right and not (right[-1:].isspace() or text[end + context].isspace()):
        right = right.rsplit(None, 1)[0] if len(right.rsplit(None, 1)) > 1 else ""
    body = " ".join(f"{left}{text[start:end]}{right}".split())
    return f"{'…' if cut_left else ''}{body}{'…' if cut_right else ''}"
