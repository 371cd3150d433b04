"""User-facing errors: each one prints as a single clear line."""

from __future__ import annotations

from monitor.text import one_line


class MonitorError(Exception):
    """Base for errors shown to the user as one line (never a traceback)."""

    exit_code = 1

    def __init__(self, message: str, *, field: str | None = None) -> None:
        """``field``: the input the message is about (``"since"``), which each front end
        names its own way (the CLI ``--since: …``, the export dialog ``Since: …``)."""
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class ConfigError(MonitorError):
    """feeds.toml could not be used; carries every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)  # print these one per line (the CLI does)
        super().__init__("; ".join(self.problems))  # str(): one line, like every MonitorError


class HistoryError(MonitorError):
    """The history file is unreadable, corrupt, foreign or locked; it is left untouched."""

    exit_code = 2

    def __init__(self, message: str, *, another: bool = False) -> None:
        """``another``: the message ends by suggesting another (or a new) history, which
        each front end says how to choose (the CLI appends `` with --db PATH``)."""
        super().__init__(message)
        self.another = another


def error_line(error: BaseException) -> str:
    """One line for the user, whatever the exception."""
    text = str(error) if isinstance(error, MonitorError) else f"{type(error).__name__}: {error}"
    return one_line(text.replace("\n", "; ")) or type(error).__name__
