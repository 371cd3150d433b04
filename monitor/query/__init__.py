"""The query language shared by search (``/``, ``monitor search``) and watchlist rules.

One parser (:func:`parse_query`) and one per-document evaluator (:func:`evaluate`), so a
query means the same thing in the search box, on the command line and in a rule::

    угода                 a word, matched by form (угоди, угоду, угодою; deal finds deals)
    "drone deal"          a phrase: consecutive words, each by form, within one sentence
    -word  -"a phrase"    exclusion (also -(a OR b), -feed:NAME)
    a OR b                either; binds tighter than the implicit AND: ``a b OR c`` = a (b OR c)
    a b  /  a AND b       both
    a NEAR/5 b            a and b at most 5 words apart (words between them), any order, in one
                          sentence; operands are words, phrases, OR-groups or NEARs; NEAR = NEAR/5
    ( … )                 grouping
    feed:NAME  watchlist:NAME  tag:NAME   by feed / watchlist tag (case-insensitive, exact name)
    is:flagged  is:unread  is:read
    since:7d  since:2025-10-01  before:2025-10-01  (ages: m h d w)
    feed:"UNN English"    quoted values for names with spaces

Words are analysed exactly as watchlist terms are (``monitor.match``: Ukrainian lemmas by
pymorphy3, English Snowball stems, numbers literally). A phrase or NEAR never spans a
sentence break: ``. ! ? …`` followed by a space, ``: ;`` or a line break. A full stop after a
single letter (``U.S.``, initials) is not a break.

Every query is bounded (length, nesting, terms, NEAR distance): a pathological query is
refused with a :class:`QueryError` carrying the position, and evaluation is linear in the
document size (NEAR looks only at a window), so nothing a user types can hang the UI.
"""

from monitor.query.evaluate import (
    SENTENCE_BREAK_RE,
    TEXT_FIELDS,
    Document,
    Evaluator,
    Outcome,
    Span,
    TextField,
    analyse_field,
    evaluate,
)
from monitor.query.syntax import (
    DEFAULT_NEAR,
    MAX_DEPTH,
    MAX_NEAR,
    MAX_QUERY_LENGTH,
    MAX_TERMS,
    And,
    FieldFilter,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Query,
    QueryError,
    Word,
    as_written,
    cutoff,
    parse_query,
    walk,
)

__all__ = [
    "DEFAULT_NEAR",
    "MAX_DEPTH",
    "MAX_NEAR",
    "MAX_QUERY_LENGTH",
    "MAX_TERMS",
    "TEXT_FIELDS",
    "And",
    "Document",
    "FieldFilter",
    "Near",
    "Node",
    "Not",
    "Or",
    "Outcome",
    "Phrase",
    "Query",
    "QueryError",
    "SENTENCE_BREAK_RE",
    "Span",
    "TextField",
    "Evaluator",
    "Word",
    "analyse_field",
    "cutoff",
    "evaluate",
    "as_written",
    "parse_query",
    "walk",
]
