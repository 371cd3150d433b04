"""Domain types shared by the core, the CLI and the TUI.

Plain dataclasses with no I/O. Times are timezone-aware UTC datetimes in memory and
ISO 8601 strings (``2025-10-01T12:00:00+00:00``) when serialised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

FeedKind = Literal["feed", "page", "sitemap"]
ParserChoice = Literal["auto", "feedparser"]  # [settings] parser
Outcome = Literal["ok", "not_modified", "error", "skipped"]

DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36 monitor/0.1"
)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def to_iso(value: datetime | None) -> str | None:
    """Serialise an aware datetime as ISO 8601 in UTC (None stays None)."""
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat()


def from_iso(value: str | None) -> datetime | None:
    """Parse what :func:`to_iso` wrote (None stays None)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


@dataclass(frozen=True, slots=True)
class FeedConfig:
    """One ``[[feeds]]`` entry of feeds.toml."""

    name: str
    url: str
    interval: float = 900.0  # seconds between polls
    kind: FeedKind = "feed"
    links: str | None = None  # regex over absolute link URLs (page: required; sitemap: optional)
    enabled: bool = True
    folder: str | None = None  # a group in the feeds panel and in OPML (one level)
    full_text: bool | None = None  # fetch each new item's article; None: yes for page/sitemap
    max_articles: int = 30  # articles fetched per poll at most; the rest wait for the next

    @property
    def fetches_articles(self) -> bool:
        """Whether each new item's link is fetched for its text, date and lead."""
        return self.full_text if self.full_text is not None else self.kind != "feed"


@dataclass(frozen=True, slots=True)
class Watchlist:
    """One ``[[watchlists]]`` entry: a named set of terms, rules and exclusions."""

    name: str
    terms: tuple[str, ...]
    case_sensitive: bool = False
    exclude: tuple[str, ...] = ()  # phrases, or rules (see monitor.rules)
    rules: tuple[str, ...] = ()  # queries in the search language (monitor.query)
    notify: bool = True  # alert after a poll with new hits (see alerts.py)


@dataclass(frozen=True, slots=True)
class SavedSearch:
    """One ``[[searches]]`` entry: a named query (monitor.query), shown in the sidebar."""

    name: str
    query: str


@dataclass(frozen=True, slots=True)
class Settings:
    """The ``[settings]`` table; every field has a default."""

    poll_interval: float = 900.0
    history: Path | None = None  # None: the platform data dir
    timeout: float = 30.0  # deadline for one whole request, body included
    connect_timeout: float = 10.0
    retention_days: int | None = 90
    user_agent: str = DEFAULT_USER_AGENT
    max_body_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    concurrency: int = 16  # requests in flight overall
    per_host: int = 4  # requests in flight per host
    timezone: str | None = None  # IANA name times are shown in; None: the system's zone
    notify: str = "auto"  # terminal notification in the TUI: see alerts.NOTIFY_MODES
    notify_command: tuple[str, ...] | None = None  # run by `monitor poll` on new hits
    max_text_chars: int = 20_000  # characters of an article's main text kept
    story_window: float = 120 * 3600.0  # stories: items further apart are never one story
    story_min_words: int = 3  # stories: significant title words two items must share
    story_similarity: float = 0.5  # stories: weighted share of their words to share
    parser: ParserChoice = "auto"  # "feedparser": never the fast feed parser


@dataclass(frozen=True, slots=True)
class Config:
    """A validated feeds.toml."""

    settings: Settings
    feeds: tuple[FeedConfig, ...]
    watchlists: tuple[Watchlist, ...]
    path: Path | None = None
    searches: tuple[SavedSearch, ...] = ()

    def feed(self, name: str) -> FeedConfig | None:
        return next((f for f in self.feeds if f.name == name), None)


