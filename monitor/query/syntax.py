"""The query language's syntax: the AST (dataclasses), the lexer and the parser.

See :mod:`monitor.query` for the language. Every bound lives here, so a query that parses
is one the evaluator can run quickly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal, Union

from monitor import timefmt
from monitor.errors import MonitorError
from monitor.wordforms import Form, tokenize
from monitor.wordforms import _form as word_form

MAX_QUERY_LENGTH = 2000
MAX_DEPTH = 32  # nested parentheses and negations
MAX_TERMS = 200  # words, phrases and fields
MAX_PHRASE_WORDS = 32
MAX_NEAR = 100
DEFAULT_NEAR = 5

FIELD_NAMES = ("feed", "watchlist", "tag", "is", "since", "before")
IS_VALUES = ("flagged", "unread", "read")

_QUOTES = '"“”„«»'
_AGE_RE = re.compile(r"^(\d{1,6})([mhdw])$", re.IGNORECASE)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_AGE_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_FIELD_RE = re.compile(r"([A-Za-z]+):")
_NEAR_RE = re.compile(r"NEAR(?:/(\d+))?$")


class QueryError(MonitorError):
    """A query that cannot be used; ``position`` is the 0-based offset of the problem."""

    exit_code = 2

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position

    def __str__(self) -> str:
        return f"{self.message} (at column {self.position + 1})"


# ---------------------------------------------------------------------------------------
# The AST


@dataclass(frozen=True, slots=True)
class Word:
    """One word, matched by any of its normal forms."""

    text: str
    forms: frozenset[str]
    shape: str | None  # capitalisation shape, used only by case-sensitive watchlists
    position: int


@dataclass(frozen=True, slots=True)
class Phrase:
    """Consecutive words in one sentence (a bare ``drone-deal`` is a phrase too)."""

    text: str
    words: tuple[Word, ...]
    position: int


@dataclass(frozen=True, slots=True)
class FieldFilter:
    """``name:value`` on the item, not its text. ``value`` is lower-cased for is:."""

    name: Literal["feed", "watchlist", "is", "since", "before"]
    value: str
    position: int


@dataclass(frozen=True, slots=True)
class Not:
    child: Node
    position: int


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Near:
    """``left NEAR/distance right``: at most ``distance`` words between them, one sentence."""

    left: Node
    right: Node
    distance: int
    position: int


Node = Union[Word, Phrase, FieldFilter, Not, And, Or, Near]


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query; ``root`` None (blank text) matches everything."""

    text: str
    root: Node | None

    @property
    def has_text_terms(self) -> bool:
        return self.root is not None and any(isinstance(n, (Word, Phrase)) for n in walk(self.root))


def walk(node: Node) -> list[Node]:
    """Every node under ``node`` (itself first), depth first."""
    out: list[Node] = []
    stack: list[Node] = [node]
    while stack:
        n = stack.pop()
        out.append(n)
        if isinstance(n, Not):
            stack.append(n.child)
        elif isinstance(n, (And, Or)):
            stack.extend(reversed(n.children))
        elif isinstance(n, Near):
            stack.extend((n.right, n.left))
    return out


# ---------------------------------------------------------------------------------------
# Lexer


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: Literal["(", ")", "-", "OR", "AND", "NEAR", "word", "phrase", "field"]
    text: str
    position: int
    value: str = ""  # field value, or the NEAR distance
    value_position: int = 0


