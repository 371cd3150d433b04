"""A cheap scan of raw text for the words a watchlist could fire on, for whole-history runs.

``monitor watchlist test`` runs one watchlist over every stored item; most items cannot be
tagged by it, and the word beginnings present say so without tokenising: an item passes only
when some term or rule finds a beginning for each word it needs. Beginnings are found by one
regex per whitespace-separated chunk of text, once per distinct chunk, and a rare-word gate
(each term's or rule's rarest word, by a sample of the history) rules out an item made of
known chunks with one set operation. The beginnings come from the matcher's own reasoning
(``monitor.match``'s prefilter): an English word begins with its stem's first three letters
(two for a stem of three or fewer, ``y`` read as ``i``); a Ukrainian dictionary word is a
form of a paradigm enumerated from the dictionary; a number is itself. An unknown Ukrainian
word is lemmatised by guessing from its ending, so its lemma is taken to share its first
three letters: an assumption (pymorphy3 replaces endings and keeps prefixes), not a proof.
A scan only ever skips items; every item it lets through is matched in full.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import reduce
from operator import or_

from monitor.match import Matcher
from monitor.rules import requirements
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
_CHUNKS_LIMIT = 500_000
_NORMAL = str.maketrans({**{c: "'" for c in _APOSTROPHES}, "ґ": "г", "y": "i"})
_CLASSES = {"i": "[iy]", "г": "[гґ]", "'": f"[{_APOSTROPHES}]"}
_EXCEPTIONS: dict[str, str] = {}
_Trie = dict[str, "_Trie"]  # one character -> what may follow it ("" ends a beginning)


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
    apostrophes as character classes: lower() is fast, translate() is not).

    The alternatives form a trie (``dro|дро|без`` share nothing, ``sv[iy]|swa`` share ``s``),
    so the engine tries few at each place; the lookbehind finds word starts in the engine
    instead of a Python loop over hits inside words (together about 2.5x faster)."""
    trie: _Trie = {}
    for beginning in beginnings:
        node = trie
        for char in beginning:
            node = node.setdefault(char, {})
        node[""] = {}
    if not trie:
        return re.compile("(?!)")
    return re.compile(f"(?<![^\\W_]){_alternatives(trie)}")


def _alternatives(node: _Trie) -> str:
    """The regex of a trie node's continuations, longest first: a hit is the longest
    beginning at that word start, so the beginnings there are exactly its prefixes."""
    parts = [_CLASSES.get(c, re.escape(c)) + _alternatives(n) for c, n in sorted(node.items()) if c]
    if not parts:
        return ""
    body = parts[0] if len(parts) == 1 else f"(?:{'|'.join(parts)})"
    return f"(?:{body})?" if "" in node else body


class _Learnt(dict[str, int]):
    """A dict that asks ``learn`` for what it lacks (``learn`` stores it)."""

    def __init__(self, learn: Callable[[str], int]) -> None:
        super().__init__()
        self.learn = learn

    def __missing__(self, key: str) -> int:
        return self.learn(key)


class Scan:
    """``could_tag(*texts)``: False when no term or rule of ``matcher`` can fire on them.

    Every term needs a word beginning with each of its words' beginnings, and every rule one
    of each of its requirement sets (:func:`monitor.rules.requirements`); a text passes when
    all of some term's or rule's sets are met (bit masks). The beginnings present are found
    per whitespace-separated chunk of text ("Drone", "(США)"), once per chunk (a word and
    its start never span whitespace, so a text meets what its chunks meet together).

    A rare-word gate comes first: each term or rule needs its rarest set (the one met by the
    fewest texts of ``sample``, tuples of texts like those to be scanned), and a text made
    of chunks known to meet none of those sets is ruled out by one set operation."""

    def __init__(self, matcher: Matcher, sample: Iterable[Sequence[str]] = ()) -> None:
        needs: list[list[frozenset[str]]] = [
            [word_beginnings(forms) for forms in words] for words in matcher.term_words()
        ]
        for root in matcher.rule_roots():
            needs.append([word_beginnings(forms) for forms in requirements(root)])
        # A term or rule needing nothing this scan can see (refused by the config): scan nothing.
        self._everything = any(not need or not all(need) for need in needs)
        bits: dict[frozenset[str], int] = {}
        need_bits = [sorted({bits.setdefault(s, len(bits)) for s in need}) for need in needs]
        self._needs = sorted({sum(1 << bit for bit in nb) for nb in need_bits})
        union = frozenset().union(*bits)
        # A hit is the longest beginning at a word start: the beginnings there are its prefixes.
        self._mask_of = {
            hit: sum(1 << bit for wanted, bit in bits.items() if any(map(hit.startswith, wanted)))
            for hit in union
        }
        self._findall = _regex(union).findall
        self._hits: dict[str, int] = {}  # a hit as written (ґ, y, apostrophes) -> its mask
        # Chunk -> the sets its word starts meet, learnt on first sight (bounded).
        self._chunks = _Learnt(self._learn)
        self._calm: set[str] = set()  # chunks meeting no set of the gate (bounded)
        self._gate = -1  # every set, while the sample is read
        self._gate = self._rare_gate(len(bits), need_bits, sample)
        self._calm = {chunk for chunk, mask in self._chunks.items() if not mask & self._gate}

    def _rare_gate(
        self, count: int, need_bits: list[list[int]], sample: Iterable[Sequence[str]]
    ) -> int:
        """The bits of each need's rarest set: met by the fewest sample texts, then the
        one of fewest beginnings."""
        met = [0] * count
        for texts in sample:
            mask = self._mask("\n".join(texts).split())
            for bit in range(count):
                met[bit] += mask >> bit & 1
        sizes = [0] * count
        for mask in self._mask_of.values():
            for bit in range(count):
                sizes[bit] += mask >> bit & 1
        chosen = {min(nb, key=lambda bit: (met[bit], sizes[bit], bit)) for nb in need_bits if nb}
        return sum(1 << bit for bit in chosen)

    def _mask(self, chunks: list[str]) -> int:
        """The sets met at the word starts of ``chunks``."""
        return reduce(or_, map(self._chunks.__getitem__, chunks), 0)

    def _learn(self, chunk: str) -> int:
        """The sets met at the word starts of a chunk not seen before (then remembered)."""
        if len(self._chunks) >= _CHUNKS_LIMIT:
            self._chunks.clear()
            self._calm.clear()
        mask = 0
        for hit in self._findall(chunk.lower()):
            bits = self._hits.get(hit)
            if bits is None:
                bits = self._hits[hit] = self._mask_of.get(hit.translate(_NORMAL), 0)
            mask |= bits
        self._chunks[chunk] = mask
        if not mask & self._gate:
            self._calm.add(chunk)
        return mask

    def could_tag(self, *texts: str) -> bool:
        if self._everything:
            return True
        # A line break between the texts: no chunk spans two of them.
        chunks = "\n".join(texts).split()
        if self._calm.issuperset(chunks):
            return False  # most items: no word starts like the rarest word of any need
        mask = self._mask(chunks)
        return any(need & mask == need for need in self._needs)
