"""Benchmarks of the headless core: poll, ingest, matcher throughput, naive TinyDB ratio.

Each ``run_*`` runs in a fresh worker process (see run.py) and returns
``{"metrics": {key: value}, "notes": [str]}``. They raise on any code-path error.
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from installed import compile_monitor
from synth import TextMaker, copy_history, make_items

from monitor.config import load_config
from monitor.history import History
from monitor.history.rows import rows_path
from monitor.match import Matcher
from monitor.poll import poll

Result = dict[str, Any]


def run_poll(p: dict[str, Any]) -> Result:
    """Cold poll into an empty history, then the same again with every feed answering 304."""
    config = load_config(Path(p["config"]))
    matcher = Matcher(config.watchlists)
    history = History.open(Path(p["workdir"]) / "poll-history.json")
    expected = p["feeds"] * p["items"]

    cpu0 = _own_cpu()
    t0 = time.perf_counter()
    report = asyncio.run(poll(config, history, matcher, force=True))
    cold = time.perf_counter() - t0
    cpu_note = _cold_cpu_note(_own_cpu() - cpu0)
    outcomes = {r.outcome for r in report.feeds}
    if outcomes != {"ok"} or len(report.new_items) != expected:
        errors = [f"{r.feed}: {r.outcome} {r.error}" for r in report.feeds if r.outcome != "ok"][:3]
        raise RuntimeError(
            f"cold poll: {len(report.new_items)}/{expected} new, outcomes {outcomes}, {errors}"
        )
    matched = sum(1 for i in report.new_items if i.matches)

    t0 = time.perf_counter()
    report = asyncio.run(poll(config, history, matcher, force=True))
    warm = time.perf_counter() - t0
    outcomes = {r.outcome for r in report.feeds}
    if outcomes != {"not_modified"} or report.new_items:
        raise RuntimeError(
            f"warm poll: outcomes {outcomes}, {len(report.new_items)} new (expected all 304)"
        )
    return {
        "metrics": {"poll_cold_s": cold, "poll_warm_s": warm},
        "notes": [
            f"cold poll: {len(report.feeds)} feeds, {expected} new items, "
            f"{matched} matched a watchlist",
            cpu_note,
        ],
    }


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _proc_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a live process (Linux /proc), None if unreadable."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cold_cpu_note(main: float) -> str:
    """Where the cold poll's CPU went: this process, the parse workers, their fork server
    (both still running: the pool lives until exit). Wall time on 2 cores is bounded by
    their sum / 2, whatever the overlap."""
    from multiprocessing import forkserver

    import monitor.parse.pool as pool_module

    pool = pool_module._pool
    workers = [_proc_cpu(pid) for pid in (pool._processes or {})] if pool is not None else []
    server_pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
    server = _proc_cpu(server_pid) if server_pid else None
    parts = [f"main process {main:.2f} s"]
    if workers and None not in workers:
        shown = " + ".join(f"{w:.2f}" for w in workers if w is not None)
        parts.append(f"workers {shown} s")
    if server is not None:
        parts.append(f"fork server {server:.2f} s")
    return "cold poll CPU: " + ", ".join(parts)


def run_parse(p: dict[str, Any]) -> Result:
    """``parse_feed`` of every benchmark feed, one at a time in this process (one core): the
    default path (the fast parser where it answers) and, for comparison, feedparser's."""
    from datetime import datetime, timezone

    from monitor.parse import parse_feed
    from monitor.parse.fast import fast_items

    bodies = [f.read_bytes() for f in sorted(Path(p["feeds_dir"]).glob("*.xml"))]
    headers = {"content-type": "application/rss+xml; charset=utf-8"}
    url, now = "https://unn.ua/rss/news", datetime.now(timezone.utc)
    fast = sum(fast_items(b, headers, url, "F", now) is not None for b in bodies)
    means = {}
    for choice in ("auto", "feedparser"):
        parse_feed(bodies[0], headers, url, "warm-up", now, parser=choice)  # imports, caches
        t0 = time.perf_counter()
        for n, body in enumerate(bodies):
            result = parse_feed(body, headers, url, f"F{n}", now, parser=choice)
            if result.error or len(result.items) != p["items"]:
                raise RuntimeError(f"parse ({choice}): feed {n}: {result.error or result.items}")
        means[choice] = (time.perf_counter() - t0) / len(bodies) * 1000
    return {
        "metrics": {"parse_ms_per_feed": means["auto"]},
        "notes": [
            f"parse: {len(bodies)} feeds x {p['items']} items, {fast} on the fast path; "
            f"feedparser alone {means['feedparser']:.1f} ms per feed "
            f"({means['feedparser'] / means['auto']:.1f}x)"
        ],
    }


