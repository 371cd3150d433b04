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
import threading
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate, compress
from operator import not_

from monitor.match import _TOKEN_RE, _Prefilter
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
    Or,
    Outcome,
    Phrase,
    Query,
    Span,
    TextField,
    Word,
    cutoff,
    walk,
)
from monitor.query.evaluate import Form

__all__ = ["Highlighter", "SearchIndex", "TextIndex", "highlight", "positive_terms", "search_items"]

_ALL_FIELD = "all"
_WORDS_AND_BREAKS_RE = re.compile(f"{_TOKEN_RE.pattern}|{SENTENCE_BREAK_RE.pattern}", re.IGNORECASE)
_NO_FORM: Form = (frozenset(), None)
_is_break = SENTENCE_BREAK_RE.match
_PREFILTER_MAX_IDS = 500  # surface forms of one phrase word; beyond, evaluate every candidate
_findall = _WORDS_AND_BREAKS_RE.findall

# A set of item indices, or its complement (True): "-word" stays cheap until the end.
_Rows = tuple[set[int], bool]


class _Vocabulary(dict[str, int]):
    """Surface word -> id (from 1), handing out the next id on first sight; breaks -> 0."""

    def __missing__(self, word: str) -> int:
        n = 0 if _is_break(word) else len(self) + 1
        self[word] = n
        return n


class TextIndex:
    """Postings of word ids over documents numbered as first seen; it grows, never rebuilt.

    One per UI session: each new history snapshot adds only the items it has not seen (by
    id and text lengths), so a poll of 500 new items costs 500 items, not 100,000. Every
    new word is analysed as it is added (in the view worker, never on the event loop).
    The lock keeps a search on the UI thread from reading a half-added chunk.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.vocab = _Vocabulary()
        self.words: list[str] = [""]  # word id -> surface word (id 0: a sentence break)
        self.forms: list[Form] = [_NO_FORM]  # word id -> (normal forms, shape)
        self.by_form: dict[str, list[int]] = {}  # normal form -> word ids
        self.postings: list[array[int]] = [array("I")]  # word id -> doc numbers, ascending
        self.stream: array[int] = array("I")  # every doc's word ids, 0 at sentence breaks
        self.offsets: array[int] = array("I", [0])  # doc d is stream[offsets[d]:offsets[d+1]]
        self.doc_of: dict[str, int] = {}  # item id -> its latest doc
        self.sizes: array[int] = array("Q")  # doc -> its text lengths (see _sizes)

    @property
    def docs(self) -> int:
        return len(self.offsets) - 1

    def add(self, items: Sequence[Item], *, chunk: int = 2000) -> array[int]:
        """The doc number of every item, indexing those not seen yet (in locked chunks).

        Title, summary and text are joined by line breaks, which end sentences, so no phrase
        runs from one field into the next, exactly as the evaluator keeps fields apart.
        """
        doc_of, sizes = self.doc_of, self.sizes
        docs: array[int] = array("I", [0]) * len(items)
        fresh: list[int] = []
        for n, it in enumerate(items):
            doc = doc_of.get(it.id)
            if doc is None or sizes[doc] != _sizes(it):  # new, or its text changed
                fresh.append(n)
            else:
                docs[n] = doc
        for start in range(0, len(fresh), chunk):
            with self.lock:
                for n in fresh[start : start + chunk]:
                    item = items[n]
                    doc_of[item.id] = docs[n] = self._add(item)
                    sizes.append(_sizes(item))
                self._analyse_new_words()
        return docs

    def _add(self, item: Item) -> int:
        doc = self.docs
        text = item.text
        ids = list(
            map(
                self.vocab.__getitem__,
                _findall(
                    f"{item.title}\n{item.summary}\n{text}"
                    if text
                    else f"{item.title}\n{item.summary}"
                ),
            )
        )
        self.stream.extend(ids)
        self.offsets.append(len(self.stream))
        postings = self.postings
        if len(postings) <= len(self.vocab):
            postings.extend(array("I") for _ in range(len(self.vocab) + 1 - len(postings)))
        for w in set(ids):
            if w:
                postings[w].append(doc)
        return doc

    def _analyse_new_words(self) -> None:
        if len(self.words) > len(self.vocab):
            return
        new = [""] * (len(self.vocab) + 1 - len(self.words))
        base = len(self.words)
        for word, n in self.vocab.items():
            if n >= base:
                new[n - base] = word
        for n, word in enumerate(new, base):
            form = word_form(word)
            self.words.append(word)
            self.forms.append(form)
            for f in form[0]:
                self.by_form.setdefault(f, []).append(n)

    def words_of(self, doc: int) -> tuple[list[int], list[int]]:
        """Doc ``doc``'s word ids and their sentence numbers."""
        stream = self.stream[self.offsets[doc] : self.offsets[doc + 1]]
        return list(filter(None, stream)), list(compress(accumulate(map(not_, stream)), stream))


