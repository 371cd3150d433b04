"""Watchlist rules: queries in the search language (:mod:`monitor.query`) that tag items.

A rule is a query such as ``(drone OR дрон) NEAR/6 (deal OR угода) (US OR США)``; it fires
on an item when the one per-document evaluator (:func:`monitor.query.evaluate`) says the
query matches the item's title, summary and article text. An ``exclude`` entry written with
the query syntax (quotes, parentheses, ``OR``/``AND``/``NEAR``, ``-word``, ``feed:``) is an
exclude rule: an item it matches is not tagged by that watchlist. A plain exclude entry
(``drone racing``) stays a phrase: a hit inside it does not count.

Rules are checked when the config is loaded, so a rule that does not parse is a config
error with its line. Rules may filter by ``feed:`` but not by ``is:``, ``watchlist:``,
``since:`` or ``before:``: tags and read marks are what rules decide, and a rule must mean
the same thing tomorrow as today.

Speed: the evaluator analyses a whole item, which costs ten times matching its terms, so
a rule runs only on items that could match it: every surface word is marked once (cached)
with the *requirements* it meets (sets of word forms of which one must occur, see
:func:`requirements`), and a rule runs when its requirements are all met and the two sides
of each of its ``NEAR`` s occur close enough in one field (:func:`near_gates`). Both tests
are necessary conditions, never a second evaluator: only :func:`monitor.query.evaluate`
decides.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_

from monitor.match import FIELDS, snippet
from monitor.models import Match
from monitor.query import (
    And,
    Document,
    Evaluator,
    FieldFilter,
    Near,
    Node,
    Or,
    Phrase,
    Query,
    QueryError,
    Span,
    Word,
    as_written,
    parse_query,
    walk,
)
from monitor.query.evaluate import FormOf

__all__ = [
    "MAX_RULES",
    "Rule",
    "exclude_rule",
    "parse_rule",
    "requirements",
    "rule_forms",
    "rule_span",
]

MAX_RULES = 200  # per watchlist, rules and exclude rules together
# A rule hit's Match covers the spans that follow each other this closely in one field.
_SPAN_JOIN = 60
_SYNTAX_RE = re.compile(
    r"[\"“”„«»()]|(?:^|\s)(?:OR|AND|NEAR(?:/\d+)?)(?:\s|$)|(?:^|\s)-\S|(?:^|\s)[A-Za-z]+:"
)
_RULE_FIELDS = ("feed",)


@dataclass(slots=True)
class Rule:
    """One compiled rule of one watchlist."""

    watchlist: str  # its name
    text: str  # as written in feeds.toml
    query: Query
    case_sensitive: bool
    exclude: bool
    order: int
    evaluator: Evaluator | None = None  # set by RuleSet.bind
    needs: int = 0  # bit mask of the requirement sets the item must meet
    # Alternatives (one must hold), each a list of (mask a, mask b, max token distance).
    gates: tuple[tuple[tuple[int, int, int], ...], ...] = ()


def parse_rule(text: str, *, exclude: bool = False, check_only: bool = False) -> Query:
    """The query of a rule; :class:`QueryError` (with its position) when it cannot be one.

    A rule must require some word (``-drone`` alone would tag almost every item); an
    exclude rule may be only a negation (``-(Ukraine OR NATO)``: untag what names neither).
    ``check_only`` checks without the word forms (the query cannot match as it should).
    """
    query = parse_query(text, analyse=as_written) if check_only else parse_query(text)
    if query.root is None:
        raise QueryError("an empty rule", 0)
    for node in walk(query.root):
        if isinstance(node, FieldFilter) and node.name not in _RULE_FIELDS:
            raise QueryError(
                f"rules can filter by feed: but not by {node.name}: (a rule decides tags "
                "and must mean the same thing every day)",
                node.position,
            )
    if not query.has_text_terms or not (exclude or requirements(query.root)):
        raise QueryError("a rule needs at least one word or phrase it requires, not only -words", 0)
    return query


def exclude_rule(text: str, *, check_only: bool = False) -> Query | None:
    """The query of an ``exclude`` entry that is a rule; None for a plain phrase.

    A quoted phrase on its own (``"counter-drone deal"``) is a phrase too."""
    if not _SYNTAX_RE.search(text):
        return None
    query = parse_rule(text, exclude=True, check_only=check_only)
    if isinstance(query.root, (Word, Phrase)):
        return None
    return query


def phrase_words(text: str) -> str:
    """The words of an exclude entry that is a phrase (quotes dropped)."""
    return text.strip().strip('"“”„«»').strip()


def requirements(node: Node) -> list[frozenset[str]]:
    """Sets of word forms of which the text must contain one each for ``node`` to match.

    Sound, not complete: an item lacking any set cannot match; one having all may not."""
    if isinstance(node, Word):
        return [node.forms]
    if isinstance(node, Phrase):
        return [w.forms for w in node.words]
    if isinstance(node, Near):
        return requirements(node.left) + requirements(node.right)
    if isinstance(node, And):
        return [req for child in node.children for req in requirements(child)]
    if isinstance(node, Or):
        firsts = [requirements(child) for child in node.children]
        if not all(firsts):
            return []
        # One of the children must match, so one set of each must occur: the most telling
        # one (its shortest form longest: "США" rather than the "з" of "з США").
        return [frozenset().union(*(max(reqs, key=_telling) for reqs in firsts))]
    return []  # Not, FieldFilter: nothing is required of the text


# Words in nearly every text: requiring one of them tells nothing, so an OR of phrases such
# as "for the US" OR "для США" is required to have "US" or "США", not "for" or "для".
_COMMON = frozenset(
    "the a an of to in on at by for from with and or as is are was be it s that this not "
    "і й та в у з зі із до для на по про що за від як не це а але чи".split()
)


def _telling(forms: frozenset[str]) -> int:
    """How rare a requirement is likely to be: its shortest form's length, -1 for a word
    found in nearly every text."""
    if not forms.isdisjoint(_COMMON):
        return -1
    return min(map(len, forms), default=0)


def rule_forms(query: Query) -> set[str]:
    """Every normal form of every word in the rule (negated ones too)."""
    out: set[str] = set()
    if query.root is not None:
        for node in walk(query.root):
            if isinstance(node, Word):
                out |= node.forms
            elif isinstance(node, Phrase):
                for word in node.words:
                    out |= word.forms
    return out


def rule_span(spans: tuple[Span, ...]) -> tuple[str, int, int] | None:
    """Where a rule hit is shown: the run of nearby spans (in one field) with the most
    matched words, the first of equals; a NEAR's words make one run."""
    runs: list[list[Span]] = []
    for span in spans:
        last = runs[-1][-1] if runs else None
        if last is not None and span.field == last.field and span.start - last.end <= _SPAN_JOIN:
            runs[-1].append(span)
        else:
            runs.append([span])
    if not runs:
        return None
    best = max(runs, key=len)
    return best[0].field, best[0].start, max(s.end for s in best)