def run_ingest(p: dict[str, Any]) -> Result:
    """``add_items`` of N new items into a history of M (opened beforehand, not timed)."""
    vocab, lists = p["vocab"], p["lists"]
    path = Path(p["workdir"]) / "ingest-history.json"
    copy_history(Path(p["history"]), path)
    maker = TextMaker(vocab, lists, random.Random(7))
    new = make_items(maker, p["new"], start=10_000_000)
    matcher = Matcher(lists)
    for item in new:
        matcher.apply(item)
    history = History.open(path)
    base = len(history)
    t0 = time.perf_counter()
    added = history.add_items(new)
    elapsed = time.perf_counter() - t0
    if len(added) != len(new) or len(history) != base + len(new):
        raise RuntimeError(f"ingest: {len(added)} of {len(new)} added")
    size = path.stat().st_size / 1e6
    return {
        "metrics": {"ingest_10k_into_100k_s": elapsed},
        "notes": [f"ingest: {len(new)} into {base} items, file {size:.0f} MB after"],
    }


def run_articles(p: dict[str, Any]) -> Result:
    """The full load of the history (``History.open(head=...)`` + ``load_rest()``, as the TUI
    does it) without and with article texts: 1 item in 5 carrying ~15,000 characters, stored
    through the real History (commit + compaction). Best of three CPU times of each."""
    from monitor.view import FIRST_SCREEN_ITEMS

    work = Path(p["workdir"])
    plain = copy_history(Path(p["history"]), work / "articles-plain.json")
    items = History.open(plain).items()
    leads = [it.summary for it in items[:500]]
    for n, item in enumerate(items[::5]):
        item.text = " ".join(leads[(n + k) % len(leads)] for k in range(30))[:15_000]
    texts = work / "articles-text.json"
    stored = History.open(texts)
    stored.commit(items, [])
    stored.compact()
    del items, stored

    def load(path: Path) -> tuple[float, int]:
        best = float("inf")
        for _ in range(3):
            c0 = time.process_time()
            history = History.open(path, head=FIRST_SCREEN_ITEMS)
            history.load_rest()
            best = min(best, time.process_time() - c0)
            n = len(history)
            del history
        return best, n

    plain_s, n_plain = load(plain)
    text_s, n_text = load(texts)
    if n_plain != n_text:
        raise RuntimeError(f"articles: {n_text} items with texts, {n_plain} without")
    mb = {path: path.stat().st_size / 1e6 for path in (plain, texts)}
    return {
        "metrics": {"open_articles_100k_s": text_s},
        "notes": [
            f"articles: full load of {n_plain} items {plain_s:.3f} s CPU without texts "
            f"(snapshot {mb[plain]:.0f} MB), {text_s:.3f} s with a 15,000-character text on "
            f"1 item in 5 (snapshot {mb[texts]:.0f} MB); texts stay in the snapshot, read "
            "on demand"
        ],
    }


