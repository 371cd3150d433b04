"""What a parse worker sends back: a :class:`ParseResult` as plain tuples, rebuilt here.

Pickling slotted dataclasses costs a state dict per object on both sides; a cold poll
sends back ~10,000 ``Item``s with their ``Match``es, unpickled in the main process's pool
thread while its event loop is fetching. The same fields as tuples pickle and load in
about half the time. The field lists are read from the dataclasses, so a field added to
``Item``, ``Match`` or ``ParseResult`` travels as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from operator import attrgetter
from typing import Any

from monitor.models import Item, Match
from monitor.parse.items import ParseResult

Packed = tuple[
    list[tuple[tuple[Any, ...], list[tuple[Any, ...]], tuple[Any, ...]]], tuple[Any, ...]
]


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """``obj -> (obj.a, obj.b, ...)``, a tuple even for one name."""
    if len(names) == 1:
        only = attrgetter(names[0])
        return lambda obj: (only(obj),)
    return attrgetter(*names)


_ITEM = tuple(f.name for f in fields(Item))
_AT = _ITEM.index("matches")
_before = _getter(_ITEM[:_AT])
_after = _getter(_ITEM[_AT + 1 :]) if _AT + 1 < len(_ITEM) else (lambda item: ())
_match = _getter(tuple(f.name for f in fields(Match)))
_new_item: Callable[..., Item] = Item  # positional, in field order
_new_match: Callable[..., Match] = Match
_RESULT = tuple(f.name for f in fields(ParseResult) if f.name != "items")
_result = _getter(_RESULT)


def pack(result: ParseResult) -> Packed:
    """``result`` as tuples of its fields (items: before ``matches``, matches, after)."""
    rows = [(_before(i), [_match(m) for m in i.matches], _after(i)) for i in result.items]
    return rows, _result(result)


def unpack(packed: Packed) -> ParseResult:
    """The :class:`ParseResult` :func:`pack` was given (equal field by field)."""
    rows, rest = packed
    items = [_new_item(*b, [_new_match(*m) for m in ms], *a) for b, ms, a in rows]
    return ParseResult(items, **dict(zip(_RESULT, rest, strict=True)))
