"""The one per-document evaluator: does a query match an item, and which words made it.

Search verifies its index candidates with it; watchlist rules run it on every new item.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.match import _form as word_form
from monitor.match import tokenize
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

if TYPE_CHECKING:
    from monitor.models import Item

TEXT_FIELDS = ("title", "summary", "text")
_MAX_HITS = 5000  # per node and field: enough to highlight, bounded for pathological texts
# Between two words: a hard break, or a full stop/ellipsis/!/? followed by a space.
_HARD_BREAK_RE = re.compile(r"[:;\n\r\u2028\u2029]")
_SOFT_BREAK_RE = re.compile(r"[.!?…][\"'»”’)\]]*\s")

@dataclass(frozen=True, slots=True)
class Token:
    """One word of a field: its normal forms, shape, character span and sentence number."""

    forms: frozenset[str]
    shape: str | None
    start: int
    end: int
    sentence: int


FormOf = Callable[[str], "tuple[frozenset[str], str | None]"]


def analyse_field(text: str, form_of: FormOf = word_form) -> list[Token]:
    """The words of one field with their forms and sentence numbers.

    ``form_of`` lets a caller that knows which forms can matter (the watchlist matcher's
    prefilter) skip lemmatising the rest.
    """
    tokens: list[Token] = []
    sentence = 0
    prev_end = 0
    prev_len = 0
    for word, start, end in tokenize(text):
        if tokens:
            gap = text[prev_end:start]
            if _HARD_BREAK_RE.search(gap):
                sentence += 1
            elif (soft := _SOFT_BREAK_RE.search(gap)) and (prev_len > 1 or soft[0][0] != "."):
                sentence += 1
        forms, shape = form_of(word)
        tokens.append(Token(forms, shape, start, end, sentence))
        prev_end, prev_len = end, len(word)
    return tokens


@dataclass(slots=True)
class Document:
    """What the evaluator sees of one item: analysed text fields and its metadata."""

    fields: dict[str, tuple[str, list[Token]]]  # name -> (text, tokens)
    feed: str = ""
    tags: frozenset[str] = frozenset()  # watchlist names, case-folded
    flagged: bool = False
    read: bool = False
    time: datetime | None = None

    @classmethod
    def from_text(cls, form_of: FormOf = word_form, **texts: str) -> Document:
        return cls({name: (t, analyse_field(t, form_of)) for name, t in texts.items() if t})

    @classmethod
    def from_item(cls, item: Item, form_of: FormOf = word_form) -> Document:
        texts = {"title": item.title, "summary": item.summary, "text": getattr(item, "text", "")}
        doc = cls.from_text(form_of, **{k: v for k, v in texts.items() if isinstance(v, str)})
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


# A hit: (field, first token index, last token index, highlighted token ranges).
_Hit = tuple[str, int, int, tuple[tuple[int, int], ...]]


@dataclass(slots=True)
class _Eval:
    doc: Document
    now: datetime | None
    case_sensitive: bool
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
        if isinstance(node, And):
            hits: list[_Hit] = []
            for child in node.children:
                ok, h = self.node(child)
                if not ok:
                    return False, []
                hits.extend(h)
            return True, hits
        matched = False
        hits = []
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
        if doc.time is None or self.now is None and _AGE_RE.match(flt.value):
            return False
        when = cutoff(flt, self.now) if self.now is not None else cutoff(flt, doc.time)
        return doc.time >= when if flt.name == "since" else doc.time < when

    def hits(self, node: Node) -> list[_Hit]:
        """Every place the text node matches, per field, ordered by field then start."""
        key = id(node)
        if key in self.memo:
            return self.memo[key]
        out: list[_Hit] = []
        if isinstance(node, Or):
            for child in node.children:
                out.extend(self.hits(child))
            out.sort(key=lambda h: (h[0], h[1]))
        elif isinstance(node, Near):
            out = self.near(node)
        else:
            words = (node,) if isinstance(node, Word) else node.words  # type: ignore[union-attr]
            for name, (_, tokens) in self.doc.fields.items():
                found = 0
                last = len(tokens) - len(words)
                for i in range(last + 1):
                    if self.agree(words[0], tokens[i]) and all(
                        self.agree(w, tokens[i + k])
                        and tokens[i + k].sentence == tokens[i].sentence
                        for k, w in enumerate(words[1:], 1)
                    ):
                        j = i + len(words) - 1
                        out.append((name, i, j, ((i, j),)))
                        found += 1
                        if found >= _MAX_HITS:
                            break
        self.memo[key] = out
        return out

    def agree(self, word: Word, token: Token) -> bool:
        if word.forms.isdisjoint(token.forms):
            return False
        return not self.case_sensitive or word.shape in (None, token.shape)

    def near(self, node: Near) -> list[_Hit]:
        left, right = self.hits(node.left), self.hits(node.right)
        if not left or not right:
            return []
        out: list[_Hit] = []
        n = node.distance
        for name, (_, tokens) in self.doc.fields.items():
            rs = [h for h in right if h[0] == name]
            if not rs:
                continue
            starts = [h[1] for h in rs]
            # A right hit within the window starts at most n + (longest hit) before the left.
            span = max(h[2] - h[1] for h in rs) + 1
            for lh in (h for h in left if h[0] == name):
                _, a, b, lparts = lh
                lo = bisect_left(starts, a - n - span)
                for rh in rs[lo:]:
                    _, c, d, rparts = rh
                    if c > b + n + 1:
                        break
                    if d < a - n - 1 or not (d < a or c > b):
                        continue  # too far, or overlapping
                    if tokens[min(a, c)].sentence != tokens[max(b, d)].sentence:
                        continue
                    gap = c - b - 1 if c > b else a - d - 1
                    if gap <= n:
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
    """Whether ``doc`` matches, and the character spans of the words that made it match.

    ``since:7d`` needs ``now``; without it, ages never match. Spans come from the positive
    parts that held (an excluded word is never highlighted), merged and ordered per field.
    """
    root = query.root if isinstance(query, Query) else query
    if root is None:
        return Outcome(True)
    ev = _Eval(doc, now, case_sensitive)
    ok, hits = ev.node(root)
    if not ok:
        return Outcome(False)
    return Outcome(True, _spans(doc, hits))


def _spans(doc: Document, hits: Sequence[_Hit]) -> tuple[Span, ...]:
    ranges: dict[str, set[tuple[int, int]]] = {}
    for name, _, _, parts in hits:
        ranges.setdefault(name, set()).update(parts)
    out: list[Span] = []
    for name in doc.fields:
        tokens = doc.fields[name][1]
        merged: list[list[int]] = []
        for a, b in sorted(ranges.get(name, ())):
            start, end = tokens[a].start, tokens[b].end
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        out.extend(Span(name, s, e) for s, e in merged)
    return tuple(out)
