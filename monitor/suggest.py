"""Suggestions for a watchlist from the history: words, phrases and NEAR pairs that are far
more common in its hits than elsewhere, and the untagged items each would add.

``monitor watchlist suggest NAME`` prints them; nothing is written. Words are counted by
normal form (Ukrainian lemmas, English stems: ``monitor.match``'s analysis), once per item;
a candidate is shown with its commonest surface form, which matches every other form of
the word when pasted into ``terms`` or ``rules``.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from monitor.match import Matcher
from monitor.models import Item, Watchlist
from monitor.query import analyse_field
from monitor.wordforms import _form

K = TypeVar("K")  # what a ranked count is of: a word, a phrase, a NEAR pair

__all__ = ["Candidate", "Suggestions", "suggest"]

BACKGROUND_SAMPLE = 20_000  # untagged items counted for the background rates
NEAR = 5  # words apart for the candidate rules
MIN_HITS = 2  # a candidate must occur in at least this many hits
_STOP = frozenset(
    """
the a an and or of to in on for with by at from as is are was were be been has have had it its
this that these those which who will would could should may can not no but than into over after
about more most also said says say new one two three his her their our your they them he she we
you i mr ms per via up out all any other some such only just like year years day days week
і й та в у на з із зі до за про для від не як це що по але також які який яка яке якого щоб
під час після було буде має мають був була були вже ще же чи або при між над через так тому
його її їх він вона вони ми ви це цей ця ці той та те свій своє свої нас вас нам вам
""".split()
)


@dataclass(slots=True)
class Candidate:
    """One suggested term or rule with its counts and sample titles."""

    text: str  # ready to paste: a word, a "phrase" or a NEAR rule
    kind: str  # "term" or "rule"
    hits: int  # tagged items containing it
    others: int  # untagged items containing it (in the background sample): what it adds
    ratio: float  # how much commoner it is in hits than in the background
    samples: list[str] = field(default_factory=list)  # untagged titles it would add


@dataclass(slots=True)
class Suggestions:
    watchlist: str
    tagged: int
    background: int  # untagged items looked at
    words: list[Candidate]
    phrases: list[Candidate]
    rules: list[Candidate]


def _key(word: str) -> str | None:
    """A word's canonical normal form, or None for numbers, short and function words."""
    lower = word.lower()
    if len(lower) < 3 or lower.isdigit() or lower in _STOP:
        return None
    forms = _form(word)[0]
    lemmas = forms - {lower} or forms
    key = min(lemmas)
    return None if key in _STOP else key


@dataclass(slots=True)
class _Doc:
    title: str
    keys: list[list[str | None]]  # per sentence, the key of each word
    words: set[str] = field(default_factory=set)
    phrases: set[tuple[str, str]] = field(default_factory=set)


class _Surface:
    """The commonest surface form (lower case) of each key and key pair."""

    def __init__(self) -> None:
        self.words: dict[str, Counter[str]] = {}
        self.phrases: dict[tuple[str, str], Counter[str]] = {}

    def word(self, key: str) -> str:
        return self.words[key].most_common(1)[0][0]

    def phrase(self, pair: tuple[str, str]) -> str:
        return self.phrases[pair].most_common(1)[0][0]


def _analyse(item: Item, surface: _Surface | None) -> _Doc:
    doc = _Doc(item.title, [])
    for text in (item.title, item.summary):
        if not text:
            continue
        f = analyse_field(text)
        sentence: list[str | None] = []
        last = -1
        prev: tuple[str | None, str] = (None, "")
        for word, number in zip(f.keys, f.sentences, strict=True):
            if number != last:
                if sentence:
                    doc.keys.append(sentence)
                sentence, last, prev = [], number, (None, "")
            key = _key(str(word))
            sentence.append(key)
            if key is not None:
                doc.words.add(key)
                if surface is not None:
                    surface.words.setdefault(key, Counter())[str(word).lower()] += 1
                if prev[0] is not None:
                    pair = (prev[0], key)
                    doc.phrases.add(pair)
                    if surface is not None:
                        shown = f"{prev[1]} {str(word).lower()}"
                        surface.phrases.setdefault(pair, Counter())[shown] += 1
            prev = (key, str(word).lower())
        if sentence:
            doc.keys.append(sentence)
    return doc


def _near_pairs(doc: _Doc, wanted: set[str]) -> set[tuple[str, str]]:
    """Unordered pairs of ``wanted`` keys at most NEAR words apart in one sentence."""
    out: set[tuple[str, str]] = set()
    for sentence in doc.keys:
        for i, a in enumerate(sentence):
            if a not in wanted:
                continue
            for b in sentence[i + 1 : i + NEAR + 2]:
                if b in wanted and b != a:
                    out.add((a, b) if a < b else (b, a))
    return out