def _width(node: Node) -> int:
    """The most tokens a hit of a NEAR operand spans."""
    if isinstance(node, Phrase):
        return len(node.words)
    if isinstance(node, Or):
        return max(_width(c) for c in node.children)
    if isinstance(node, Near):
        return _width(node.left) + node.distance + _width(node.right)
    return 1


def gate_alternatives(root: Node) -> list[list[tuple[frozenset[str], frozenset[str], int]]]:
    """The NEAR gates of a rule; a rule that is an OR of NEARs has one list per branch."""
    if isinstance(root, Or):
        branches = [near_gates(child) for child in root.children]
        if all(branches):
            return branches
    return [near_gates(root)]


def near_gates(node: Node) -> list[tuple[frozenset[str], frozenset[str], int]]:
    """For each NEAR the query cannot match without: a word of each side's first
    requirement and the most tokens that can lie between them in one field."""
    out: list[tuple[frozenset[str], frozenset[str], int]] = []
    if isinstance(node, And):
        for child in node.children:
            out += near_gates(child)
    elif isinstance(node, Near):
        left, right = requirements(node.left), requirements(node.right)
        if left and right:
            bound = node.distance + _width(node.left) + _width(node.right) - 1
            out.append((max(left, key=_telling), max(right, key=_telling), bound))
        out += near_gates(node.left) + near_gates(node.right)
    return out


