"""Search over the history: an inverted index finds candidates, the query evaluator verifies.

The index holds, for a snapshot of items, every distinct lower-cased word (an id), the
items each word occurs in (a posting list), and each item's words as ids with sentence
numbers in two flat arrays. A query is answered with set algebra over posting lists:

- a word: the union of the postings of every indexed word sharing a normal form with it
  (each indexed word is analysed once, as watchlist terms are: lemmas, stems, numbers);
- a phrase or ``NEAR``: the items holding all its words, each then verified by
  :class:`monitor.query.Evaluator` (the one evaluator) on the item's stored word ids;
- fields: per-feed and per-tag lists made with the index; ``is:`` and the time fields are
  read from the items at query time (flags and read state change under the user);
- ``-x``: a complement, kept symbolic until the end (no 100k-element sets for ``-word``).

So a query costs a few set operations plus a verification of phrase candidates only, and
the UI and ``monitor search`` get the same answer as the evaluator would give item by item
(a test checks exactly that).
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate, compress
from operator import not_

from monitor.match import _TOKEN_RE
from monitor.match import _form as word_form
from monitor.models import Item
from monitor.query import (
    SENTENCE_BREAK_RE,
    And,
    Document,
    Evaluator,
    FieldFilter,
    Near,
    Node,
    Not,
    Outcome,
    Phrase,
    Query,
    TextField,
    Word,
    cutoff,
)
from monitor.query.evaluate import Form

__all__ = ["SearchIndex", "highlight", "search_items"]

_ALL_FIELD = "all"
_WORDS_AND_BREAKS_RE = re.compile(f"{_TOKEN_RE.pattern}|{SENTENCE_BREAK_RE.pattern}", re.IGNORECASE)
_NO_FORM: Form = (frozenset(), None)
_is_break = SENTENCE_BREAK_RE.match

# A set of item indices, or its complement (True): "-word" stays cheap until the end.
_Rows = tuple[set[int], bool]


class _Vocabulary(dict[str, int]):
    """Surface word -> id (from 1), handing out the next id on first sight; breaks -> 0."""

    def __missing__(self, word: str) -> int:
        n = 0 if _is_break(word) else len(self) + 1
        self[word] = n
        return n


@dataclass(slots=True)
class SearchIndex:
    """The index of one items snapshot; build it off the event loop (:meth:`build`)."""

    items: Sequence[Item]
    words: list[str]  # word id -> surface word (id 0: a sentence break)
    postings: list[array[int]]  # word id -> item indices, ascending, once each
    stream: array[int]  # every item's word ids with 0 at sentence breaks, item after item
    offsets: array[int]  # item i's words are stream[offsets[i] : offsets[i + 1]]
    by_feed: dict[str, list[int]]  # case-folded feed name -> item indices
    by_tag: dict[str, list[int]]  # case-folded watchlist name -> item indices
    _forms: list[Form] | None = None
    _by_form: dict[str, list[int]] | None = None

    @classmethod
    def build(cls, items: Sequence[Item]) -> SearchIndex:
        """One regex pass per item (words and sentence breaks); the analysis waits for a query.

        Title, summary and text are joined by line breaks, which end sentences, so no phrase
        runs from one field into the next, exactly as the evaluator keeps fields apart.
        """
        vocab = _Vocabulary()
        postings: list[array[int]] = [array("I")]
        stream: array[int] = array("I")
        offsets: array[int] = array("I", [0])
        by_feed: dict[str, list[int]] = {}
        by_tag: dict[str, list[int]] = {}
        lookup = vocab.__getitem__
        findall = _WORDS_AND_BREAKS_RE.findall
        for i, item in enumerate(items):
            text = item.text
            ids = list(map(lookup, findall(
                f"{item.title}\n{item.summary}\n{text}" if text else f"{item.title}\n{item.summary}"
            )))
            stream.extend(ids)
            offsets.append(len(stream))
            if len(postings) <= len(vocab):
                postings.extend(array("I") for _ in range(len(vocab) + 1 - len(postings)))
            for w in set(ids):
                postings[w].append(i)
            by_feed.setdefault(item.feed.casefold(), []).append(i)
            for tag in {m.watchlist.casefold() for m in item.matches}:
                by_tag.setdefault(tag, []).append(i)
        postings[0] = array("I")  # the break marker is not a word
        words = [""] * (len(vocab) + 1)
        for word, n in vocab.items():
            if n:
                words[n] = word
        return cls(items, words, postings, stream, offsets, by_feed, by_tag)

    def covers(self, items: Sequence[Item]) -> bool:
        return self.items is items

    # -- the word analysis, once per indexed word, on the first query ----------------

    def forms(self) -> list[Form]:
        if self._forms is None:
            self._forms = [_NO_FORM] + [word_form(w) for w in self.words[1:]]
        return self._forms

    def by_form(self) -> dict[str, list[int]]:
        if self._by_form is None:
            by_form: dict[str, list[int]] = {}
            for wid, (forms, _) in enumerate(self.forms()):
                for f in forms:
                    by_form.setdefault(f, []).append(wid)
            self._by_form = by_form
        return self._by_form

    def prepare(self) -> None:
        """Analyse every indexed word now (a worker calls this so the first query is quick)."""
        self.by_form()

    # -- queries -----------------------------------------------------------------------

    def search(
        self, query: Query, *, now: datetime | None = None, rows: Iterable[int] | None = None
    ) -> list[int]:
        """Indices of the items ``query`` matches (within ``rows`` if given), ascending."""
        if query.root is None:
            return sorted(rows) if rows is not None else list(range(len(self.items)))
        found, negated = _Search(self, now).rows(query.root)
        if rows is not None:
            return sorted(i for i in rows if (i in found) is not negated)
        if negated:
            return [i for i in range(len(self.items)) if i not in found]
        return sorted(found)

    def document(self, i: int) -> Document:
        """Item ``i`` as the evaluator sees it, from the stored word ids (no offsets)."""
        stream = self.stream[self.offsets[i] : self.offsets[i + 1]]
        sentences = list(compress(accumulate(map(not_, stream)), stream))
        item = self.items[i]
        return Document(
            {_ALL_FIELD: TextField(list(filter(None, stream)), sentences)},
            feed=item.feed,
            tags=frozenset(t.casefold() for t in item.tags),
            flagged=item.flagged,
            read=item.read,
            time=item.time,
        )


class _Search:
    """One query over one index."""

    def __init__(self, index: SearchIndex, now: datetime | None) -> None:
        self.index = index
        self.now = now
        self.all = len(index.items)

    def rows(self, node: Node) -> _Rows:
        if isinstance(node, Word):
            return self.word(node), False
        if isinstance(node, (Phrase, Near)):
            return self.verified(node), False
        if isinstance(node, FieldFilter):
            return self.field(node), False
        if isinstance(node, Not):
            found, negated = self.rows(node.child)
            return found, not negated
        if isinstance(node, And):
            # Filters on state (is:, since:, before:) test the few rows the rest let through.
            live = [c for c in node.children if _live(c)]
            rest = [c for c in node.children if not _live(c)]
            if live and rest:
                found, negated = _and([self.rows(c) for c in rest])
                if not negated:
                    tests = [self.test(c) for c in live]
                    return {i for i in found if all(t(i) for t in tests)}, False
            return _and([self.rows(c) for c in node.children])
        return _or([self.rows(c) for c in node.children])

    def word(self, word: Word) -> set[int]:
        index = self.index
        by_form = index.by_form()
        wids = {wid for f in word.forms for wid in by_form.get(f, ())}
        found: set[int] = set()
        for wid in wids:
            found.update(index.postings[wid])
        return found

    def candidates(self, node: Node) -> set[int]:
        """Items holding every word a phrase/NEAR needs (a superset of its matches)."""
        if isinstance(node, Word):
            return self.word(node)
        if isinstance(node, Phrase):
            return _intersect([self.word(w) for w in node.words])
        if isinstance(node, Near):
            return _intersect([self.candidates(node.left), self.candidates(node.right)])
        found: set[int] = set()
        for child in node.children:  # type: ignore[union-attr]
            found |= self.candidates(child)
        return found

    def verified(self, node: Phrase | Near) -> set[int]:
        index = self.index
        ev = Evaluator(node, forms_of=index.forms().__getitem__)
        return {i for i in self.candidates(node) if ev.evaluate(index.document(i)).matched}

    def test(self, node: Node) -> Callable[[int], bool]:
        """A state filter (or its negation) as a test of one row."""
        if isinstance(node, Not):
            inner = self.test(node.child)
            return lambda i: not inner(i)
        assert isinstance(node, FieldFilter)
        items = self.index.items
        if node.name == "is":
            if node.value == "flagged":
                return lambda i: items[i].flagged
            want = node.value == "read"
            return lambda i: items[i].read is want
        if self.now is None:
            return lambda i: False
        when = cutoff(node, self.now)
        if node.name == "since":
            return lambda i: items[i].time >= when
        return lambda i: items[i].time < when

    def field(self, flt: FieldFilter) -> set[int]:
        index, items = self.index, self.index.items
        if flt.name == "feed":
            return set(index.by_feed.get(flt.value.casefold(), ()))
        if flt.name == "watchlist":
            return set(index.by_tag.get(flt.value.casefold(), ()))
        if flt.name == "is":
            if flt.value == "flagged":
                return {i for i, it in enumerate(items) if it.flagged}
            want = flt.value == "read"
            return {i for i, it in enumerate(items) if it.read is want}
        if self.now is None:
            return set()
        when = cutoff(flt, self.now)
        if flt.name == "since":
            return {i for i, it in enumerate(items) if it.time >= when}
        return {i for i, it in enumerate(items) if it.time < when}


def _live(node: Node) -> bool:
    """Whether ``node`` is a filter on state that changes (is:, since:, before:), maybe negated."""
    while isinstance(node, Not):
        node = node.child
    return isinstance(node, FieldFilter) and node.name in ("is", "since", "before")


def _intersect(sets: list[set[int]]) -> set[int]:
    sets.sort(key=len)
    out = set(sets[0])
    for s in sets[1:]:
        out &= s
    return out


def _and(parts: list[_Rows]) -> _Rows:
    positive = [s for s, neg in parts if not neg]
    negative = [s for s, neg in parts if neg]
    excluded = set().union(*negative) if negative else set()
    if not positive:
        return excluded, True
    found = _intersect(positive)
    return found - excluded, False


def _or(parts: list[_Rows]) -> _Rows:
    positive = [s for s, neg in parts if not neg]
    negative = [s for s, neg in parts if neg]
    found = set().union(*positive) if positive else set()
    if not negative:
        return found, False
    # a OR -b OR -c = -(b AND c AND -a)
    return _intersect(negative) - found, True


def search_items(items: Sequence[Item], query: Query, *, now: datetime | None = None) -> list[Item]:
    """The items ``query`` matches, in the order given (for the CLI)."""
    index = SearchIndex.build(items)
    return [items[i] for i in index.search(query, now=now)]


def highlight(query: Query, item: Item, *, now: datetime | None = None) -> Outcome:
    """Which characters of the item's title, summary and text made ``query`` match."""
    return Evaluator(query).evaluate(Document.from_item(item), now=now)