@dataclass(slots=True)
class Match:
    """One watchlist hit in one field of an item."""

    watchlist: str
    term: str  # the term, or the rule, as written in feeds.toml
    field: Literal["title", "summary", "text"]
    start: int  # character offsets of the hit in that field's text
    end: int
    snippet: str  # a short plain-text context around the hit
    rule: str = ""  # the rule as written when a rule (not a term) fired; then term == rule

    @property
    def fired_by(self) -> str:
        """What fired, for people: ``term “X”`` or ``rule “X”``."""
        return self.describe(limit=None)

    def describe(self, limit: int | None = 80) -> str:
        """``term “X”`` / ``rule “X”`` on one line, a long rule cut to ``limit`` characters."""
        text = " ".join((self.rule or self.term).split())
        if limit is not None and len(text) > limit:
            text = text[: limit - 1].rstrip() + "…"
        return f"{'rule' if self.rule else 'term'} “{text}”"

    def to_dict(self) -> dict[str, Any]:
        return {
            "watchlist": self.watchlist,
            "term": self.term,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "snippet": self.snippet,
            "rule": self.rule,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Match:
        return cls(
            watchlist=data["watchlist"],
            term=data["term"],
            field=data["field"],
            start=int(data["start"]),
            end=int(data["end"]),
            snippet=data.get("snippet", ""),
            rule=data.get("rule", ""),
        )


@dataclass(slots=True)
class Item:
    """One news item, as stored in the history.

    ``title`` and ``summary`` are plain text (HTML already reduced); they are data and
    must never be interpreted as markup by anything downstream.
    """

    id: str  # stable, scoped by feed (see parse.item_id)
    feed: str  # FeedConfig.name
    title: str
    link: str
    summary: str
    published: datetime | None
    first_seen: datetime
    matches: list[Match] = field(default_factory=list)
    flag_override: bool | None = None  # set when the user flags/unflags by hand
    read: bool = False
    text: str = ""  # the article's plain text, when fetched (empty otherwise)
    pinned: bool = False  # the analyst's pick: a key development, first in the briefing
    note: str = ""  # the analyst's note, shown under the item in the detail and the briefing

    @property
    def flagged(self) -> bool:
        """Flagged by hand, else flagged when any watchlist matched."""
        if self.flag_override is not None:
            return self.flag_override
        return bool(self.matches)

    @property
    def tags(self) -> list[str]:
        """The watchlist names that matched, in first-hit order, without repeats."""
        return list(dict.fromkeys(m.watchlist for m in self.matches))

    @property
    def time(self) -> datetime:
        """The time to sort and show by: published, else first seen."""
        return self.published or self.first_seen

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "feed": self.feed,
            "title": self.title,
            "link": self.link,
            "summary": self.summary,
            "published": to_iso(self.published),
            "first_seen": to_iso(self.first_seen),
            "matches": [m.to_dict() for m in self.matches],
            "flag_override": self.flag_override,
            "read": self.read,
            "text": self.text,
            "pinned": self.pinned,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Item:
        return cls(
            id=data["id"],
            feed=data["feed"],
            title=data.get("title", ""),
            link=data.get("link", ""),
            summary=data.get("summary", ""),
            published=from_iso(data.get("published")),
            first_seen=from_iso(data["first_seen"]) or utcnow(),
            matches=[Match.from_dict(m) for m in data.get("matches", ())],
            flag_override=data.get("flag_override"),
            read=bool(data.get("read", False)),
            text=data.get("text", ""),
            pinned=bool(data.get("pinned", False)),
            note=str(data.get("note") or ""),
        )


class Deferred:
    """A text field's value kept on disk: what :class:`Item` holds instead of the string
    until someone reads it (the history's summaries and article texts, see
    ``monitor.history.rows``). ``load()`` returns the string; ``chars`` is its length."""

    __slots__ = ()

    @property
    def chars(self) -> int:
        raise NotImplementedError

    def load(self) -> str:
        raise NotImplementedError


# Item.summary and Item.text may hold a Deferred: reading the attribute loads the string
# (never cached on the item: a 100k-item history keeps ~90 MB of summaries on disk, not in
# memory), setting it stores what is given. Everything else sees plain strings.
_ITEM_SLOTS = {name: Item.__dict__[name] for name in Item.__slots__}
DEFERRABLE = ("summary", "text")


def _deferrable(name: str) -> property:
    slot = _ITEM_SLOTS[name]
    get = slot.__get__

    def fget(item: Item) -> str:
        value = get(item)
        return value if value.__class__ is str else value.load()

    return property(fget, slot.__set__, slot.__delete__, f"Item.{name} (may be kept on disk)")


for _name in DEFERRABLE:
    setattr(Item, _name, _deferrable(_name))


def raw_field(item: Item, name: str) -> Any:
    """What the item holds in field ``name``: for a deferred text, the :class:`Deferred`."""
    return _ITEM_SLOTS[name].__get__(item)


def set_raw_field(item: Item, name: str, value: Any) -> None:
    """Store ``value`` (a string or a :class:`Deferred`) as it is."""
    _ITEM_SLOTS[name].__set__(item, value)


def field_chars(item: Item, name: str) -> int:
    """The length of text field ``name`` without reading a deferred one from disk."""
    value = _ITEM_SLOTS[name].__get__(item)
    return len(value) if value.__class__ is str else value.chars


@dataclass(slots=True)
class FeedState:
    """What is remembered of one feed between polls (persisted in the history)."""

    name: str
    etag: str | None = None
    last_modified: str | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_outcome: Outcome | None = None
    last_error: str | None = None  # one line, for the user
    error_kind: str | None = None  # see fetch.ErrorKind
    failures: int = 0  # consecutive failures, drives the backoff
    retry_at: datetime | None = None  # no request before this (Retry-After or backoff)
    last_new: int = 0  # new items in the last successful poll
    last_warning: str | None = None  # one line: what went wrong in a poll that still worked
    retry_after: datetime | None = None  # the server's own Retry-After: honoured even by a retry
    down_since: datetime | None = None  # the first failure of the current run of failures
    body_hash: str | None = None  # digest of the last body read without error: not re-read

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "etag": self.etag,
            "last_modified": self.last_modified,
            "last_attempt": to_iso(self.last_attempt),
            "last_success": to_iso(self.last_success),
            "last_outcome": self.last_outcome,
            "last_error": self.last_error,
            "error_kind": self.error_kind,
            "failures": self.failures,
            "retry_at": to_iso(self.retry_at),
            "last_new": self.last_new,
            "last_warning": self.last_warning,
            "retry_after": to_iso(self.retry_after),
            "down_since": to_iso(self.down_since),
            "body_hash": self.body_hash,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeedState:
        return cls(
            name=data["name"],
            etag=data.get("etag"),
            last_modified=data.get("last_modified"),
            last_attempt=from_iso(data.get("last_attempt")),
            last_success=from_iso(data.get("last_success")),
            last_outcome=data.get("last_outcome"),
            last_error=data.get("last_error"),
            error_kind=data.get("error_kind"),
            failures=int(data.get("failures", 0)),
            retry_at=from_iso(data.get("retry_at")),
            last_new=int(data.get("last_new", 0)),
            last_warning=data.get("last_warning"),
            retry_after=from_iso(data.get("retry_after")),
            down_since=from_iso(data.get("down_since")),
            body_hash=data.get("body_hash"),
        )