class RuleSet:
    """Every rule and exclude rule of a config, with what they need of an item."""

    def __init__(self, entries: Sequence[tuple[str, str, bool, bool]]) -> None:
        """``entries``: (watchlist name, rule text, case sensitive, is an exclude rule)."""
        bits: dict[frozenset[str], int] = {}
        self.vocabulary: set[str] = set()
        rules: list[Rule] = []
        for order, (watchlist, text, case_sensitive, exclude) in enumerate(entries):
            try:
                query = parse_rule(text, exclude=exclude)
            except QueryError:  # the config refuses these
                continue
            assert query.root is not None
            self.vocabulary |= rule_forms(query)
            needs = 0
            for req in requirements(query.root):
                needs |= 1 << bits.setdefault(req, len(bits))
            gates = tuple(
                tuple(
                    (1 << bits.setdefault(a, len(bits)), 1 << bits.setdefault(b, len(bits)), n)
                    for a, b, n in alternative
                )
                for alternative in gate_alternatives(query.root)
            )
            rules.append(
                Rule(watchlist, text, query, case_sensitive, exclude, order, None, needs, gates)
            )
        self.sets = sorted(bits, key=bits.__getitem__)
        self.rules = tuple(r for r in rules if not r.exclude)
        self.exclude_rules = tuple(r for r in rules if r.exclude)
        # Surface words meeting some requirement -> the bit mask of those they meet. The
        # matcher notes every word on first sight (``note``), so a set intersection finds
        # an item's rule words without a lookup per word.
        self.masks: dict[str, int] = {}
        self.surface: set[str] = set()

    def __bool__(self) -> bool:
        return bool(self.rules or self.exclude_rules)

    def bind(self, forms_of: FormOf) -> None:
        """Evaluate with the matcher's word forms (prefiltered and cached per surface word)."""
        for rule in (*self.rules, *self.exclude_rules):
            rule.evaluator = Evaluator(
                rule.query, forms_of=forms_of, case_sensitive=rule.case_sensitive
            )

    def note(self, word: str, forms: frozenset[str]) -> bool:
        """Record a word seen for the first time (by the matcher's candidate cache); True
        when it meets some requirement."""
        if not forms:
            return False
        mask = 0
        for bit, wanted in enumerate(self.sets):
            if not wanted.isdisjoint(forms):
                mask |= 1 << bit
        if mask:
            self.masks[word] = mask
            self.surface.add(word)
        return bool(mask)

    def forget(self) -> None:
        """The matcher's caches were cleared: words will be noted again."""
        self.masks.clear()
        self.surface.clear()

    def apply(
        self,
        texts: tuple[str, str, str],
        seen: list[tuple[list[str], set[str]]],
        feed: str,
        found: list[Match],
    ) -> list[Match]:
        """``found`` (the term hits) plus the rule hits, without excluded watchlists.

        ``seen``: per field with words in ``surface``, its words and those of them."""
        if not seen and not (found and self.exclude_rules):
            return found  # no rule can fire (each needs some word) and none can untag
        masks = self.masks
        present = reduce(or_, (masks[w] for _, hit in seen for w in hit), 0)
        # The common case, cheaply: no rule can fire and no exclude rule matters.
        ready = [r for r in self.rules if r.needs & present == r.needs]
        if not ready and not (found and self.exclude_rules):
            return found
        doc: Document | None = None

        def fires(rule: Rule) -> tuple[str, int, int] | None:
            nonlocal doc
            if rule.needs & present != rule.needs or not any(
                all(_close(seen, masks, a, b, n) for a, b, n in gates) for gates in rule.gates
            ):
                return None
            if doc is None:
                doc = Document.from_text(**dict(zip(FIELDS, texts, strict=True)))
                doc.feed = feed
            assert rule.evaluator is not None
            outcome = rule.evaluator.evaluate(doc)
            if not outcome.matched:
                return None
            return rule_span(outcome.spans) or ("title", 0, 0)

        added: list[tuple[int, int, int, Match]] = []
        for rule in ready:
            where = fires(rule)
            if where is not None:
                name, start, end = where
                field = FIELDS.index(name)
                text = texts[field]
                hit = Match(
                    rule.watchlist,
                    rule.text,
                    FIELDS[field],
                    start,
                    end,
                    snippet(text, start, end),
                    rule.text,
                )
                added.append((field, start, rule.order, hit))
        tagged = {m.watchlist for m in found} | {a[3].watchlist for a in added}
        dropped = {r.watchlist for r in self.exclude_rules if r.watchlist in tagged and fires(r)}
        if not added and not dropped:
            return found
        # Terms first at the same place; otherwise ordered by field, then offset.
        keyed = [(FIELDS.index(m.field), m.start, -1, m) for m in found] + added
        keyed.sort(key=lambda k: (k[0], k[1], k[2]))
        return [k[3] for k in keyed if k[3].watchlist not in dropped]


def _close(
    seen: list[tuple[list[str], set[str]]], masks: dict[str, int], a: int, b: int, bound: int
) -> bool:
    """Whether a word meeting ``a`` and one meeting ``b`` lie within ``bound`` tokens."""
    for words, hit in seen:
        if not any(masks[w] & a for w in hit) or not any(masks[w] & b for w in hit):
            continue
        pa = [i for i, w in enumerate(words) if w in hit and masks[w] & a]
        pb = [i for i, w in enumerate(words) if w in hit and masks[w] & b]
        for i in pb:
            k = bisect_left(pa, i - bound)
            if k < len(pa) and pa[k] <= i + bound:
                return True
    return False
