"""Command palette provider: every described app action, searchable by name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from monitor.screens.help import key_label
from monitor.text import one_line


class MonitorCommands(Provider):
    """The main screen's BINDINGS as palette commands, e.g. "Poll now (r)"."""

    def _commands(self) -> list[tuple[str, str, str]]:
        seen: dict[str, tuple[str, str, str]] = {}
        for binding in Binding.make_bindings(getattr(self.screen, "BINDINGS", [])):
            if not binding.description or binding.action in seen:
                continue
            name = f"{binding.description} ({key_label(binding.key)})"
            seen[binding.action] = (name, binding.action, binding.tooltip or binding.description)
        return list(seen.values())

    def _filters(self) -> list[tuple[str, Callable[[], object], str]]:
        """One command per filter the sidebar and the keys offer: each feed, each
        watchlist, all of them, flagged/unread only, and clearing every filter."""
        screen = self.screen
        set_filter = getattr(screen, "set_filter", None)
        config = getattr(self.app, "config", None)
        if set_filter is None or config is None:
            return []
        out: list[tuple[str, Callable[[], object], str]] = [
            (
                "Show all feeds",
                partial(set_filter, feed=None, folder=None, folder_feeds=frozenset()),
                "Drop the feed filter",
            ),
            (
                "Show all watchlists",
                partial(set_filter, watchlist=None),
                "Drop the watchlist filter",
            ),
        ]
        for feed in config.feeds:
            name = one_line(feed.name)
            out.append(
                (
                    f"Show feed: {name}",
                    partial(set_filter, feed=feed.name, folder=None, folder_feeds=frozenset()),
                    f"Only the items of {name}",
                )
            )
        for folder in dict.fromkeys(f.folder for f in config.feeds if f.folder):
            name = one_line(folder)
            feeds = frozenset(f.name for f in config.feeds if f.folder == folder)
            out.append(
                (
                    f"Show folder: {name}",
                    partial(set_filter, feed=None, folder=folder, folder_feeds=feeds),
                    f"Only the items of the feeds in {name}",
                )
            )
        for watchlist in config.watchlists:
            name = one_line(watchlist.name)
            out.append(
                (
                    f"Show watchlist: {name}",
                    partial(set_filter, watchlist=watchlist.name),
                    f"Only the items {name} matched",
                )
            )
        return out

    def _all(self) -> list[tuple[str, Callable[[], object], str]]:
        commands = [
            (name, partial(self.app.run_action, action, self.screen), help_text)
            for name, action, help_text in self._commands()
        ]
        return commands + self._filters()

    async def discover(self) -> Hits:
        for name, run, help_text in self._all():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, run, help_text in self._all():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)