def run_match(p: dict[str, Any]) -> Result:
    """Matcher.match over fresh typical items (first sight: includes lemmatising new words)."""
    vocab, lists = p["vocab"], p["lists"]
    maker = TextMaker(vocab, lists, random.Random(11))
    items = make_items(maker, p["match_items"], start=20_000_000)
    pairs = [(i.title, i.summary) for i in items]
    matcher = Matcher(lists)
    matcher.match("", "")  # builds the term index and rules (lazily, on first use): not timed
    terms = sum(len(wl.terms) for wl in lists)
    rules = sum(len(wl.rules) + len(wl.exclude) for wl in lists)
    t0 = time.perf_counter()
    hits = sum(1 for t, s in pairs if matcher.match(t, s))
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    for t, s in pairs:
        matcher.match(t, s)
    warm = time.perf_counter() - t0
    n = len(pairs)
    return {
        "metrics": {"match_items_per_s": n / first},
        "notes": [
            f"match: {terms} terms + {rules} rules/excludes, {n} items ({hits} with hits), "
            f"first pass {n / first:,.0f}/s, "
            f"second pass (warm caches) {n / warm:,.0f}/s"
        ],
    }


def run_extract(p: dict[str, Any]) -> Result:
    """extract_article over 50 Ministry-shaped article pages (tests/sites.py: menus, related
    news, og:/JSON-LD/none metadata, a __NEXT_DATA__ script), fetch-free, in this process.

    The first page is read once before timing: it pays trafilatura's import and lazy setup,
    which a poll pays once per worker process, not per article."""
    import sys
    from datetime import datetime, timedelta, timezone

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from monitor.parse.article import extract_article
    from tests.helpers.sites import Article, article_page, uk_paragraphs

    now = datetime.now(timezone.utc)
    metas = ("og", "jsonld", "both", "none")
    related = [
        Article(f"inshyi-material-{n}", f"Інший матеріал про оборону номер {n}", "", [])
        for n in range(20)
    ]
    pages = [
        article_page(
            Article(
                f"novyna-{n}",
                f"Новина про оборону номер {n}",
                f"Лід новини {n}.",
                uk_paragraphs(6 + n % 10, n),
                now - timedelta(hours=n),
            ),
            meta=metas[n % 4],
            related=related,
        ).encode()
        for n in range(50)
    ]
    headers = {"content-type": "text/html; charset=utf-8"}
    extract_article(pages[0], headers, "https://mod.gov.ua/news/novyna-0", now=now)
    times = []
    for n, page in enumerate(pages):
        t0 = time.perf_counter()
        got = extract_article(page, headers, f"https://mod.gov.ua/news/novyna-{n}", now=now)
        times.append(time.perf_counter() - t0)
        assert got.error is None and got.text, got.error
    mean = sum(times) / len(times) * 1000
    size = sum(map(len, pages)) / len(pages) / 1024
    return {
        "metrics": {"extract_ms_per_article": mean},
        "notes": [
            f"extract: 50 pages of {size:.0f} KB on average, mean {mean:.1f} ms, "
            f"slowest {max(times) * 1000:.1f} ms"
        ],
    }


