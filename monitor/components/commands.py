"""Command palette provider: every described app action, searchable by name."""

from __future__ import annotations

from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from monitor.screens.help import key_label


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

    async def discover(self) -> Hits:
        for name, action, help_text in self._commands():
            yield DiscoveryHit(name, partial(self.app.run_action, action, self.screen), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), partial(self.app.run_action, action, self.screen), help=help_text)
