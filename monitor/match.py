"""Watchlist matching: whole phrases on word boundaries, inflection-aware.

A term matches when its words appear consecutively in the title, the summary or the
article text, each text word having the same *normal form* as the term word (Ukrainian
lemmas, English stems, numbers: see :mod:`monitor.wordforms`, which also defines words).
Two words of a phrase may not be split by ``. : ; ! ?``, an ellipsis or a line break
(``Angry drone: deal or no deal`` is not ``drone deal``); hyphens, apostrophes, commas
and quotes may sit between them, and so may the full stops of ``U.S.`` or ``3.5``.

Matching is case-insensitive unless the watchlist says ``case_sensitive = true``; then a
term word written with capitals must also have its capitalisation shape (ALLCAPS,
Titlecase) in the text, so ``PURL`` does not match knitting's ``purl`` and ``US`` not the
pronoun ``us``; a word written in lower case still matches any capitalisation ("smart
case", as in vim), so ``deal`` also matches a headline's ``Deal``. A hit that lies inside
a hit of one of the watchlist's ``exclude`` phrases does not count.

Only ever feed this module parsed plain text (``Item.title``/``summary``/``text``), never raw
XML: a namespace such as ``xmlns:dc="http://purl.org/dc/..."`` is not news.

Speed: most fields hold no word any term or rule wants. A matcher remembers the
whitespace-separated chunks of text ("deal,", "(US)") known to hold none, and a field made
only of those is settled by ``str.split`` and one set operation, without tokenising it (a
word never spans whitespace). Other fields are tokenised once by one compiled regex (which
also gives the offsets of hits); each distinct surface word is normalised once (bounded
caches) and looked up in an index of terms keyed by their first word, and a starting word's
places are found by ``list.index``. Lemmatising is the expensive part, so a Matcher first
asks whether a word could agree with any term word at all (see
``monitor.wordforms._Prefilter``); words that cannot are never lemmatised or stemmed.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING, Literal

from monitor.models import Item, Match, Watchlist
from monitor.wordforms import (
    _CACHE_LIMIT,
    _NO_FORM,
    _SENTENCE_BREAK_RE,
    Form,
    _lemmas,
    _shape,
    word_parts,
    words_of,
)

# Re-exported: search.py and stories/ import these from here (the analysis used to live here).
from monitor.wordforms import _TOKEN_RE as _TOKEN_RE
from monitor.wordforms import _form as _form
from monitor.wordforms import _Prefilter as _Prefilter
from monitor.wordforms import normalise_token as normalise_token
from monitor.wordforms import tokenize as tokenize

if TYPE_CHECKING:
    from monitor.query import Node
    from monitor.rules import RuleSet

__all__ = ["Matcher", "normalise_token", "snippet", "tokenize"]

# Bump when the matching rules change, so stored tags are recomputed (see signature).
_RULES_VERSION = 2
_SNIPPET_CONTEXT = 70
FIELDS: tuple[Literal["title", "summary", "text"], ...] = ("title", "summary", "text")


@dataclass(frozen=True, slots=True)
class _Term:
    watchlist: int  # index into Matcher.watchlists
    text: str  # as written in feeds.toml
    first: Form
    rest: tuple[Form, ...]  # the words after the first
    case_sensitive: bool
    exclude: bool
    order: int  # position in feeds.toml, for a stable output order


class _Forms(dict[str, Form]):
    """Surface word -> its form, or no form when it cannot agree with any term word.

    The prefilter and the analysis are asked once per lower-cased word: a headline's
    ``Drones`` costs a dict lookup once the text's ``drones`` was seen."""

    def __init__(self, may_agree: _Prefilter | None) -> None:
        super().__init__()
        self.may_agree = may_agree
        self.lowered: dict[str, frozenset[str]] = {}

    def __missing__(self, word: str) -> Form:
        lower = word.lower()
        forms = self.lowered.get(lower)
        if forms is None:
            if self.may_agree is None or self.may_agree(lower):
                forms = _lemmas(lower)
            else:
                forms = frozenset()
            if len(self.lowered) >= _CACHE_LIMIT:
                self.lowered.clear()
            self.lowered[lower] = forms
        form = (forms, _shape(word)) if forms else _NO_FORM
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        self[word] = form
        return form


