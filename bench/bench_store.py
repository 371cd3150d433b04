"""Speed of the history: load 100k items, ingest 10k new into 100k, versus naive TinyDB.

Run: ``.venv/bin/python bench/bench_store.py [--naive N]``. Items are ~600 bytes of JSON.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tinydb import TinyDB  # noqa: E402

from monitor.models import Item, Match  # noqa: E402
from monitor.store import History  # noqa: E402

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


def make_item(n: int) -> Item:
    matches = [Match("Procurement", "drones", "title", 4, 10, "new drones for the army")] if n % 10 == 0 else []
    return Item(
        id=f"unn-en:{n:08d}",
        feed="unn-en",
        title=f"Item {n}: Ministry of Defence announces drone procurement round",
        link=f"https://unn.ua/en/news/ministry-of-defence-announces-procurement-{n}",
        summary="The Ministry of Defence of Ukraine said on Tuesday that it will expand the procurement "
        "of unmanned systems under the new codification rules, according to a statement. " * 2,
        published=T0 + timedelta(minutes=n),
        first_seen=T0 + timedelta(minutes=n, seconds=30),
        matches=matches,
    )


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    print(f"{label}: {time.perf_counter() - start:.3f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=10_000)
    parser.add_argument("--naive", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.json"
        base = [make_item(n) for n in range(args.base)]
        print(f"item size ~{len(__import__('orjson').dumps(base[1].to_dict()))} bytes")
        h = History.open(path)
        timed(f"first commit of {args.base} items", lambda: h.add_items(base))
        print(f"file size: {path.stat().st_size / 1e6:.1f} MB")
        h2 = timed(f"load {args.base} items (History.open)", lambda: History.open(path))
        new = [make_item(n) for n in range(args.base, args.base + args.new)]
        added = timed(f"ingest {args.new} new into {args.base} (one commit)", lambda: h2.add_items(new))
        assert len(added) == args.new
        timed("dedup-only commit of the same batch", lambda: h2.add_items(new))
        timed("set_flag on one item (write of the whole file)", lambda: h2.set_flag(new[0].id, True))
        timed("items() sorted (first call)", h2.items)
        h3 = History.open(path)
        timed("set_read in one History + refresh() of another", lambda: (h2.set_read(new[1].id, True), h3.refresh()))
        timed("get() x 100k", lambda: [h2.get(it.id) for it in base])

        naive_path = Path(tmp) / "naive.json"
        docs = [make_item(n).to_dict() for n in range(args.naive)]

        def naive() -> None:
            db = TinyDB(naive_path)
            table = db.table("items")
            for doc in docs:
                table.insert(doc)
            db.close()

        timed(f"naive TinyDB: {args.naive} single inserts (JSONStorage)", naive)
        ours = Path(tmp) / "ours.json"
        hh = History.open(ours)
        timed(f"ours: {args.naive} single add_items calls", lambda: [hh.add_items([make_item(n)]) for n in range(args.naive)])


if __name__ == "__main__":
    main()
