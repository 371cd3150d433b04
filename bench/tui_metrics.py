"""Benchmarks of the Textual UI, headless (``App.run_test``), on the real MonitorApp.

Run in worker processes (see run.py) so that imports and caches start cold and the peak
RSS is the UI's own.
"""

from __future__ import annotations

import asyncio
import resource
import time
from pathlib import Path
from typing import Any

from synth import copy_history, just_polled
from textual.notifications import Notify

from monitor.config import load_config
from monitor.history import History
from monitor.match import Matcher
from monitor.view import FIRST_SCREEN_ITEMS

Result = dict[str, Any]
SIZE = (160, 48)
BOUND_S = 180.0  # nothing here may wait longer than this


def peak_rss_mb() -> float:
    """This process's own peak RSS: VmHWM, the high-water mark of its memory since exec.

    Not ``ru_maxrss``: Linux carries a process's maximum over fork and exec, so a worker
    started by the benchmark (whose parent holds the synthetic history and feeds) reported
    the parent's size whenever that was larger than its own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _paint_probe() -> dict[str, float]:
    """Record when the item list first renders a row holding an item."""
    from monitor.components.item_list import ItemList

    painted: dict[str, float] = {}
    original = ItemList.render_line

    def render_line(self: ItemList, y: int):  # type: ignore[no-untyped-def]
        strip = original(self, y)
        if "at" not in painted and int(self.scroll_offset.y) + y < self.row_count:
            painted["at"] = time.perf_counter()
        return strip

    ItemList.render_line = render_line  # type: ignore[method-assign]
    return painted


def _app(config_path: Path, history: History, workdir: Path):  # type: ignore[no-untyped-def]
    from monitor.app import MonitorApp

    config = load_config(config_path)
    matcher = Matcher(config.watchlists)
    return MonitorApp(
        config, config_path, history, matcher, autopoll=False, watch_files=False, export_dir=workdir
    )


async def _open_and_filter(p: dict[str, Any]) -> Result:
    from monitor.app import MonitorApp  # noqa: F401  (import cost is not part of "open")

    painted = _paint_probe()
    workdir = Path(p["workdir"])
    path = workdir / "tui-history.json"
    copy_history(Path(p["history"]), path)  # the app may write; the shared file stays as built
    # From launch as `monitor` does it (run_app): the newest screenful of the history, the
    # config, the App; the rest of the history loads in a worker after the first paint.
    t0 = time.perf_counter()
    history = History.open(path, head=FIRST_SCREEN_ITEMS)
    t_head = time.perf_counter() - t0
    app = _app(Path(p["config"]), history, workdir)
    notes: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        while "at" not in painted and time.perf_counter() - t0 < BOUND_S:
            await asyncio.sleep(0.002)
        if "at" not in painted:
            raise RuntimeError("open: the item list never rendered a row")
        first_paint_s = painted["at"] - t0
        first_rows = app.main.item_list.row_count
        loading_at_paint = app.main.loading
        # The whole list usable: every item listed in its final order, with its counts. Looked
        # at every 10 ms: waking the loop more often takes the GIL from the loading thread.
        while (app.main.loading or app.main.view.counts is None) and time.perf_counter() - t0 < (
            BOUND_S
        ):
            await asyncio.sleep(0.01)
        open_s = time.perf_counter() - t0
        rows = app.main.item_list.row_count
        if app.main.loading or rows != len(history):
            raise RuntimeError(f"open: the list shows {rows} rows for {len(history)} items")
        notes.append(
            f"open: head of the history read in {t_head:.3f} s; first {first_rows} rows painted "
            f"at {first_paint_s:.3f} s ({'loading' if loading_at_paint else 'loaded'}); "
            f"all {rows} rows with their counts at {open_s:.3f} s"
        )

        # The search index is built by the view worker after the counts; a search typed
        # before then waits for it. Filters are measured once it is ready.
        while app.main.view.index is None and time.perf_counter() - t0 < BOUND_S:
            await asyncio.sleep(0.005)
        if app.main.view.index is None:
            raise RuntimeError("open: the view worker never finished the search index")
        notes.append(f"open: search index ready {time.perf_counter() - t0:.3f} s after launch")

        timings: dict[str, float] = {}

        def timed(label: str, **changes: object) -> None:
            start = time.perf_counter()
            app.main.set_filter(**changes)
            timings[label] = (time.perf_counter() - start) * 1e3

        for typed in ("d", "dr", "dro", "dron", "drone"):  # what typing in the search bar does
            timed(f"search {typed!r}", query=typed)
            await pilot.pause()
        shown = app.main.item_list.row_count
        timed("clear search", query="")
        await pilot.pause()
        first_wl = app.config.watchlists[0].name
        timed("watchlist filter", watchlist=first_wl)
        await pilot.pause()
        shown_wl = app.main.item_list.row_count
        timed("+ flagged only", flagged_only=True)
        await pilot.pause()
        timed("clear all", watchlist=None, flagged_only=False)
        await pilot.pause()
        if not 0 < shown < rows or not 0 < shown_wl < rows:
            raise RuntimeError(
                f"filter: search showed {shown}, watchlist {shown_wl} of {rows} rows"
            )
        notes.append("filter (ms): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))
        filter_ms = max(timings.values())
        if app.main.status.last_poll is not None:
            raise RuntimeError("open/filter: the app polled during the measurement")
        notes.append(f"filter: worst is {max(timings, key=timings.get)}")  # type: ignore[arg-type]
    peak = peak_rss_mb()
    return {
        # first_paint: the first rows on screen; open: every row listed, with its counts.
        "metrics": {
            "open_100k_s": open_s,
            "first_paint_100k_s": first_paint_s,
            "filter_100k_ms": filter_ms,
            "peak_rss_mb": peak,
        },
        "notes": notes,
    }


def run_tui(p: dict[str, Any]) -> Result:
    return asyncio.run(_open_and_filter(p))


async def _stall(
    history_path: Path, config_path: Path, workdir: Path
) -> tuple[float, float, float, int]:
    """(max lateness ms, its time after the poll started s, poll duration s, new items)."""
    history = History.open(history_path)
    if not history.feed_states():  # as if just polled: no scheduled poll during the measurement
        history.save_feed_states(just_polled([f.name for f in load_config(config_path).feeds]))
    before = len(history)
    app = _app(config_path, history, workdir)
    told: list[str] = []  # the notifications, from Textual's Notify messages

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            told.append(message.notification.message)

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await pilot.pause()
        loop = asyncio.get_running_loop()
        worst = {"late": 0.0, "at": 0.0}
        running = True
        started = 0.0

        async def sampler() -> None:
            while running:
                t = loop.time()
                await asyncio.sleep(0.005)
                late = loop.time() - t - 0.005
                if late > worst["late"]:
                    worst["late"], worst["at"] = late, loop.time() - started

        task = asyncio.create_task(sampler())
        await asyncio.sleep(0.1)
        worst["late"] = 0.0
        started = loop.time()
        app.action_poll_now()
        deadline = time.perf_counter() + BOUND_S
        while app.main.status.last_poll is None and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        duration = loop.time() - started
        await asyncio.sleep(0.3)  # whatever the UI does right after the poll counts too
        running = False
        await task
        if app.main.status.last_poll is None:
            raise RuntimeError("stall: the poll did not finish")
        errors = [n for n in told if "failed" in n.lower()]
        if errors:
            raise RuntimeError(f"stall: {errors[0]}")
        new = len(app.history) - before
        failing = [
            f"{s.name}: {s.last_error}"
            for s in app.history.feed_states().values()
            if s.last_outcome == "error"
        ]
        if failing:
            raise RuntimeError(
                f"stall: {len(failing)} feeds failed in the TUI poll, e.g. {failing[0]}"
            )
    return worst["late"] * 1e3, worst["at"], duration, new


def run_stall(p: dict[str, Any]) -> Result:
    workdir = Path(p["workdir"])
    config = Path(p["config"])
    expected = p["feeds"] * p["items"]
    notes = []
    # Empty history first (the poll_cold situation), then the big history (the main figure).
    empty_ms, at, dur, new = asyncio.run(_stall(workdir / "stall-empty.json", config, workdir))
    if new != expected:
        raise RuntimeError(f"stall: {new} of {expected} items stored")
    notes.append(
        f"stall, empty history: max {empty_ms:.0f} ms at +{at:.2f} s; poll in TUI {dur:.2f} s"
    )
    metric = empty_ms
    if p.get("history"):
        path = workdir / "stall-big.json"
        copy_history(Path(p["history"]), path)
        big_ms, at, dur, new = asyncio.run(_stall(path, config, workdir))
        if new != expected:
            raise RuntimeError(f"stall: {new} of {expected} items stored")
        notes.append(
            f"stall, {p['history_size']}-item history: max {big_ms:.0f} ms at +{at:.2f} s; "
            f"poll in TUI {dur:.2f} s (this is the reported figure)"
        )
        metric = big_ms
    metrics = {"max_ui_stall_ms": metric}
    if p.get("articles_config"):  # one page source: 30 articles fetched, extracted, matched
        ms, at, dur, new = asyncio.run(
            _stall(workdir / "stall-articles.json", Path(p["articles_config"]), workdir)
        )
        if new != p["articles"]:
            raise RuntimeError(f"stall: {new} of {p['articles']} articles stored")
        notes.append(
            f"stall, poll reading {new} Ministry articles: max {ms:.0f} ms at "
            f"+{at:.2f} s; poll in TUI {dur:.2f} s"
        )
        metrics["max_ui_stall_articles_ms"] = ms
    return {"metrics": metrics, "notes": notes}