def suggest(
    items: Sequence[Item], watchlist: Watchlist, *, limit: int = 12, seed: int = 0
) -> Suggestions:
    """Mine ``items`` (tagged as the watchlist is written now) for candidates."""
    matcher = Matcher([watchlist])
    tagged: list[Item] = []
    untagged: list[Item] = []
    for item in items:
        hit = matcher.match(item.title, item.summary, item.text, feed=item.feed)
        (tagged if hit else untagged).append(item)
    if len(untagged) > BACKGROUND_SAMPLE:
        untagged = random.Random(seed).sample(untagged, BACKGROUND_SAMPLE)
    surface = _Surface()
    hit_docs = [_analyse(i, surface) for i in tagged]
    other_docs = [_analyse(i, None) for i in untagged]
    h, o = max(len(hit_docs), 1), max(len(other_docs), 1)

    def rank(in_hits: Counter[K], in_others: Counter[K]) -> list[tuple[K, int, int, float]]:
        out: list[tuple[K, int, int, float]] = []
        for key, a in in_hits.items():
            if a < MIN_HITS:
                continue
            b = in_others.get(key, 0)
            if b == 0:  # adds no item: the watchlist already has what this would catch
                continue
            ratio = (a / h) / ((b + 0.5) / o)
            if ratio >= 3:
                out.append((key, a, b, ratio))
        # Frequent in hits and rare elsewhere first.
        out.sort(key=lambda r: (-(r[1] / h) * math.log(r[3]), str(r[0])))
        return out

    words_h = Counter(k for d in hit_docs for k in d.words)
    words_o = Counter(k for d in other_docs for k in d.words)
    phrases_h = Counter(p for d in hit_docs for p in d.phrases)
    phrases_o = Counter(p for d in other_docs for p in d.phrases)

    def samples(test: object) -> list[str]:
        return [d.title for d in other_docs if test(d)][:3]  # type: ignore[operator]

    words = [
        Candidate(
            surface.word(k),
            "term",
            a,
            b,
            r,
            samples(lambda d, k=k: k in d.words),
        )
        for k, a, b, r in rank(words_h, words_o)[:limit]
    ]
    phrases = [
        Candidate(
            f'"{surface.phrase(p)}"',
            "term",
            a,
            b,
            r,
            samples(lambda d, p=p: p in d.phrases),
        )
        for p, a, b, r in rank(phrases_h, phrases_o)[:limit]
    ]
    top = {k for k, *_ in rank(words_h, words_o)[: limit * 2]}
    pairs_h = Counter(p for d in hit_docs for p in _near_pairs(d, top))
    pairs_o = Counter(p for d in other_docs for p in _near_pairs(d, top))
    rules = []
    for pair, a, b, r in rank(pairs_h, pairs_o)[:limit]:
        x, y = pair
        rules.append(
            Candidate(
                f"{surface.word(x)} NEAR/{NEAR} {surface.word(y)}",
                "rule",
                a,
                b,
                r,
                samples(lambda d, pair=pair: pair in _near_pairs(d, set(pair))),
            )
        )
    return Suggestions(watchlist.name, len(tagged), len(other_docs), words, phrases, rules)


def report_lines(s: Suggestions) -> list[str]:
    """The suggestions for people (plain text; titles cleaned by the caller's printer)."""
    from monitor.text import one_line, shorten, strip_escapes

    lines = [
        f'Suggestions for "{s.watchlist}": {s.tagged:,} items tagged, {s.background:,} '
        "untagged items compared. Nothing was written."
    ]
    sections = (
        ("Words (paste into terms, or into a rule)", s.words),
        ("Phrases (terms)", s.phrases),
        ("Words that occur together (rules)", s.rules),
    )
    for title, found in sections:
        lines += ["", f"{title}:"]
        if not found:
            lines.append("  (none stand out)")
        for c in found:
            lines.append(
                f"  {c.text:<40} in {c.hits} tagged, {c.others} untagged "
                f"(x{c.ratio:,.0f} commoner in hits)"
            )
            for sample in c.samples:
                lines.append(f"      untagged: {shorten(one_line(strip_escapes(sample)), 90)}")
    lines += [
        "",
        "Try a candidate first: add it to a copy of feeds.toml and run "
        "`monitor watchlist test NAME --config COPY`.",
    ]
    return lines