def _lex(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()":
            toks.append(_Tok(c, c, i))  # type: ignore[arg-type]
            i += 1
        elif c in _QUOTES:
            end = _closing_quote(text, i)
            toks.append(_Tok("phrase", text[i + 1 : end], i))
            i = end + 1
        elif c == "-" and i + 1 < n and not text[i + 1].isspace():
            toks.append(_Tok("-", c, i))
            i += 1
        elif c == "-":
            raise QueryError("expected a word, phrase or group after '-'", i)
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in "()" + _QUOTES:
                i += 1
            word = text[start:i]
            m = _FIELD_RE.match(word)
            if m:
                name = m.group(1).lower()
                if name not in FIELD_NAMES:
                    raise QueryError(
                        f"unknown field '{m.group(1)}:' (fields: feed, watchlist, tag, is, "
                        "since, before; put it in quotes to search for the text)",
                        start,
                    )
                vpos = start + m.end()
                value = word[m.end() :]
                if not value and i < n and text[i] in _QUOTES:
                    end = _closing_quote(text, i)
                    value, vpos = text[i + 1 : end], i + 1
                    i = end + 1
                    if i < n and not text[i].isspace() and text[i] not in "()":
                        raise QueryError("expected a space after the quoted value", i)
                if not value.strip():
                    raise QueryError(f"'{name}:' needs a value", vpos)
                toks.append(_Tok("field", name, start, value.strip(), vpos))
            elif word in ("OR", "AND"):
                toks.append(_Tok(word, word, start))  # type: ignore[arg-type]
            elif m := _NEAR_RE.match(word):
                digits = m.group(1)
                if digits and (len(digits) > 4 or int(digits) > MAX_NEAR):
                    raise QueryError(f"NEAR distance is at most {MAX_NEAR}", start)
                distance = int(digits) if digits else DEFAULT_NEAR
                toks.append(_Tok("NEAR", word, start, str(distance)))
            else:
                toks.append(_Tok("word", word, start))
    return toks


def _closing_quote(text: str, i: int) -> int:
    for j in range(i + 1, len(text)):
        if text[j] in _QUOTES:
            return j
    raise QueryError("unterminated quote", i)


# ---------------------------------------------------------------------------------------
# Parser:  and := or (['AND'] or)* ;  or := near ('OR' near)* ;  near := unary (NEAR unary)* ;
#          unary := '-' unary | primary ;  primary := word | phrase | field | '(' and ')'


class _Parser:
    def __init__(self, text: str, toks: list[_Tok], analyse: Callable[[str], Form]) -> None:
        self.text = text
        self.analyse = analyse
        self.toks = toks
        self.i = 0
        self.terms = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def parse(self) -> Node | None:
        if not self.toks:
            return None
        node = self.and_expr(0)
        tok = self.peek()
        if tok is not None:  # only a stray ')' stops and_expr early
            raise QueryError("unmatched ')'", tok.position)
        return node

    def and_expr(self, depth: int) -> Node | None:
        parts: list[Node] = []
        while (tok := self.peek()) is not None and tok.kind != ")":
            if tok.kind == "AND":
                if not parts:
                    raise QueryError("AND needs a term before it", tok.position)
                self.i += 1
                nxt = self.peek()
                if nxt is None or nxt.kind in (")", "AND", "OR", "NEAR"):
                    raise QueryError("expected a term after AND", self._pos(nxt))
                continue
            node = self.or_expr(depth)
            if node is not None:
                parts.append(node)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def or_expr(self, depth: int) -> Node | None:
        first = self.near_expr(depth)
        parts = [first] if first is not None else []
        while (tok := self.peek()) is not None and tok.kind == "OR":
            if first is None or not parts:
                raise QueryError("OR needs a term before it", tok.position)
            self.i += 1
            node = self.near_expr(depth, after=tok)
            if node is None:
                raise QueryError("OR needs a term after it", tok.position)
            parts.append(node)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def near_expr(self, depth: int, after: _Tok | None = None) -> Node | None:
        tok = self.peek()
        if tok is not None and tok.kind in ("OR", "NEAR"):
            raise QueryError(f"{tok.text} needs a term before it", tok.position)
        left = self.unary(depth, after)
        while (tok := self.peek()) is not None and tok.kind == "NEAR":
            self.i += 1
            right = self.unary(depth, tok)
            if left is None or right is None:
                raise QueryError(f"{tok.text} needs a word or phrase on each side", tok.position)
            for side in (left, right):
                if not _near_operand(side):
                    raise QueryError(
                        "NEAR joins words, phrases or (a OR b) groups of them", tok.position
                    )
            left = Near(left, right, int(tok.value), tok.position)
        return left

    def unary(self, depth: int, after: _Tok | None) -> Node | None:
        if depth > MAX_DEPTH:
            tok = self.peek()
            raise QueryError(f"nested more than {MAX_DEPTH} deep", self._pos(tok))
        tok = self.peek()
        if tok is None:
            raise (
                QueryError(f"expected a term after {after.text}", len(self.text))
                if after
                else (QueryError("expected a term", len(self.text)))
            )
        if tok.kind == "-":
            self.i += 1
            nxt = self.peek()
            if nxt is None or nxt.kind in (")", "OR", "AND", "NEAR", "-"):
                raise QueryError("expected a word, phrase or group after '-'", tok.position)
            child = self.unary(depth + 1, tok)
            if child is None:
                raise QueryError("nothing to exclude after '-'", tok.position)
            return Not(child, tok.position)
        if tok.kind == "(":
            self.i += 1
            inner = self.and_expr(depth + 1)
            close = self.peek()
            if close is None or close.kind != ")":
                raise QueryError("unclosed '('", tok.position)
            self.i += 1
            if inner is None:
                raise QueryError("empty parentheses", tok.position)
            return inner
        if tok.kind in (")", "OR", "AND", "NEAR"):
            raise QueryError(f"expected a term, found {tok.text}", tok.position)
        self.i += 1
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryError(f"more than {MAX_TERMS} terms", tok.position)
        if tok.kind == "field":
            return _field(tok)
        if tok.kind == "phrase":
            words = _words(tok.text, tok.position + 1, self.analyse)
            if not words:
                raise QueryError("empty phrase", tok.position)
            return _phrase_or_word(tok.text, words, tok.position)
        words = _words(tok.text, tok.position, self.analyse)
        if not words:
            return None  # punctuation on its own ("—", "&"): nothing to look for
        return _phrase_or_word(tok.text, words, tok.position)

    @staticmethod
    def _pos(tok: _Tok | None) -> int:
        return tok.position if tok is not None else 0


def _words(text: str, offset: int, analyse: Callable[[str], Form]) -> list[Word]:
    out = []
    for word, start, _ in tokenize(text):
        forms, shape = analyse(word)
        out.append(Word(word, forms, shape, offset + start))
    return out


def _phrase_or_word(text: str, words: list[Word], position: int) -> Node:
    if len(words) > MAX_PHRASE_WORDS:
        raise QueryError(f"a phrase has at most {MAX_PHRASE_WORDS} words", position)
    if len(words) == 1:
        return words[0]
    return Phrase(text, tuple(words), position)


def _near_operand(node: Node) -> bool:
    if isinstance(node, (Word, Phrase, Near)):
        return True
    if isinstance(node, Or):
        return all(_near_operand(c) for c in node.children)
    return False


def _field(tok: _Tok) -> FieldFilter:
    name = "watchlist" if tok.text == "tag" else tok.text
    value = tok.value
    if name == "is":
        value = value.lower()
        if value not in IS_VALUES:
            raise QueryError("is: takes flagged, unread or read", tok.value_position)
    elif name in ("since", "before"):
        value = value.lower()
        if not _AGE_RE.match(value) and not _parse_date(value):
            raise QueryError(
                f'{name}: takes an age like "7d", "12h", "2w" or a date like "2025-10-01"',
                tok.value_position,
            )
    return FieldFilter(name, value, tok.position)  # type: ignore[arg-type]


def _parse_date(value: str) -> datetime | None:
    if not _DATE_RE.match(value):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def cutoff(flt: FieldFilter, now: datetime) -> datetime:
    """The time a ``since:``/``before:`` filter compares with (ages count back from ``now``)."""
    m = _AGE_RE.match(flt.value)
    if m:
        try:
            return now - timedelta(**{_AGE_UNITS[m.group(2).lower()]: int(m.group(1))})
        except OverflowError:
            return datetime.min.replace(tzinfo=now.tzinfo)
    when = _parse_date(flt.value)
    assert when is not None  # checked by the parser
    return timefmt.midnight(when.date())  # the day starts at midnight where the user is


def as_written(word: str) -> Form:
    """A word's form without the dictionaries: enough to check a query's syntax."""
    return frozenset((word.lower(),)), None


def parse_query(text: str, *, analyse: Callable[[str], Form] = word_form) -> Query:
    """Parse ``text``; raises :class:`QueryError` (message, position) and nothing else.

    ``analyse`` gives each word its forms; :func:`as_written` checks the syntax alone, without
    loading the Ukrainian dictionaries (what config validation needs, ~0.3 s less per process).
    """
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"a query is at most {MAX_QUERY_LENGTH} characters", MAX_QUERY_LENGTH)
    try:
        toks = _lex(text)
        root = _Parser(text, toks, analyse).parse()
    except RecursionError:  # cannot happen within MAX_DEPTH, but never escape as a crash
        raise QueryError("nested too deep", 0) from None
    if root is None and text.strip() and not toks:
        raise QueryError("nothing to search for", 0)
    return Query(text, root)