@dataclass(slots=True)
class SearchIndex:
    """The index of one items snapshot (rows = positions in ``items``); build it off the loop."""

    items: Sequence[Item]
    text: TextIndex
    docs: array[int]  # row -> doc number
    row_of_doc: array[int]  # doc number -> row, -1 when not in this snapshot
    by_feed: dict[str, list[int]]  # case-folded feed name -> rows
    by_tag: dict[str, list[int]]  # case-folded watchlist name -> rows

    @classmethod
    def build(cls, items: Sequence[Item], previous: SearchIndex | None = None) -> SearchIndex:
        """Index ``items``, reusing ``previous``'s text index for the items it has seen."""
        text = previous.text if previous is not None else TextIndex()
        if previous is not None and text.docs > 2 * len(items) + 10_000:
            text = TextIndex()  # mostly pruned items: start afresh rather than grow
        docs = text.add(items)
        row_of_doc = array("i", [-1]) * text.docs
        for row, doc in enumerate(docs):
            row_of_doc[doc] = row
        by_feed: dict[str, list[int]] = {}
        by_tag: dict[str, list[int]] = {}
        for row, item in enumerate(items):
            by_feed.setdefault(item.feed.casefold(), []).append(row)
            if item.matches:
                for tag in {m.watchlist.casefold() for m in item.matches}:
                    by_tag.setdefault(tag, []).append(row)
        return cls(items, text, docs, row_of_doc, by_feed, by_tag)

    def covers(self, items: Sequence[Item]) -> bool:
        return self.items is items

    # -- queries -----------------------------------------------------------------------

    def search(
        self, query: Query, *, now: datetime | None = None, rows: Iterable[int] | None = None
    ) -> list[int]:
        """Indices of the items ``query`` matches (within ``rows`` if given), ascending."""
        if query.root is None:
            return sorted(rows) if rows is not None else list(range(len(self.items)))
        with self.text.lock:
            found, negated = _Search(self, now).rows(query.root)
        if rows is not None:
            return sorted(i for i in rows if (i in found) is not negated)
        if negated:
            return [i for i in range(len(self.items)) if i not in found]
        return sorted(found)

    def document(self, row: int) -> Document:
        """The item of ``row`` as the evaluator sees it, from the stored word ids (no offsets)."""
        keys, sentences = self.text.words_of(self.docs[row])
        item = self.items[row]
        return Document(
            {_ALL_FIELD: TextField(keys, sentences)},
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
        text = self.index.text
        wids = {wid for f in word.forms for wid in text.by_form.get(f, ())}
        docs: set[int] = set()
        for wid in wids:
            docs.update(text.postings[wid])
        row_of, known = self.index.row_of_doc, len(self.index.row_of_doc)
        found = {row_of[d] for d in docs if d < known}
        found.discard(-1)
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
        candidates = self.candidates(node)
        if isinstance(node, Phrase):
            candidates = self.phrase_prefilter(node, candidates)
        ev = Evaluator(node, forms_of=index.text.forms.__getitem__)
        return {i for i in candidates if ev.evaluate(index.document(i)).matched}

    def phrase_prefilter(self, phrase: Phrase, rows: set[int]) -> set[int]:
        """Rows whose stored word ids hold the phrase's ids in a row: one C-level regex
        search of each row's bytes, so a phrase of common words ("the of") does not cost an
        evaluation per item that has both words. A sentence break is id 0, so a phrase
        across one is never there. Byte matches off the 4-byte grid may pass: the evaluator
        still decides; this only drops rows that cannot match."""
        text = self.index.text
        alternatives = []
        for word in phrase.words:
            wids = sorted({wid for f in word.forms for wid in text.by_form.get(f, ())})
            if not wids or len(wids) > _PREFILTER_MAX_IDS:
                return rows if wids else set()
            raw = array("I", wids).tobytes()
            size = text.stream.itemsize
            alternatives.append(
                b"(?:"
                + b"|".join(re.escape(raw[k : k + size]) for k in range(0, len(raw), size))
                + b")"
            )
        search = re.compile(b"".join(alternatives), re.DOTALL).search
        stream, offsets, docs = text.stream, text.offsets, self.index.docs
        return {
            i for i in rows if search(stream[offsets[docs[i]] : offsets[docs[i] + 1]].tobytes())
        }

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


def _sizes(item: Item) -> int:
    """The lengths of an item's title, summary and text in one number: a changed text (an
    article fetched later) makes the item a new doc. 20 bits each; longer texts wrap, which
    at worst misses a change of exactly 2**20 characters."""
    mask = (1 << 20) - 1
    return (len(item.title) & mask) << 40 | (len(item.summary) & mask) << 20 | len(item.text) & mask


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
    """The items ``query`` matches, in the order given (for the CLI, which searches once).

    No index to build: every item goes through the evaluator, and a word of an item that
    cannot share a form with any query word (the watchlist matcher's prefilter) is never
    lemmatised, so one search costs about one tokenising pass over the history."""
    nodes = walk(query.root) if query.root is not None else []
    words = [n for n in nodes if isinstance(n, Word)]
    words += [w for n in nodes if isinstance(n, Phrase) for w in n.words]
    may_agree = _Prefilter({f for w in words for f in w.forms})

    def forms_of(word: str) -> Form:
        return word_form(word) if may_agree(word) else _NO_FORM

    evaluator = Evaluator(query, forms_of=forms_of)
    return [it for it in items if evaluator.evaluate(Document.from_item(it), now=now).matched]


def highlight(query: Query, item: Item, *, now: datetime | None = None) -> Outcome:
    """Which characters of the item's title, summary and text made ``query`` match."""
    return Evaluator(query).evaluate(Document.from_item(item), now=now)


def positive_terms(node: Node | None) -> list[Node]:
    """The words, phrases and NEARs of a query that are not excluded (what to highlight)."""
    if node is None or isinstance(node, (Not, FieldFilter)):
        return []
    if isinstance(node, (Word, Phrase, Near)):
        return [node]
    return [t for child in node.children for t in positive_terms(child)]


class Highlighter:
    """Where a query's (non-excluded) words, phrases and NEARs occur, for the list and detail.

    Every occurrence is marked, wherever it is, as search boxes do; the one evaluator finds
    them (an OR of the query's positive terms), with its word memo kept across items.
    """

    _LIMIT = 2000

    def __init__(self, query: Query) -> None:
        terms = positive_terms(query.root)
        root: Node | None = (terms[0] if len(terms) == 1 else Or(tuple(terms))) if terms else None
        self._evaluator = Evaluator(root) if root is not None else None
        self._lines: dict[str, list[tuple[int, int]]] = {}

    def __bool__(self) -> bool:
        return self._evaluator is not None

    def line(self, text: str) -> list[tuple[int, int]]:
        """Character spans in ``text`` (one shown line, e.g. a cleaned title); cached."""
        if self._evaluator is None or not text:
            return []
        found = self._lines.get(text)
        if found is None:
            outcome = self._evaluator.evaluate(Document.from_text(title=text))
            found = [(s.start, s.end) for s in outcome.spans]
            if len(self._lines) >= self._LIMIT:
                self._lines.clear()
            self._lines[text] = found
        return found

    def item(self, item: Item) -> tuple[Span, ...]:
        """Spans in the item's raw title, summary and text (offsets as in ``Match``)."""
        if self._evaluator is None:
            return ()
        return self._evaluator.evaluate(Document.from_item(item)).spans
