"""The one per-document evaluator: does a query match an item, and which words made it.

Search verifies its index candidates with it; watchlist rules run it on every new item.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from monitor.query.syntax import (
    _AGE_RE,
    And,
    FieldFilter,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Query,
    Word,
    cutoff,
)
from monitor.wordforms import _SENTENCE_BREAK_RE as _MATCH_BREAK_RE
from monitor.wordforms import _form as word_form
from monitor.wordforms import tokenize

if TYPE_CHECKING:
    from monitor.models import Item

TEXT_FIELDS = ("title", "summary", "text")
_MAX_HITS = 5000  # per node and field: enough to highlight, bounded for pathological texts
_MEMO_LIMIT = 200_000
# What a phrase or NEAR never spans: any sentence or clause end, or a line break. One
# definition, the watchlist terms' (monitor.match), so a term and a quoted phrase agree.
SENTENCE_BREAK_RE = _MATCH_BREAK_RE

Form = tuple[frozenset[str], "str | None"]
FormOf = Callable[[Any], Form]


@dataclass(slots=True)
class TextField:
    """One text field as the evaluator sees it: a key per word and its sentence number.

    A key is the surface word (``Document.from_text``) or any stand-in the evaluator's
    ``forms_of`` understands (the search index uses word ids). Offsets, when present, let
    the evaluator say which characters matched.
    """

    keys: Sequence[Hashable]
    sentences: Sequence[int]
    starts: Sequence[int] = ()
    ends: Sequence[int] = ()


def analyse_field(text: str) -> TextField:
    """The words of ``text`` (tokenised as watchlist terms are), their offsets and sentences."""
    breaks = [m.start() for m in SENTENCE_BREAK_RE.finditer(text)]
    keys: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    sentences: list[int] = []
    b, nb = 0, len(breaks)
    for word, start, end in tokenize(text):
        while b < nb and breaks[b] <= start:
            b += 1
        keys.append(word)
        starts.append(start)
        ends.append(end)
        sentences.append(b)
    return TextField(keys, sentences, starts, ends)


@dataclass(slots=True)
class Document:
    """What the evaluator sees of one item: its text fields and the metadata fields test."""

    fields: dict[str, TextField]
    feed: str = ""
    tags: frozenset[str] = frozenset()  # watchlist names, case-folded
    flagged: bool = False
    read: bool = False
    time: datetime | None = None

    @classmethod
    def from_text(cls, **texts: str) -> Document:
        """``Document.from_text(title=..., summary=..., text=...)``; empty fields are left out."""
        return cls({name: analyse_field(t) for name, t in texts.items() if t})

    @classmethod
    def from_item(cls, item: Item) -> Document:
        texts = {"title": item.title, "summary": item.summary, "text": item.text}
        doc = cls.from_text(**{k: v for k, v in texts.items() if isinstance(v, str)})
        doc.feed = item.feed
        doc.tags = frozenset(t.casefold() for t in item.tags)
        doc.flagged = item.flagged
        doc.read = item.read
        doc.time = item.time
        return doc


@dataclass(frozen=True, slots=True)
class Span:
    """A matched run of text: ``text[start:end]`` of the named field."""

    field: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Outcome:
    matched: bool
    spans: tuple[Span, ...] = ()


# A hit: (field, first word index, last word index, highlighted word ranges).
_Hit = tuple[str, int, int, tuple[tuple[int, int], ...]]


class _Agrees(dict[Hashable, bool]):
    """Word key -> whether it is a form of one query word; filled on first sight, bounded."""

    def __init__(self, word: Word, forms_of: FormOf, case_sensitive: bool) -> None:
        super().__init__()
        self.word = word
        self.forms_of = forms_of
        self.case_sensitive = case_sensitive

    def __missing__(self, key: Hashable) -> bool:
        forms, shape = self.forms_of(key)
        ok = not self.word.forms.isdisjoint(forms) and (
            # Case-sensitive watchlists: a lower-case word matches any case ("smart case").
            not self.case_sensitive or self.word.shape in (None, "lower", shape)
        )
        if len(self) >= _MEMO_LIMIT:
            self.clear()
        self[key] = ok
        return ok


class Evaluator:
    """A query ready to test many documents; remembers which surface words agree with it.

    ``forms_of(key) -> (normal forms, shape)`` turns a document's word keys into forms: by
    default ``monitor.match``'s analysis of the surface word (lemmas, stems, numbers). With
    ``case_sensitive`` a query word written with capitals must also have its capitalisation
    shape (a lower-case query word matches any case, as watchlist terms do).
    """

    def __init__(
        self,
        query: Query | Node | None,
        *,
        forms_of: FormOf = word_form,
        case_sensitive: bool = False,
    ) -> None:
        self.root = query.root if isinstance(query, Query) else query
        self.forms_of = forms_of
        self.case_sensitive = case_sensitive
        self._agrees: dict[int, _Agrees] = {}

    def agrees(self, word: Word) -> _Agrees:
        found = self._agrees.get(id(word))
        if found is None:
            found = self._agrees[id(word)] = _Agrees(word, self.forms_of, self.case_sensitive)
        return found

    def evaluate(self, doc: Document, *, now: datetime | None = None) -> Outcome:
        """Whether ``doc`` matches, and the spans of the words that made it match.

        ``since:7d`` needs ``now``; without it, ages never match. Spans come from the
        positive parts that held (an excluded word is never highlighted), merged per field.
        """
        if self.root is None:
            return Outcome(True)
        ok, hits = _Run(self, doc, now).node(self.root)
        if not ok:
            return Outcome(False)
        return Outcome(True, _spans(doc, hits))


@dataclass(slots=True)
class _Run:
    """One evaluation of one document."""

    ev: Evaluator
    doc: Document
    now: datetime | None
    memo: dict[int, list[_Hit]] = field(default_factory=dict)

    def node(self, node: Node) -> tuple[bool, list[_Hit]]:
        if isinstance(node, (Word, Phrase, Near)):
            found = self.hits(node)
            return bool(found), found
        if isinstance(node, FieldFilter):
            return self.field(node), []
        if isinstance(node, Not):
            ok, _ = self.node(node.child)
            return not ok, []
        hits: list[_Hit] = []
        if isinstance(node, And):
            for child in node.children:
                ok, h = self.node(child)
                if not ok:
                    return False, []
                hits.extend(h)
            return True, hits
        matched = False
        for child in node.children:
            ok, h = self.node(child)
            if ok:
                matched = True
                hits.extend(h)
        return matched, hits

    def field(self, flt: FieldFilter) -> bool:
        doc = self.doc
        if flt.name == "feed":
            return doc.feed.casefold() == flt.value.casefold()
        if flt.name == "watchlist":
            return flt.value.casefold() in doc.tags
        if flt.name == "is":
            return {"flagged": doc.flagged, "unread": not doc.read, "read": doc.read}[flt.value]
        if doc.time is None or (self.now is None and _AGE_RE.match(flt.value)):
            return False
        when = cutoff(flt, self.now if self.now is not None else doc.time)
        return doc.time >= when if flt.name == "since" else doc.time < when

    def hits(self, node: Node) -> list[_Hit]:
        """Every place a text node matches, ordered by field then first word."""
        key = id(node)
        found = self.memo.get(key)
        if found is not None:
            return found
        out: list[_Hit] = []
        if isinstance(node, Or):
            for child in node.children:
                out.extend(self.hits(child))
            out.sort(key=lambda h: (h[0], h[1]))
        elif isinstance(node, Near):
            out = self.near(node)
        elif isinstance(node, Word):
            agrees = self.ev.agrees(node)
            for name, f in self.doc.fields.items():
                out.extend((name, i, i, ((i, i),)) for i, k in enumerate(f.keys) if agrees[k])
        elif isinstance(node, Phrase):
            checks = [self.ev.agrees(w) for w in node.words]
            first, rest = checks[0], list(enumerate(checks[1:], 1))
            span = len(checks) - 1
            for name, f in self.doc.fields.items():
                keys, sentences = f.keys, f.sentences
                last = len(keys) - span
                for i in [i for i, k in enumerate(keys) if first[k]]:
                    if i < last and all(
                        agree[keys[i + k]] and sentences[i + k] == sentences[i] for k, agree in rest
                    ):
                        out.append((name, i, i + span, ((i, i + span),)))
        self.memo[key] = out = out[:_MAX_HITS] if len(out) > _MAX_HITS else out
        return out

    def near(self, node: Near) -> list[_Hit]:
        left, right = self.hits(node.left), self.hits(node.right)
        if not left or not right:
            return []
        out: list[_Hit] = []
        n = node.distance
        for name, f in self.doc.fields.items():
            rs = [h for h in right if h[0] == name]
            if not rs:
                continue
            sentences = f.sentences
            starts = [h[1] for h in rs]
            # A right hit within the window starts at most n + (its length) before the left.
            longest = max(h[2] - h[1] for h in rs) + 1
            for _, a, b, lparts in (h for h in left if h[0] == name):
                for _, c, d, rparts in rs[bisect_left(starts, a - n - longest) :]:
                    if c > b + n + 1:
                        break
                    if not (d < a or c > b):
                        continue  # overlapping: the same words cannot be both sides
                    gap = c - b - 1 if c > b else a - d - 1
                    if gap <= n and sentences[min(a, c)] == sentences[max(b, d)]:
                        out.append((name, min(a, c), max(b, d), lparts + rparts))
                        if len(out) >= _MAX_HITS:
                            return out
        out.sort(key=lambda h: (h[0], h[1]))
        return out


def evaluate(
    query: Query | Node | None,
    doc: Document,
    *,
    now: datetime | None = None,
    case_sensitive: bool = False,
) -> Outcome:
    """One-off :meth:`Evaluator.evaluate`; build an :class:`Evaluator` to test many documents."""
    return Evaluator(query, case_sensitive=case_sensitive).evaluate(doc, now=now)


def _spans(doc: Document, hits: Sequence[_Hit]) -> tuple[Span, ...]:
    ranges: dict[str, set[tuple[int, int]]] = {}
    for name, _, _, parts in hits:
        ranges.setdefault(name, set()).update(parts)
    out: list[Span] = []
    for name, f in doc.fields.items():
        if not f.starts or name not in ranges:
            continue
        merged: list[list[int]] = []
        for a, b in sorted(ranges[name]):
            start, end = f.starts[a], f.ends[b]
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        out.extend(Span(name, s, e) for s, e in merged)
    return tuple(out)