class _Candidates:
    """The words of the texts seen so far that can start a term, found by set operations.

    Each new surface word is analysed once (``note``); a field then costs a few passes of
    C set operations over its words instead of one Python-level lookup per word."""

    def __init__(self, index: dict[str, list[_Term]], forms: _Forms, rules: RuleSet) -> None:
        self.index = index
        self.forms = forms
        self.rules = rules  # told of every new word, for the words rules need
        self.seen: set[str] = set()  # every surface word noted (bounded)
        self.starts: dict[str, tuple[_Term, ...]] = {}  # word -> the terms it can start
        self.start_words: set[str] = set()  # the keys of starts, as a set
        self.wanted: set[str] = set()  # start words and words meeting some rule requirement
        # Whitespace-separated chunks of text ("deal,", "(US)") of fields that held no word
        # any term or rule wants. A word never spans whitespace, so a field made only of
        # such chunks has nothing for them either, and is not tokenised (bounded; not
        # cleared with ``seen``: which chunks are quiet depends on the watchlists alone).
        self.quiet: set[str] = set()
        self.loud: set[str] = set()  # chunks holding a wanted word (bounded)

    def note_new(self, words: list[str]) -> None:
        """Analyse the words not seen before."""
        if self.seen.issuperset(words):
            return
        if len(self.seen) >= _CACHE_LIMIT:
            self.seen.clear()
            self.starts.clear()
            self.start_words.clear()
            self.wanted.clear()
            self.rules.forget()
            self.quiet.clear()  # a known chunk's words must be in ``seen``
            self.loud.clear()
        for word in set(words).difference(self.seen):
            self.seen.add(word)
            forms, shape = self.forms[word]
            if not forms:  # most words: they cannot agree with any term or rule word
                continue
            found: dict[_Term, None] = {}
            for nf in sorted(forms):
                for term in self.index.get(nf, ()):
                    if not term.case_sensitive or term.first[1] in (None, "lower", shape):
                        found[term] = None
            if found:
                self.starts[word] = tuple(found)
                self.start_words.add(word)
                self.wanted.add(word)
            if self.rules.note(word, forms):
                self.wanted.add(word)

    def file_chunks(self, new: set[str], wanted: set[str]) -> None:
        """File the new chunks of a field whose words were noted and of which ``wanted``
        are wanted: a chunk none of those is part of is quiet, so the next field made of
        known chunks is not tokenised."""
        if len(self.quiet) + len(self.loud) >= _CACHE_LIMIT:
            self.quiet.clear()
            self.loud.clear()
        for chunk in new:
            # Its words are words of the field: wanted if and only if among ``wanted``.
            if any(word in chunk for word in wanted) and (
                chunk in wanted or not wanted.isdisjoint(words_of(chunk))
            ):
                self.loud.add(chunk)
            else:
                self.quiet.add(chunk)


