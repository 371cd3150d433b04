"""Read and validate feeds.toml into a :class:`~monitor.models.Config`.

Every problem is collected (not just the first) and reported together in one
:class:`~monitor.errors.ConfigError`, each problem one line naming the file, the line
when it can be found, and the feed or watchlist concerned. The ``[settings]`` table and the
duration and size values are read in :mod:`monitor.config_settings`; line numbers are found
by :mod:`monitor.config_lines`.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.config_lines import SourceLines, syntax_problem
from monitor.config_settings import (
    MAX_DURATION_DAYS,
    MAX_RETENTION_DAYS,
    SETTINGS_KEYS,
    is_str_list,
    parse_duration,
    parse_size,
    read_settings,
)
from monitor.errors import ConfigError
from monitor.models import Config, FeedConfig, SavedSearch, Settings, Watchlist
from monitor.text import is_http_url, one_line

__all__ = [
    "MAX_DURATION_DAYS",
    "MAX_RETENTION_DAYS",
    "SETTINGS_KEYS",
    "config_from_text",
    "load_config",
    "parse_duration",
    "parse_size",
]

TOP_KEYS = ("settings", "feeds", "watchlists", "searches")
FEED_KEYS = (
    "name",
    "url",
    "interval",
    "kind",
    "links",
    "enabled",
    "folder",
    "full_text",
    "max_articles",
)
MAX_ARTICLES_LIMIT = 1000  # articles one source may fetch in one poll
SEARCH_KEYS = ("name", "query")
WATCHLIST_KEYS = ("name", "terms", "rules", "case_sensitive", "exclude", "notify")


def load_config(path: Path) -> Config:
    """Read, parse and validate feeds.toml; raise ConfigError listing every problem."""
    label = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{label}: no such file"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{label}: is a directory, not a feeds.toml"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            [f"{label}: not valid UTF-8 ({exc.reason} at byte {exc.start})"]
        ) from None
    except OSError as exc:
        raise ConfigError([f"{label}: cannot read: {exc.strerror or exc}"]) from None
    return config_from_text(text, Path(path))


def config_from_text(text: str, path: Path) -> Config:
    """Parse and validate feeds.toml's text as if read from ``path`` (for line numbers and
    relative paths); raise ConfigError listing every problem."""
    label = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([syntax_problem(label, str(exc), text)]) from None
    validator = _Validator(label, text, Path(path))
    config = validator.run(data)
    if validator.problems:
        raise ConfigError(validator.problems)
    return config


def _check_name(
    name: Any, kind: str, index: int, seen: dict[str, int], bad: Callable[[str, str], None]
) -> None:
    """A feed's or watchlist's name: a non-empty, one-line string, unique among its kind.

    Uniqueness is checked on the stripped name, the one that is stored and shown."""
    if not isinstance(name, str) or not name.strip():
        bad("name must be a non-empty string", "name")
    elif not name.isprintable():
        bad("name must be on one line, without control characters", "name")
    elif (key := name.strip()) in seen:
        bad(f"duplicate {kind} name (also {kind} #{seen[key] + 1})", "name")
    else:
        seen[key] = index


@dataclass(slots=True)
class _Entry:
    """One [[feeds]] or [[watchlists]] table being validated."""

    data: dict[str, Any]
    name: Any
    bad: Callable[..., None]  # bad(message, key=None): record a problem naming this entry
    problems_before: int  # problems recorded before this entry: more after it means invalid
    index: int = 0  # position among the entries of its table

    def flag(self, key: str, default: bool) -> bool:
        """A true/false setting of this entry (a problem when it is anything else)."""
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.bad(f"{key} must be true or false, got {value!r}", key)
            return default  # the entry is dropped for the problem anyway
        return value


class _Validator:
    """Turns the parsed TOML into a Config, collecting every problem on the way."""

    def __init__(self, label: str, text: str, path: Path) -> None:
        self.label = label
        self.path = path
        self.lines = SourceLines.scan(text)
        self.text_lines = text.splitlines()
        self.problems: list[str] = []

    def problem(
        self,
        message: str,
        table: str | None = None,
        index: int = 0,
        key: str | None = None,
        line: int | None = None,
    ) -> None:
        if line is None and table is not None:
            line = self.lines.line(table, index, key)
        where = f"{self.label}:{line}" if line else self.label
        self.problems.append(f"{where}: {message}")

    def unknown_keys(
        self, entry: dict[str, Any], known: tuple[str, ...], what: str, table: str, index: int = 0
    ) -> None:
        for key in entry:
            if key in known:
                continue
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = (
                f' (did you mean "{close[0]}"?)' if close else f" (known keys: {', '.join(known)})"
            )
            prefix = f"{what}: " if what else ""
            self.problem(f'{prefix}unknown key "{key}"{hint}', table, index, key)

    def run(self, data: dict[str, Any]) -> Config:
        self.unknown_keys(data, TOP_KEYS, "", "")
        settings = self.settings(data.get("settings", {}))
        feeds = self.feeds(data.get("feeds", []), settings)
        watchlists = self.watchlists(data.get("watchlists", []))
        searches = self.searches(data.get("searches", []))
        return Config(
            settings=settings, feeds=feeds, watchlists=watchlists, path=self.path, searches=searches
        )

    # -- [settings] ------------------------------------------------------------------

    def settings(self, raw: Any) -> Settings:
        if not isinstance(raw, dict):
            self.problem('"settings" must be a table ([settings])', "", 0, "settings")
            return Settings()
        self.unknown_keys(raw, SETTINGS_KEYS, "settings", "settings")

        def bad(key: str, message: str) -> None:
            self.problem(f"settings: {key} {message}", "settings", 0, key)

        return read_settings(raw, self.path.parent, bad)

    # -- [[feeds]] -------------------------------------------------------------------

    def entries(self, raw: Any, table: str, kind: str, known: tuple[str, ...]) -> Iterator[_Entry]:
        """Each entry of an array of tables, its name and unknown keys already checked."""
        if not _is_table_array(raw):
            self.problem(
                f'"{table}" must be an array of tables ([[{table}]] entries)', "", 0, table
            )
            return
        seen: dict[str, int] = {}
        for index, data in enumerate(raw):
            name = data.get("name")
            what = (
                f'{kind} "{name}"'
                if isinstance(name, str) and name.strip()
                else f"{kind} #{index + 1}"
            )

            def bad(
                message: str,
                key: str | None = None,
                what: str = what,
                index: int = index,
                line: int | None = None,
            ) -> None:
                self.problem(f"{what}: {message}", table, index, key, line)

            before = len(self.problems)
            self.unknown_keys(data, known, what, table, index)
            _check_name(name, kind, index, seen, bad)
            yield _Entry(data, name, bad, before, index)

    def feeds(self, raw: Any, settings: Settings) -> tuple[FeedConfig, ...]:
        feeds: list[FeedConfig] = []
        for e in self.entries(raw, "feeds", "feed", FEED_KEYS):
            entry, name, bad = e.data, e.name, e.bad
            url = entry.get("url")
            if url is None:
                bad("url is missing", "url")
            elif not (isinstance(url, str) and is_http_url(url.strip())):
                bad(f'url must be an http(s) URL, got "{url}"', "url")
            interval = settings.poll_interval
            if "interval" in entry:
                try:
                    interval = parse_duration(entry["interval"])
                except ValueError as exc:
                    bad(f"interval is not a valid duration ({exc})", "interval")
            kind = entry.get("kind", "feed")
            if kind not in ("feed", "page", "sitemap"):
                bad(f'kind must be "feed", "page" or "sitemap", got "{kind}"', "kind")
            links = entry.get("links")
            if kind == "page" and (not isinstance(links, str) or not links):
                bad('kind = "page" needs links, a regex matching the article URLs', "links")
            elif kind == "feed" and links is not None:
                bad('links only applies to kind = "page" or "sitemap"', "links")
            elif links is not None:
                if not isinstance(links, str) or not links:
                    bad("links must be a regular expression (a non-empty string)", "links")
                else:
                    try:
                        re.compile(links)
                    except re.error as exc:
                        bad(f"links is not a valid regular expression ({exc})", "links")
            enabled = e.flag("enabled", True)
            folder = entry.get("folder")
            if folder is not None and not (
                isinstance(folder, str) and folder.strip() and folder.isprintable()
            ):
                bad("folder must be a non-empty name on one line", "folder")
            full_text = e.flag("full_text", kind != "feed")
            max_articles = entry.get("max_articles", 30)
            if (
                not isinstance(max_articles, int)
                or isinstance(max_articles, bool)
                or not 0 <= max_articles <= MAX_ARTICLES_LIMIT
            ):
                bad(
                    f"max_articles must be a whole number from 0 to {MAX_ARTICLES_LIMIT}, "
                    f"got {max_articles!r}",
                    "max_articles",
                )
            if len(self.problems) == e.problems_before:
                feeds.append(
                    FeedConfig(
                        name=name.strip(),
                        url=str(url).strip(),  # checked above: a str
                        interval=interval,
                        kind=kind,
                        links=links if kind != "feed" else None,
                        enabled=enabled,
                        folder=folder.strip() if folder else None,
                        full_text=full_text,
                        max_articles=max_articles,
                    )
                )
        return tuple(feeds)

    # -- [[watchlists]] --------------------------------------------------------------

    def watchlists(self, raw: Any) -> tuple[Watchlist, ...]:
        out: list[Watchlist] = []
        for e in self.entries(raw, "watchlists", "watchlist", WATCHLIST_KEYS):
            entry, name, bad = e.data, e.name, e.bad
            terms = entry.get("terms", [] if "rules" in entry else None)
            rules = entry.get("rules", [])
            if terms is None:
                bad("terms is missing (a list of words or phrases to look for)", "terms")
            elif not is_str_list(terms):
                bad("terms must be a list of strings", "terms")
            elif not terms and not rules:
                bad("terms is empty: give at least one word or phrase", "terms")
            elif any(not t.strip() for t in terms):
                bad("terms must not contain empty strings", "terms")
            if not is_str_list(rules):
                bad("rules must be a list of strings (queries)", "rules")
            else:
                self.rules(e, "rules", rules, is_exclude=False)
            exclude = entry.get("exclude", [])
            if not is_str_list(exclude):
                bad("exclude must be a list of strings", "exclude")
            elif any(not t.strip() for t in exclude):
                bad("exclude must not contain empty strings", "exclude")
            else:
                self.rules(e, "exclude", exclude, is_exclude=True)
            case_sensitive = e.flag("case_sensitive", False)
            notify = e.flag("notify", True)
            if len(self.problems) == e.problems_before:
                out.append(
                    Watchlist(
                        name=name.strip(),
                        terms=tuple(t.strip() for t in terms or ()),  # checked above
                        case_sensitive=case_sensitive,
                        exclude=tuple(t.strip() for t in exclude),
                        notify=notify,
                        rules=tuple(r.strip() for r in rules),
                    )
                )
        return tuple(out)

    def rules(self, e: _Entry, key: str, texts: list[str], *, is_exclude: bool) -> None:
        """Each rule (or exclude entry) parses; a problem names the rule's own line."""
        from monitor.query import QueryError
        from monitor.rules import MAX_RULES, exclude_rule, parse_rule

        if len(texts) > MAX_RULES:
            e.bad(f"{key} has more than {MAX_RULES} entries", key)
            return
        for n, text in enumerate(texts, 1):
            if not text.strip():
                e.bad(f"{key} must not contain empty strings", key)
                continue
            try:
                # syntax only: the dictionaries load when an item is matched, not per process
                exclude_rule(text, check_only=True) if is_exclude else parse_rule(
                    text, check_only=True
                )
            except QueryError as exc:
                what = "exclude rule" if is_exclude else "rule"
                line = self.value_line(e, key, text)
                e.bad(f"{what} {n} “{one_line(text)}”: {exc}", key, line=line)

    def value_line(self, e: _Entry, key: str, value: str) -> int | None:
        """The line of one string in a key's list (the key's line when it is not found)."""
        start = self.lines.line("watchlists", e.index, key)
        if start is None:
            return None
        needle = value.strip()[:40]
        for number in range(start, min(start + 500, len(self.text_lines) + 1)):
            if needle and needle in self.text_lines[number - 1]:
                return number
        return start

    # -- [[searches]] ----------------------------------------------------------------

    def searches(self, raw: Any) -> tuple[SavedSearch, ...]:
        """Saved searches: a query that does not parse is a problem on its line."""
        from monitor.query import QueryError, as_written, parse_query

        out: list[SavedSearch] = []
        for e in self.entries(raw, "searches", "saved search", SEARCH_KEYS):
            raw_query = e.data.get("query")
            query = raw_query.strip() if isinstance(raw_query, str) else ""
            if raw_query is None:
                e.bad("query is missing (a search, as typed after /)", "query")
            elif not query:
                e.bad("query must be a non-empty string", "query")
            else:
                try:
                    parse_query(query, analyse=as_written)
                except QueryError as exc:
                    e.bad(f"query: {exc}", "query")
            if len(self.problems) == e.problems_before:
                out.append(SavedSearch(name=e.name.strip(), query=query))
        return tuple(out)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)
