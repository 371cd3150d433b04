"""A cheap scan of raw text for the words a watchlist could fire on, for whole-history runs.

``monitor watchlist test`` runs one watchlist over every stored item; most items cannot be
tagged by it, and one regex of word beginnings says so without tokenising them (a fifth of
the cost). The beginnings come from the matcher's own reasoning (``monitor.match``'s
prefilter): an English word begins with its stem's first three letters (two for a stem of
three or fewer, ``y`` read as ``i``); a Ukrainian dictionary word is a form of a paradigm
enumerated from the dictionary; a number is itself. An unknown Ukrainian word is lemmatised
by guessing from its ending, so its lemma is taken to share its first three letters: an
assumption (pymorphy3 replaces endings and keeps prefixes), not a proof. A scan only ever
skips items; every item it lets through is matched in full.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from monitor.match import Matcher
from monitor.query import And, Near, Or, Phrase, Word
from monitor.wordforms import (
    _APOSTROPHES,
    _CYRILLIC_RE,
    _EN_EXCEPTIONS,
    _EN_KEY_LEN,
    _en_key,
    _lexeme_keys,
    _lock,
    _stemmer,
    _uk_key,
)

__all__ = ["Scan", "word_beginnings"]

_LEN = 3
_NORMAL = str.maketrans({**{c: "'" for c in _APOSTROPHES}, "ґ": "г", "y": "i"})
_CLASSES = {"i": "[iy]", "г": "[гґ]", "'": f"[{_APOSTROPHES}]"}
_EXCEPTIONS: dict[str, str] = {}


def word_beginnings(forms: Iterable[str]) -> frozenset[str]:
    """Lower-case beginnings (``y`` as ``i``, ``ґ`` as ``г``, one apostrophe) one of which
    starts every word that can have one of ``forms``."""
    if not _EXCEPTIONS:
        with _lock:
            _EXCEPTIONS.update({_stemmer.stemWord(w): w for w in _EN_EXCEPTIONS})
    out: set[str] = set()
    for form in forms:
        if form.isdigit():
            out.add(form)
        elif _CYRILLIC_RE.search(form):
            out |= {k[:_LEN] for k in _lexeme_keys(form) | {_uk_key(form)}}
        else:
            key = _en_key(form)
            out.add(key[:2] if len(form) <= _EN_KEY_LEN else key)
            if form in _EXCEPTIONS:
                out.add(_en_key(_EXCEPTIONS[form]))
    return frozenset(b.lower().translate(_NORMAL) for b in out if b)


def _regex(beginnings: Iterable[str]) -> re.Pattern[str]:
    """Any of ``beginnings`` at a word's start in lower-cased text (the variants of y, ґ and
    apostrophes as character classes: lower() is fast, translate() is not)."""
    alternatives = sorted(
        ("".join(_CLASSES.get(c, re.escape(c)) for c in b) for b in beginnings),
        key=len,
        reverse=True,
    )
    # No lookbehind for the word start: it would stop the engine's fast first-character scan;
    # could_tag checks the character before a hit instead.
    return re.compile("|".join(alternatives) or "(?!)")


def _rarest(
    node: object, cost: Callable[[frozenset[str]], tuple[int, int]]
) -> frozenset[str] | None:
    """Beginnings one of which an item needs for ``node`` to match, the rarest such choice
    (by ``cost``); None when the node needs nothing of the text."""
    options: list[frozenset[str] | None]
    if isinstance(node, Word):
        return word_beginnings(node.forms)
    if isinstance(node, Phrase):
        options = [word_beginnings(w.forms) for w in node.words]
    elif isinstance(node, Near):
        options = [_rarest(node.left, cost), _rarest(node.right, cost)]
    elif isinstance(node, And):
        options = [_rarest(c, cost) for c in node.children]
    elif isinstance(node, Or):
        parts = [_rarest(c, cost) for c in node.children]
        if any(p is None for p in parts):
            return None
        return frozenset().union(*(p for p in parts if p is not None))
    else:
        return None  # Not, FieldFilter
    found = [o for o in options if o is not None]
    return min(found, key=cost) if found else None


class Scan:
    """``could_tag(*texts)``: False when no term or rule of ``matcher`` can fire on them."""

    def __init__(self, matcher: Matcher, sample: Iterable[str]) -> None:
        """``sample``: texts like those to be scanned, to pick each rule's rarest word."""
        texts = [t for t in sample if t]
        costs: dict[frozenset[str], tuple[int, int]] = {}

        def cost(beginnings: frozenset[str]) -> tuple[int, int]:
            if beginnings not in costs:
                probe = Scan.__new__(Scan)
                probe._search = _regex(beginnings).search
                costs[beginnings] = (sum(1 for t in texts if probe.could_tag(t)), len(beginnings))
            return costs[beginnings]

        wanted: set[str] = set()
        for forms in matcher.first_words():
            wanted |= word_beginnings(forms)
        for root in matcher.rule_roots():
            chosen = _rarest(root, cost)
            if chosen is None:  # a rule needing no word (refused by the config): scan nothing
                wanted = {""}
                break
            wanted |= chosen
        self._search = _regex(wanted).search

    def could_tag(self, *texts: str) -> bool:
        search = self._search
        for text in texts:
            if not text:
                continue
            low = text.lower()
            hit = search(low)
            while hit is not None:
                at = hit.start()
                if at == 0 or not low[at - 1].isalnum():  # at a word's beginning
                    return True
                hit = search(low, at + 1)
        return False
