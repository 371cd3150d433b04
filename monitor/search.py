"""Search over the history: an inverted index finds candidates, the query evaluator verifies.

The word index (:mod:`monitor.word_index`, grown across snapshots) holds every distinct
surface word (an id), the documents each word occurs in (a posting list), and each
document's words as ids with sentence breaks. A query is answered with set algebra over
posting lists:

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

from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from monitor.models import Item
from monitor.query import (
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
from monitor.word_index import MAX_DOCS, TextIndex
from monitor.wordforms import _form as word_form
from monitor.wordforms import _Prefilter

__all__ = ["Highlighter", "SearchIndex", "TextIndex", "highlight", "positive_terms", "search_items"]

_ALL_FIELD = "all"
_NO_FORM: Form = (frozenset(), None)
_PREFILTER_MAX_IDS = 500  # surface forms of one phrase word; beyond, evaluate every candidate

# A set of item indices, or its complement (True): "-word" stays cheap until the end.
_Rows = tuple[set[int], bool]


@dataclass(slots=True)
class SearchIndex:
    """The index of one items snapshot (rows = positions in ``items``); build it off the loop."""

    items: Sequence[Item]
    text: TextIndex
    docs: array[int]  # row -> doc number
    row_of_doc: array[int]  # doc number -> row, -1 when not in this snapshot
    by_feed: dict[str, array[int]]  # case-folded feed name -> rows
    by_tag: dict[str, array[int]]  # case-folded watchlist name -> rows

    @classmethod
    def build(
        cls,
        items: Sequence[Item],
        previous: SearchIndex | None = None,
        *,
        pause: Callable[[], None] | None = None,
    ) -> SearchIndex:
        """Index ``items``, reusing ``previous``'s text index for the items it has seen
        (``pause``: see :meth:`TextIndex.add`)."""
        text = previous.text if previous is not None else TextIndex()
        if previous is not None and (
            text.docs > 2 * len(items) + 10_000 or text.docs + len(items) >= MAX_DOCS
        ):
            text = TextIndex()  # mostly pruned items: start afresh rather than grow
        docs = text.add(items, pause=pause)
        row_of_doc = array("i", [-1]) * text.docs
        for row, doc in enumerate(docs):
            row_of_doc[doc] = row
        by_feed: dict[str, array[int]] = {}
        by_tag: dict[str, array[int]] = {}
        for row, item in enumerate(items):
            if pause is not None and not row & 0x3FF:
                pause()
            rows = by_feed.get(feed := item.feed.casefold())
            if rows is None:
                rows = by_feed[feed] = array("I")
            rows.append(row)
            if item.matches:
                for tag in {m.watchlist.casefold() for m in item.matches}:
                    rows = by_tag.get(tag)
                    if rows is None:
                        rows = by_tag[tag] = array("I")
                    rows.append(row)
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
        docs: set[int] = set()
        for wid in text.word_ids(word.forms):
            docs.update(text.docs_of(wid))
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
        ev = Evaluator(node, forms_of=index.text.forms_of)
        return {i for i in candidates if ev.evaluate(index.document(i)).matched}

    def phrase_prefilter(self, phrase: Phrase, rows: set[int]) -> set[int]:
        """Rows whose stored word ids hold the phrase's ids in a row: one C-level regex
        search of each row's bytes, so a phrase of common words ("the of") does not cost an
        evaluation per item that has both words. A sentence break is id 0, so a phrase
        across one is never there; the evaluator still decides (case, NEAR, forms), this
        only drops rows that cannot match."""
        text = self.index.text
        alternatives = []
        for word in phrase.words:
            wids = sorted(text.word_ids(word.forms))
            if not wids or len(wids) > _PREFILTER_MAX_IDS:
                return rows if wids else set()
            alternatives.append(wids)
        search = text.phrase_finder(alternatives).search
        stream, offsets, docs = text.stream, text.offsets, self.index.docs
        return {i for i in rows if search(stream, offsets[docs[i]], offsets[docs[i] + 1])}

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
