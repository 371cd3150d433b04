"""Alerts that name the term: one per poll with new watchlist hits.

An :class:`Alert` says how many new items matched, which watchlists (only those with
``notify = true``, the default) and up to three titles. It reaches the analyst three ways:

- the TUI shows it as a toast (:attr:`Alert.toast`) and writes a terminal notification
  (:func:`terminal_sequence`: OSC 9, OSC 777 or kitty's OSC 99, chosen from the environment,
  wrapped for tmux; a bell when the terminal is not known to show one);
- ``monitor poll`` (and ``--loop``) runs ``[settings] notify_command``
  (:func:`run_notify_command`): an argument list, never a shell, with ``{title}``,
  ``{body}``, ``{count}``, ``{watchlists}`` and ``{links}`` filled in and the same values in
  ``MONITOR_*`` environment variables.

Feed text is hostile: every title is cleaned of escape sequences and control characters
(:func:`monitor.text.one_line`) before it is put anywhere, so it cannot end an OSC string,
start a new line in the body or become an argument of its own (a placeholder fills part of
one argument, in one pass, so a title holding ``{links}`` is just text).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from monitor.models import Item, Watchlist
from monitor.text import is_http_url, one_line, shorten

__all__ = [
    "COMMAND_TIMEOUT",
    "NOTIFY_MODES",
    "PLACEHOLDERS",
    "Alert",
    "build_alert",
    "choose_mode",
    "fill_command",
    "run_notify_command",
    "terminal_sequence",
]

NOTIFY_MODES: tuple[str, ...] = ("auto", "osc9", "osc777", "osc99", "bell", "off")
PLACEHOLDERS = ("title", "body", "count", "watchlists", "links")
MAX_TITLES = 3
TITLE_LIMIT = 120  # characters of one item title in an alert
TOAST_TITLE_LIMIT = 60  # and in the TUI's toast, which is narrow
COMMAND_TIMEOUT = 10.0  # seconds before notify_command is killed
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
_ST = "\x1b\\"


@dataclass(frozen=True, slots=True)
class Alert:
    """New watchlist hits of one poll; every text already cleaned for a terminal."""

    count: int  # new items tagged by at least one notifying watchlist
    watchlists: tuple[tuple[str, int], ...]  # (name, new items) in feeds.toml order
    titles: tuple[str, ...]  # up to MAX_TITLES, newest first, one line each
    links: tuple[str, ...]  # the http(s) links of those items

    @property
    def title(self) -> str:
        return f"monitor: {self.count} new match{'es' if self.count != 1 else ''}"

    @property
    def summary(self) -> str:
        """``Drone Deal 2, PURL 1``: the watchlists and their counts."""
        return ", ".join(f"{name} {n}" for name, n in self.watchlists)

    @property
    def body(self) -> str:
        """The watchlists, then one title per line."""
        more = self.count - len(self.titles)
        lines = [self.summary, *(f"• {t}" for t in self.titles)]
        if more > 0:
            lines.append(f"and {more} more")
        return "\n".join(lines)

    @property
    def toast(self) -> str:
        """The TUI's toast: ``Drone Deal: 2 new, PURL: 1 new``, then the titles one a line."""
        more = self.count - len(self.titles)
        lines = [", ".join(f"{name}: {n} new" for name, n in self.watchlists)]
        lines += [f"• {shorten(t, TOAST_TITLE_LIMIT)}" for t in self.titles]
        if more > 0:
            lines.append(f"and {more} more")
        return "\n".join(lines)

    @property
    def one_line_body(self) -> str:
        """The body for a terminal notification, which shows one line."""
        more = self.count - len(self.titles)
        text = f"{self.summary}: " + " · ".join(self.titles)
        return text + (f" (+{more} more)" if more > 0 else "")

    def values(self) -> dict[str, str]:
        """What the placeholders and MONITOR_* variables hold (names and links one a line)."""
        return {
            "title": self.title,
            "body": self.body,
            "count": str(self.count),
            "watchlists": "\n".join(name for name, _ in self.watchlists),
            "links": "\n".join(self.links),
        }


def build_alert(new_items: Iterable[Item], watchlists: Sequence[Watchlist]) -> Alert | None:
    """The alert for the items a poll added, or None when no notifying watchlist hit."""
    notifying = {w.name: i for i, w in enumerate(watchlists) if getattr(w, "notify", True)}
    counts: Counter[str] = Counter()
    hits: list[Item] = []
    for item in new_items:
        names = [t for t in item.tags if t in notifying]
        if names:
            counts.update(names)
            hits.append(item)
    if not hits:
        return None
    hits.sort(key=lambda i: i.time, reverse=True)
    shown = hits[:MAX_TITLES]
    return Alert(
        count=len(hits),
        watchlists=tuple(
            (one_line(name), counts[name]) for name in sorted(counts, key=notifying.__getitem__)
        ),
        titles=tuple(shorten(one_line(i.title), TITLE_LIMIT) or "(untitled)" for i in shown),
        links=tuple(i.link for i in shown if is_http_url(i.link)),
    )