class Matcher:
    """Matches items against watchlists; build once per config, reuse for every item.

    Terms are matched here; rules (see :mod:`monitor.rules`) by the query evaluator, on
    the words analysed by this matcher (same forms, same prefilter)."""

    def __init__(self, watchlists: Sequence[Watchlist], *, prefilter: bool = True) -> None:
        """``prefilter=False`` lemmatises every word (slower; same results, for tests).

        Cheap: the terms are analysed and the rules compiled on first use (~0.5 s with the
        shipped watchlists), so a poll in which no feed sent anything new never pays it."""
        self.watchlists = tuple(watchlists)
        self._prefilter = prefilter
        self._build_lock = threading.Lock()
        self._built: tuple[RuleSet, _Forms, _Candidates] | None = None
        payload = [
            [wl.name, list(wl.terms), wl.case_sensitive, list(wl.exclude), list(wl.rules)]
            for wl in self.watchlists
        ]
        raw = json.dumps([_RULES_VERSION, payload], ensure_ascii=False)
        # Changes whenever the watchlists (or the matching rules) change.
        self.signature: str = hashlib.sha256(raw.encode()).hexdigest()[:16]

    @property
    def _rules(self) -> RuleSet:
        return (self._built or self._build())[0]

    @property
    def _forms(self) -> _Forms:
        return (self._built or self._build())[1]

    @property
    def _candidates(self) -> _Candidates:
        return (self._built or self._build())[2]

    def _build(self) -> tuple[RuleSet, _Forms, _Candidates]:
        """Analyse every term and compile every rule, once (thread-safe)."""
        from monitor.query import QueryError
        from monitor.rules import RuleSet, exclude_rule, phrase_words

        with self._build_lock:
            if self._built is not None:
                return self._built
            index: dict[str, list[_Term]] = {}  # first word's normal form -> terms
            vocabulary: set[str] = set()  # every normal form of every term and rule word
            queries: list[tuple[str, str, bool, bool]] = []
            order = 0
            for wi, wl in enumerate(self.watchlists):
                phrases = [(t, False) for t in dict.fromkeys(wl.terms)]
                queries += [(wl.name, t, wl.case_sensitive, False) for t in dict.fromkeys(wl.rules)]
                for text in dict.fromkeys(wl.exclude):
                    try:
                        query = exclude_rule(text)
                    except QueryError:  # the config refuses these; a hand-made one is a phrase
                        query = None
                    if query is None:
                        phrases.append((phrase_words(text), True))
                    else:
                        queries.append((wl.name, text, wl.case_sensitive, True))
                for text, exclude in phrases:
                    words = tuple(_form(w) for w, _, _ in tokenize(text))
                    if not words:
                        continue
                    term = _Term(wi, text, words[0], words[1:], wl.case_sensitive, exclude, order)
                    order += 1
                    for nf in words[0][0]:
                        index.setdefault(nf, []).append(term)
                    for forms, _ in words:
                        vocabulary.update(forms)
            rules = RuleSet(queries)
            vocabulary |= rules.vocabulary
            forms_of = _Forms(_Prefilter(vocabulary) if self._prefilter else None)
            candidates = _Candidates(index, forms_of, rules)
            rules.bind(forms_of.__getitem__)
            self._built = (rules, forms_of, candidates)
            return self._built

    def match(self, title: str, summary: str, text: str = "", *, feed: str = "") -> list[Match]:
        """Every hit in title, summary then text, ordered by field, offset, watchlist, term.

        A rule gives one hit, where its words first matched; ``feed`` is for ``feed:``."""
        rules, _, candidates = self._built or self._build()
        field = self._match_field
        if not rules:
            found = field("title", title, None, candidates)
            found += field("summary", summary, None, candidates)
            return found + field("text", text, None, candidates) if text else found
        seen: list[tuple[list[str], set[str]]] = []
        found = field("title", title, seen, candidates)
        found += field("summary", summary, seen, candidates)
        if text:
            found += field("text", text, seen, candidates)
        if not seen and not found:
            return found  # the common case: no rule can fire (see RuleSet.apply)
        return rules.apply((title, summary, text), seen, feed, found)

    def term_words(self) -> list[tuple[frozenset[str], ...]]:
        """The normal forms of each word of each term (not exclude phrases)."""
        return [
            (t.first[0], *(forms for forms, _ in t.rest))
            for ts in self._candidates.index.values()
            for t in ts
            if not t.exclude
        ]

    def rule_roots(self) -> list[Node]:
        """The query (AST root) of each rule that tags (not exclude rules)."""
        return [r.query.root for r in self._rules.rules if r.query.root is not None]

    def apply(self, item: Item) -> bool:
        """Set ``item.matches``; True when they differ from what the item had."""
        matches = self.match(item.title, item.summary, item.text, feed=item.feed)
        if matches == item.matches:
            return False
        item.matches = matches
        return True

    def _match_field(
        self,
        field: Literal["title", "summary", "text"],
        text: str,
        seen: list[tuple[list[str], set[str]]] | None,
        candidates: _Candidates,
    ) -> list[Match]:
        """The term hits in one field; notes its words for the rules in ``seen`` (only
        a field with words some rule needs)."""
        chunks = text.split()
        quiet = candidates.quiet
        if quiet.issuperset(chunks):
            return []  # most fields, once their chunks were seen: nothing is wanted
        parts = word_parts(text)  # separators and words alternating: the offsets, if hit
        words = parts[1::2]
        new = set(chunks).difference(quiet, candidates.loud)
        if new:  # words in a known chunk were noted with it
            candidates.note_new(words)
        wanted = candidates.wanted.intersection(words)
        if not wanted:
            if len(quiet) >= _CACHE_LIMIT:
                quiet.clear()
            quiet.update(new)  # the others are quiet already
            return []
        if seen is not None:
            rule_words = wanted & candidates.rules.surface
            if rule_words:
                seen.append((words, rule_words))
        if new:
            candidates.file_chunks(new, wanted)
        starters = wanted & candidates.start_words
        if not starters:
            return []
        starts, forms = candidates.starts, candidates.forms
        found: list[tuple[int, int, _Term]] = []
        for word in starters:  # where each starter occurs: list.index, not a loop in Python
            terms = starts[word]
            i = words.index(word)
            while True:
                for term in terms:
                    if not term.rest or _rest_agrees(term, words, i, forms):
                        found.append((i, i + len(term.rest), term))
                try:
                    i = words.index(word, i + 1)
                except ValueError:
                    break
        if not found:
            return []
        found.sort(key=_first_word)  # stable: as a scan of the words would find them
        offsets = list(accumulate(map(len, parts)))  # word i spans offsets[2i : 2i+2]
        hits = [
            (offsets[2 * i], offsets[2 * last + 1], term)
            for i, last, term in found
            if not term.rest
            or not _SENTENCE_BREAK_RE.search(text, offsets[2 * i + 1], offsets[2 * last])
        ]
        excluded = [(s, e, t.watchlist) for s, e, t in hits if t.exclude]
        counted: set[tuple[int, str, int]] = set()
        kept: list[tuple[int, int, _Term]] = []
        for start, end, term in hits:
            key = (term.watchlist, term.text, start)
            if term.exclude or key in counted:
                continue
            if any(w == term.watchlist and s <= start and end <= e for s, e, w in excluded):
                continue
            counted.add(key)
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


def _first_word(hit: tuple[int, int, _Term]) -> int:
    return hit[0]


def _rest_agrees(term: _Term, words: list[str], i: int, known: _Forms) -> bool:
    """Whether the words after ``words[i]`` agree with the rest of ``term``."""
    if i + len(term.rest) >= len(words):
        return False
    for k, (want_forms, want_shape) in enumerate(term.rest, i + 1):
        forms, shape = known[words[k]]
        if want_forms.isdisjoint(forms):
            return False
        if term.case_sensitive and want_shape not in (None, "lower", shape):
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
