"""The tables of one history file in memory: items as :class:`Item` objects, the rest as JSON.

:class:`Contents` is what a load builds and what a compaction writes back
(:mod:`.format`); the journal's records are replayed onto it (:meth:`Contents.apply`).
Decoding item documents is the hot loop of opening a history: it is written for speed
(no per-item dict copies in the common case) and for memory (feed names, watchlist names
and terms are shared strings, not one copy per item).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import MISSING, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from monitor.errors import HistoryError
from monitor.models import Item, Match

from .files import backup_path

__all__ = [
    "APP",
    "ITEM_KEYS",
    "SCHEMA_VERSION",
    "Contents",
    "normalise_times",
    "to_match",
    "unusable",
]

SCHEMA_VERSION = 2  # 2: the snapshot may have a journal beside it (meta "journal": its generation)
APP = "monitor"

ITEMS, FEEDS, META = "items", "feeds", "meta"

ITEM_KEYS = frozenset(f.name for f in fields(Item))
MATCH_KEYS = frozenset(f.name for f in fields(Match))


def _defaults(cls: type) -> dict[str, Any]:
    return {
        f.name: f.default if f.default is not MISSING else f.default_factory()  # type: ignore[operator]
        for f in fields(cls)
        if f.default is not MISSING or f.default_factory is not MISSING
    }


# What an item or match document may leave out: the dataclass defaults, and fields
# documents written by hand or by an early monitor lack (``Item.from_dict`` agrees).
_ITEM_FALLBACK: dict[str, Any] = {
    **_defaults(Item),
    "title": "",
    "link": "",
    "summary": "",
    "published": None,
}
_MATCH_FALLBACK: dict[str, Any] = {**_defaults(Match), "snippet": ""}


def _builder(cls: type) -> Callable[[dict[str, Any]], Any]:
    """A function making a ``cls`` from a document holding every field, by slot stores.

    Generated (as dataclasses generate ``__init__``) because ``cls(**doc)`` binds 13
    keywords per call: at 100k items that is half the time of building them."""
    names = [f.name for f in fields(cls)]
    body = "".join(f"    obj.{name} = doc[{name!r}]\n" for name in names)
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    exec(f"def build(doc):\n    obj = new(cls)\n{body}    return obj\n", namespace)
    return namespace["build"]  # type: ignore[no-any-return]


_build_item = _builder(Item)
_build_match = _builder(Match)
# Item fields a journal "set" never carries (they have their own record kinds or never change).
_NOT_PLAIN = frozenset(("id", "feed", "matches", "published", "first_seen"))
_UTC = UTC


class IdSet(Protocol):
    """What replaying the journal onto an ids-only history needs of its ids."""

    def update(self, ids: Iterable[str], /) -> None: ...
    def difference_update(self, ids: Iterable[str], /) -> None: ...


def unusable(
    path: Path, problem: str, remedy: str | None = None, *, another: bool = True
) -> HistoryError:
    """The one-line error for a history file we refuse to touch.

    The remedy names files, never a front end's options: the CLI and the TUI add how to
    point monitor at another history their own way."""
    if remedy is None:
        bak = backup_path(path)
        if bak.is_file():
            remedy = f"Restore it from {bak} or start a new history"
        else:
            remedy = "Move it aside or start a new history"
    return HistoryError(
        f"history {path} {problem}; it was left untouched. {remedy}", another=another
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class Contents:
    """The tables of one history file: items as :class:`Item` objects, the rest as JSON."""

    __slots__ = ("extras", "feeds", "items", "meta", "others", "schema", "strings")

    def __init__(self) -> None:
        # item id -> item, in file order. TinyDB document ids are not kept: a snapshot
        # numbers its items 1..N in the order it writes them (~10 MB less at 100k items).
        self.items: dict[str, Item] = {}
        self.extras: dict[str, dict[str, Any]] = {}  # item id -> fields this version does not know
        self.feeds: dict[str, dict[str, Any]] = {}
        self.meta: dict[str, dict[str, Any]] = {
            "1": {"schema": SCHEMA_VERSION, "app": APP, "matcher": None}
        }
        self.others: dict[str, Any] = {}  # tables of a newer version, kept as they are
        self.schema = SCHEMA_VERSION  # the version of the file read (older until compacted)
        # One copy of each feed name, watchlist name, term and rule, however many items
        # carry it (~15 MB less at 100k items).
        self.strings: dict[str, str] = {}

    # -- reading ---------------------------------------------------------------------------

    def check_head(self, path: Path, head: dict[str, Any]) -> int:
        """Adopt the tables other than ``items``; returns the schema version."""
        meta = head.get(META)
        docs = list(meta.values()) if isinstance(meta, dict) else []
        meta_doc = next((d for d in docs if isinstance(d, dict) and d.get("app") == APP), None)
        if meta_doc is None:
            raise unusable(path, 'is not a monitor history (no "meta" table naming app "monitor")')
        schema = meta_doc.get("schema")
        if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
            raise unusable(path, f"has an invalid schema version ({schema!r})")
        if schema > SCHEMA_VERSION:
            raise unusable(
                path,
                f"was written by a newer monitor (schema {schema}; "
                f"this one reads up to {SCHEMA_VERSION})",
                "Upgrade monitor or use another history",
            )
        feeds = head.setdefault(FEEDS, {})
        if not isinstance(feeds, dict):
            raise unusable(path, f'is damaged (its "{FEEDS}" table is not a JSON object)')
        # TinyDB needs integer-like keys; feed documents need a name.
        for key, doc in feeds.items():
            if (
                not key.isdigit()
                or not isinstance(doc, dict)
                or not isinstance(doc.get("name"), str)
            ):
                raise unusable(path, f"has a malformed feed state (document {key})")
        self.feeds, self.meta = feeds, meta  # type: ignore[assignment]
        self.others = {k: v for k, v in head.items() if k not in (FEEDS, META, ITEMS)}
        self.schema = schema
        return schema

    def add_docs(self, path: Path, docs: dict[str, Any]) -> None:
        """Turn item documents into :class:`Item` objects (the hot loop of a load).

        Generic over the dataclass fields: a field ``Item`` or ``Match`` gains (with a
        default) round-trips without a change here. Keys this version does not know are
        kept aside and written back, so an older monitor never drops a newer one's data."""
        items, extras = self.items, self.extras
        build, to_matches, share = _build_item, self.to_matches, self.strings.setdefault
        item_keys, n_keys, fallback = ITEM_KEYS, len(ITEM_KEYS), _ITEM_FALLBACK
        fromiso, utc, as_utc = datetime.fromisoformat, _UTC, _as_utc
        key = ""
        try:
            for key, doc in docs.items():
                extra = None
                if len(doc) != n_keys or not item_keys.issuperset(doc):
                    if not item_keys.issuperset(doc):  # a newer version's fields: kept aside
                        extra = {k: v for k, v in doc.items() if k not in item_keys}
                        doc = {k: v for k, v in doc.items() if k in item_keys}
                    if len(doc) != n_keys:
                        doc = {**fallback, **doc}
                item_id, feed, first_seen = doc["id"], doc["feed"], doc["first_seen"]
                if type(item_id) is not str or type(feed) is not str:
                    raise TypeError("id and feed must be strings")
                if not key.isdigit():
                    raise ValueError("its key is not a document number")
                if item_id in items:  # of duplicate documents, the first one wins
                    continue
                doc["feed"] = share(feed, feed)
                published = doc["published"]
                if published:
                    published = fromiso(published)
                    if published.tzinfo is not utc:
                        published = as_utc(published)
                    doc["published"] = published
                else:
                    doc["published"] = None
                if first_seen:
                    first_seen = fromiso(first_seen)
                    doc["first_seen"] = (
                        first_seen if first_seen.tzinfo is utc else as_utc(first_seen)
                    )
                else:
                    doc["first_seen"] = datetime.now(utc)
                matches = doc.get("matches")
                doc["matches"] = to_matches(matches) if matches else []
                doc["read"] = True if doc.get("read") else False
                items[item_id] = build(doc)
                if extra is not None:
                    extras[item_id] = extra
        except KeyError as exc:
            raise unusable(path, f"has a malformed item (document {key}: missing {exc})") from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise unusable(
                path, f"has a malformed item (document {key}: {_first_line(exc)})"
            ) from None

    def add_items(self, items: Iterable[Item]) -> None:
        """Adopt items built elsewhere (the load cache); of duplicate ids the first wins."""
        own = self.items
        for item in items:
            if item.id not in own:
                own[item.id] = item

    def to_matches(self, docs: Any) -> list[Match]:
        """:class:`Match` objects from their documents, sharing the repeated strings."""
        if not docs:
            return []
        share = self.strings.setdefault
        out = []
        for doc in docs:
            match = to_match(doc)
            match.watchlist = share(match.watchlist, match.watchlist)
            match.term = share(match.term, match.term)
            match.field = share(match.field, match.field)  # type: ignore[assignment]
            if match.rule:
                match.rule = share(match.rule, match.rule)
            out.append(match)
        return out

    # -- changing (live, and when replaying the journal) ------------------------------------

    def meta_doc(self) -> dict[str, Any]:
        """The meta document naming app "monitor" (an empty dict when there is none)."""
        return next(
            (d for d in self.meta.values() if isinstance(d, dict) and d.get("app") == APP), {}
        )

    def set_meta(self, fields: dict[str, Any]) -> None:
        doc = self.meta_doc()
        if doc:
            doc.update(fields)
        else:
            key = str(max((int(k) for k in self.meta if k.isdigit()), default=0) + 1)
            self.meta[key] = {"schema": SCHEMA_VERSION, "app": APP, "matcher": None, **fields}

    def insert(self, items: Iterable[Item]) -> None:
        """Add the items whose ids are new."""
        for item in items:
            if item.id not in self.items:
                normalise_times(item)
                self.items[item.id] = item

    def drop(self, ids: Iterable[str]) -> None:
        for item_id in ids:
            if self.items.pop(item_id, None) is not None:
                self.extras.pop(item_id, None)

    def put_states(self, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Merge feed state documents by name; returns what changed (name + changed keys)."""
        feeds = self.feeds
        by_name = {doc["name"]: doc for doc in feeds.values()}
        next_id = max(map(int, feeds), default=0) + 1
        changes = []
        for doc in docs:
            old = by_name.get(doc["name"])
            if old is None:
                feeds[str(next_id)] = by_name[doc["name"]] = dict(doc)
                next_id += 1
                changes.append(doc)
                continue
            diff = {k: v for k, v in doc.items() if k not in old or old[k] != v}
            if diff:
                old.update(diff)
                changes.append({"name": doc["name"], **diff})
        return changes

    def set_fields(self, ids: Iterable[str], values: dict[str, Any]) -> None:
        """Set plain fields (flags, read, pins, notes...) of these items; unknown ids are skipped.

        A field this version does not know (a newer monitor's) is kept with the item's extras."""
        known = {k: v for k, v in values.items() if k in ITEM_KEYS and k not in _NOT_PLAIN}
        unknown = {k: v for k, v in values.items() if k not in ITEM_KEYS}
        for item_id in ids:
            item = self.items.get(item_id)
            if item is None:
                continue
            for name, value in known.items():
                setattr(item, name, value)
            if unknown:
                self.extras.setdefault(item_id, {}).update(unknown)

    def apply(self, record: dict[str, Any]) -> None:
        """Replay one journal record (see :mod:`.journal`)."""
        items = record.get("items")
        if items:
            self.add_docs(Path("<journal>"), {str(n): doc for n, doc in enumerate(items, 1)})
        for ids, values in record.get("set", ()):
            self.set_fields(ids, values)
        for item_id, matches in (record.get("matches") or {}).items():
            item = self.items.get(item_id)
            if item is not None:
                item.matches = self.to_matches(matches)
        if record.get("drop"):
            self.drop(record["drop"])
        if record.get("feeds"):
            self.put_states(record["feeds"])
        if record.get("meta"):
            self.set_meta(record["meta"])

    def apply_ids(self, record: dict[str, Any], ids: IdSet) -> None:
        """Replay one journal record onto an ids-only history (see ``History(ids_only=True)``)."""
        added = [
            doc["id"]
            for doc in record.get("items") or ()
            if isinstance(doc, dict) and isinstance(doc.get("id"), str)
        ]
        if added:
            ids.update(added)
        if record.get("drop"):
            ids.difference_update(record["drop"])
        if record.get("feeds"):
            self.put_states(record["feeds"])
        if record.get("meta"):
            self.set_meta(record["meta"])


def to_match(doc: dict[str, Any]) -> Match:
    """A :class:`Match` from its document (fields it does not know are dropped)."""
    if len(doc) != len(MATCH_KEYS) or not MATCH_KEYS.issuperset(doc):
        if not MATCH_KEYS.issuperset(doc):
            doc = {k: v for k, v in doc.items() if k in MATCH_KEYS}
        if len(doc) != len(MATCH_KEYS):
            doc = {**_MATCH_FALLBACK, **doc}
    doc["start"], doc["end"] = int(doc["start"]), int(doc["end"])
    match: Match = _build_match(doc)
    return match


def _as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive time is taken as UTC (as ``models.from_iso`` does)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=_UTC)
    return value.astimezone(_UTC)


def normalise_times(item: Item) -> None:
    """Keep the item's times in UTC, so orjson writes exactly what ``to_iso`` would."""
    if item.published is not None and item.published.tzinfo is not _UTC:
        item.published = _as_utc(item.published)
    if item.first_seen.tzinfo is not _UTC:
        item.first_seen = _as_utc(item.first_seen)