# -- terminal notifications ------------------------------------------------------------------


def choose_mode(mode: str, env: Mapping[str, str]) -> str:
    """The concrete way to notify for ``[settings] notify``; ``auto`` asks the environment.

    What each terminal shows is from their documentation, unconfirmed here: kitty speaks
    OSC 99; iTerm2 OSC 9; WezTerm, ghostty, foot, urxvt (with its notify extension) and
    VTE terminals built with the notification patch (GNOME Terminal on Fedora/Ubuntu) OSC
    777. Terminals ignore OSC strings they do not know, so a wrong guess is silent; anything
    unknown gets the bell, which every terminal (and tmux) turns into some alert."""
    if mode != "auto":
        return mode
    term = env.get("TERM", "")
    program = env.get("TERM_PROGRAM", "")
    if env.get("KITTY_WINDOW_ID") or term == "xterm-kitty":
        return "osc99"
    if program == "iTerm.app" or env.get("LC_TERMINAL") == "iTerm2":
        return "osc9"
    if program in ("WezTerm", "ghostty") or term.startswith(("foot", "rxvt", "xterm-ghostty")):
        return "osc777"
    if env.get("WEZTERM_PANE") or env.get("VTE_VERSION"):
        return "osc777"
    return "bell"


def _osc_text(text: str, limit: int) -> str:
    """One line, no controls (nothing can end the OSC string early), no field separator."""
    return shorten(one_line(text).replace(";", ","), limit)


def terminal_sequence(alert: Alert, mode: str, env: Mapping[str, str]) -> str:
    """The bytes to write to the terminal for ``alert`` ("" for ``off``)."""
    mode = choose_mode(mode, env)
    title = _osc_text(alert.title, 80)
    body = _osc_text(alert.one_line_body, 240)
    if mode == "off":
        return ""
    if mode == "bell":
        return "\a"  # tmux passes a bell on by itself
    if mode == "osc9":
        sequence = f"\x1b]9;{title}: {body}\a"
    elif mode == "osc777":
        sequence = f"\x1b]777;notify;{title};{body}\a"
    elif mode == "osc99":
        sequence = f"\x1b]99;i=monitor:d=0;{title}{_ST}\x1b]99;i=monitor:d=1:p=body;{body}{_ST}"
    else:
        raise ValueError(f"unknown notify mode {mode!r}")
    if env.get("TMUX"):
        # tmux >= 3.3 forwards this only with `set -g allow-passthrough on`.
        sequence = "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + _ST
    return sequence


# -- notify_command --------------------------------------------------------------------------


def fill_command(template: Sequence[str], alert: Alert) -> list[str]:
    """The argument list with placeholders filled, one pass per argument (never split)."""
    values = alert.values()
    return [_PLACEHOLDER.sub(lambda m: values[m[1]], arg) for arg in template]


def command_env(alert: Alert, base: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.update({f"MONITOR_{k.upper()}": v for k, v in alert.values().items()})
    return env


def run_notify_command(
    template: Sequence[str], alert: Alert, *, timeout: float = COMMAND_TIMEOUT
) -> str | None:
    """Run ``notify_command`` for ``alert``; the problem in one line, or None when it worked.

    Never raises for the command's own failures: an alert must not stop a poll. The
    command runs in its own session, so on timeout it and anything it started are killed."""
    argv = fill_command(template, alert)
    program = one_line(argv[0]) if argv else ""
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=command_env(alert),
            start_new_session=True,
        )
    except FileNotFoundError:
        return f"notify_command: program not found: {program}"
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return f"notify_command: cannot run {program}: {one_line(reason)}"
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        return f"notify_command: {program} did not finish in {timeout:g} s and was stopped"
    if proc.returncode != 0:
        lines = err.decode("utf-8", "replace").strip().splitlines()
        detail = f": {shorten(one_line(lines[-1]), 200)}" if lines else ""
        how = (
            f"was killed by signal {-proc.returncode}"
            if proc.returncode < 0
            else f"exited with status {proc.returncode}"
        )
        return f"notify_command: {program} {how}{detail}"
    return None


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (AttributeError, OSError):  # no process groups (Windows), or already gone
        proc.kill()
    if proc.stderr is not None:
        proc.stderr.close()
    proc.wait()
