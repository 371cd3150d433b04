"""The write queue and the flag rule: headless, in the order the user asked."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from monitor.history import History
from monitor.match import Matcher
from monitor.models import Item
from monitor.writes import WriteQueue, hand_flag, toggle_flag
from tests.helpers.app_fixtures import make_history


def history_with_items(tmp_path: Path) -> History:
    from monitor.config import load_config
    from tests.helpers.app_fixtures import feeds_toml

    config_path = tmp_path / "feeds.toml"
    config_path.write_text(feeds_toml(), encoding="utf-8")
    return make_history(tmp_path / "h.json", Matcher(load_config(config_path).watchlists))


def test_a_hand_flag_that_agrees_with_the_watchlists_returns_to_automatic(tmp_path: Path) -> None:
    history = history_with_items(tmp_path)
    matched = next(i for i in history.items() if i.matches)
    plain = next(i for i in history.items() if not i.matches and i.flag_override is None)
    assert hand_flag(matched, True) is None and hand_flag(matched, False) is False
    assert hand_flag(plain, True) is True and hand_flag(plain, False) is None
    toggle_flag(history, matched.id)  # unflag a matched item: a hand "no"
    assert history.get(matched.id).flag_override is False  # type: ignore[union-attr]
    toggle_flag(history, matched.id)  # flag it again: the watchlists' say, automatic
    assert history.get(matched.id).flag_override is None  # type: ignore[union-attr]
    assert History.open(tmp_path / "h.json").get(matched.id).flag_override is None  # type: ignore[union-attr]


def test_changes_apply_in_order_with_one_drainer(tmp_path: Path) -> None:
    history = history_with_items(tmp_path)
    item = history.items()[0]
    queue = WriteQueue()
    order: list[str] = []
    assert queue.put(lambda h: order.append("a"), item) is True  # start a drainer
    assert queue.put(lambda h: order.append("b"), item) is False  # it joins the queue
    seen: list[tuple[Item | None, object, object]] = []
    queue.drain(history, lambda i, was, now: seen.append((i, was, now)))
    assert order == ["a", "b"] and [s[0] for s in seen] == [item, item]
    assert queue.put(lambda h: order.append("c")) is True  # drained: the next one starts again


def test_a_failed_change_stops_the_drain_and_clear_drops_the_rest(tmp_path: Path) -> None:
    history = history_with_items(tmp_path)
    queue = WriteQueue()
    done: list[str] = []

    def boom(h: History) -> None:
        raise OSError("disk full")

    queue.put(boom)
    queue.put(lambda h: done.append("later"))
    with pytest.raises(OSError):
        queue.drain(history, lambda *a: None)
    queue.clear()
    assert queue.put(lambda h: done.append("new")) is True  # no drainer left running
    queue.drain(history, lambda *a: None)
    assert done == ["new"]


def test_puts_from_many_threads_are_all_applied(tmp_path: Path) -> None:
    history = history_with_items(tmp_path)
    queue = WriteQueue()
    applied: list[int] = []

    def put(n: int) -> None:
        if queue.put(lambda h, n=n: applied.append(n)):
            queue.drain(history, lambda *a: None)

    threads = [threading.Thread(target=put, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if queue.put(lambda h: None):  # every drainer has returned: this one starts
        queue.drain(history, lambda *a: None)
    assert sorted(applied) == list(range(50))