def run_search(p: dict[str, Any]) -> Result:
    """The search box's work over the history: the worst of a fixed set of queries.

    Queries: a Ukrainian inflected word, a phrase (a two-word English watchlist term), an
    exclusion, a field filter with a word; each run 5 times, its median kept."""
    from monitor.query import parse_query
    from monitor.search import SearchIndex

    items = History.open(Path(p["history"])).items()
    t0 = time.perf_counter()
    index = SearchIndex.build(items)
    built = time.perf_counter() - t0
    t0 = time.perf_counter()
    SearchIndex.build(list(items), previous=index)  # a new snapshot: nothing new to analyse
    again = time.perf_counter() - t0
    phrase = next(t for wl in p["lists"] for t in wl.terms if t.isascii() and t.count(" ") == 1)
    feed = items[0].feed
    queries = ["угоду", f'"{phrase}"', "дрон -угода", f'feed:"{feed}" угоду']
    now = items[0].time
    times: dict[str, float] = {}
    counts: dict[str, int] = {}
    for q in queries:
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            rows = index.search(parse_query(q), now=now)
            runs.append(time.perf_counter() - t0)
        times[q] = sorted(runs)[len(runs) // 2] * 1000
        counts[q] = len(rows)
    worst = max(times.values())
    shown = ", ".join(f"{q} {times[q]:.1f} ms ({counts[q]} items)" for q in queries)
    return {
        "metrics": {"search_100k_ms": worst},
        "notes": [
            f"search: {len(items)} items, index built in {built:.1f} s with the word analysis "
            f"({len(index.text.words)} words, {index.text.tokens} tokens, "
            f"{len(index.text.stream) // 1024} KiB of word ids), "
            f"{again:.2f} s for a new snapshot of the same items; {shown}"
        ],
    }


def run_desk(p: dict[str, Any]) -> Result:
    """The analyst's desk: Trends rows over the whole history (20 watchlists)."""
    from synth import NOW

    from monitor.models import Watchlist
    from monitor.trends import compute_trends

    history = History.open(Path(p["history"]))
    items = history.items()
    # The synthetic 10 lists of 20 terms, halved into 20 lists of 10, items re-tagged (untimed).
    lists = [
        Watchlist(f"{wl.name}{half}", wl.terms[k::2])
        for wl in p["lists"]
        for k, half in ((0, "a"), (1, "b"))
    ]
    matcher = Matcher(lists)
    for item in items:
        matcher.apply(item)
    names = [wl.name for wl in lists]
    compute_trends(items, names, now=NOW)  # warm-up: zone data, imports
    runs = []
    cpu = []  # CPU time: on a loaded machine, closer to what an idle one would take
    for _ in range(5):
        t0, c0 = time.perf_counter(), time.process_time()
        rows = compute_trends(items, names, now=NOW)
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    hits = sum(sum(r.counts) for r in rows)
    notes = [
        f"trends: {len(items)} items, {len(names)} watchlists, {hits} hits in 30 days; "
        f"5 runs {', '.join(f'{r * 1e3:.0f}' for r in runs)} ms (min reported; "
        f"CPU time min {min(cpu) * 1e3:.0f} ms)"
    ]

    # Stories: the index over the whole history (built once per process, untimed), then a
    # poll's 200 new items, dated within the last day, grouped against it.
    from datetime import timedelta

    from monitor.stories import StoryIndex

    t0 = time.perf_counter()
    index = StoryIndex()
    index.add(items)
    built = time.perf_counter() - t0
    maker = TextMaker(p["vocab"], p["lists"], random.Random(17))
    new = make_items(maker, 200, start=40_000_000)
    for n, item in enumerate(new):
        item.published = NOW - timedelta(minutes=7 * n)
        matcher.apply(item)
    t0, c0 = time.perf_counter(), time.process_time()
    index.add(new)
    grouped = time.perf_counter() - t0
    grouped_cpu = time.process_time() - c0
    stories = index.stories()
    multi = sum(1 for s in stories.values() if len(s.items) > 1)
    notes.append(
        f"stories: index of {len(items)} items built in {built:.1f} s; 200 new grouped "
        f"in {grouped * 1e3:.0f} ms (CPU time {grouped_cpu * 1e3:.0f} ms); "
        f"{multi} stories of 2+ items"
    )
    return {
        "metrics": {"trends_100k_ms": min(runs) * 1e3, "group_200_into_100k_ms": grouped * 1e3},
        "notes": notes,
    }


def run_backtest(p: dict[str, Any]) -> Result:
    """``monitor watchlist test "Drone Deal"``'s work over the history (loaded beforehand)."""
    from synth import shipped_watchlists

    from monitor.backtest import backtest, find_watchlist

    history = History.open(Path(p["history"]))
    items = history.items()
    watchlist = find_watchlist(shipped_watchlists(), "Drone Deal")
    assert watchlist is not None
    t0 = time.perf_counter()
    result = backtest(items, watchlist)
    elapsed = time.perf_counter() - t0
    return {
        "metrics": {"backtest_100k_s": elapsed},
        "notes": [
            f"backtest: {result.summary} over {result.total} items in {elapsed:.2f} s "
            "(history load not counted)"
        ],
    }


def run_naive(p: dict[str, Any]) -> Result:
    """N one-by-one inserts: plain TinyDB (JSONStorage) versus History.add_items([item])."""
    from tinydb import TinyDB

    vocab, lists = p["vocab"], p["lists"]
    maker = TextMaker(vocab, lists, random.Random(13))
    items = make_items(maker, p["naive"], start=30_000_000)
    docs = [i.to_dict() for i in items]
    work = Path(p["workdir"])

    t0 = time.perf_counter()
    db = TinyDB(work / "naive.json")
    table = db.table("items")
    for doc in docs:
        table.insert(doc)
    db.close()
    naive = time.perf_counter() - t0

    history = History.open(work / "ours.json")
    t0 = time.perf_counter()
    for item in items:
        history.add_items([item])
    ours = time.perf_counter() - t0
    if len(history) != len(items):
        raise RuntimeError(f"naive: ours stored {len(history)} of {len(items)}")
    return {
        "metrics": {"naive_tinydb_ratio": naive / ours},
        "notes": [
            f"naive: {len(items)} single inserts: TinyDB JSONStorage {naive:.2f} s, "
            f"History.add_items one at a time {ours:.2f} s "
            f"({ours / len(items) * 1e3:.2f} ms each, fsync per write)"
        ],
    }


# -- what a `monitor poll` process costs, and what reaches the disk -----------------------


def _files(directory: Path) -> dict[str, tuple[int, int]]:
    return {
        p.name: (st.st_ino, st.st_size)
        for p in directory.iterdir()
        if p.is_file()
        for st in [p.stat()]
    }


def bytes_written(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> int:
    """Bytes that reached these files: a new or replaced file counts whole, a grown one its
    growth, a hard link to a file that already existed (the ``.bak``) nothing."""
    old_inodes = {ino for ino, _ in before.values()}
    total = 0
    for name, (ino, size) in after.items():
        if name in before and before[name][0] == ino:
            total += max(0, size - before[name][1])
        elif ino not in old_inodes:
            total += size
    return total


def _monitor(*args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0, proc


def run_process(p: dict[str, Any]) -> Result:
    """``monitor poll`` as a process on a 100k history, every feed answering 304; and one flag."""
    work = Path(p["workdir"]) / "process"
    work.mkdir(exist_ok=True)
    db = work / "history.json"
    copy_history(Path(p["history"]), db)
    args = ("poll", "--config", p["config"], "--db", str(db))
    compile_monitor()  # as installed: bytecode compiled (see bench/installed.py)
    cold_s, proc = _monitor(*args)  # stores the served items, learns the ETags (untimed)
    if proc.returncode != 0:
        raise RuntimeError(f"cold poll process failed ({proc.returncode}): {proc.stderr[-500:]}")
    History.open(db).compact()  # the steady state: a snapshot and an empty journal
    stored = len(History.open(db))
    times, written = [], []
    for _ in range(3):
        before = _files(work)
        seconds, proc = _monitor(*args)
        if proc.returncode != 0 or "not modified" not in proc.stdout or " new" in proc.stdout:
            raise RuntimeError(
                f"warm poll process: exit {proc.returncode}, "
                f"{proc.stdout[:200]!r} {proc.stderr[-300:]}"
            )
        written.append(bytes_written(before, _files(work)))
        times.append(seconds)

    history = History.open(db)
    item = history.items()[len(history) // 2]
    before = _files(work)
    history.set_flag(item.id, not item.flagged)
    flag_bytes = bytes_written(before, _files(work))
    snapshot = db.stat().st_size
    rows = rows_path(db).stat().st_size if rows_path(db).exists() else 0
    return {
        "metrics": {
            "warm_poll_process_s": min(times),
            "bytes_written_warm_poll": max(written),
            "bytes_written_flag": flag_bytes,
            "bytes_per_item": snapshot / stored,
        },
        "notes": [
            f"process: warm `monitor poll` (all 304, {stored:,} items) "
            + ", ".join(f"{t:.2f}" for t in times)
            + f" s, wrote {', '.join(f'{w:,}' for w in written)} bytes;"
            f" cold poll process {cold_s:.1f} s (bytecode compiled first, as installed)",
            f"process: snapshot {snapshot / 1e6:.0f} MB, "
            f"{snapshot / stored:,.0f} bytes per stored item"
            f" (+{rows / stored:,.0f} in the load cache, history.json.rows);"
            f" one flag wrote {flag_bytes:,} bytes",
        ],
    }
