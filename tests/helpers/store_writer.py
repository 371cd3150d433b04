"""A separate process writing a history, for tests/functional/test_store_crash.py.

    python tests/store_writer.py append PATH          # commit 5-item batches until killed
    python tests/store_writer.py adder PATH GO N       # after GO exists: N batches of 10 new items
    python tests/store_writer.py flagger PATH GO N     # after GO exists: flag/read items s:0..s:N-1
    python tests/store_writer.py hold PATH             # die (when killed) holding the history lock
    python tests/store_writer.py compactor PATH        # commit a batch, compact, repeat until killed
    python tests/store_writer.py compact_loop PATH GO N  # after GO exists: compact N times

Every mode prints progress lines and flushes them, so the parent knows what was committed.
Each mode stops on its own after MAX_SECONDS, so a crashed test cannot leave it running.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from monitor.history import History  # noqa: E402
from monitor.models import FeedState, Item  # noqa: E402

MAX_SECONDS = 30.0
T0 = datetime(2025, 10, 1, tzinfo=timezone.utc)
BATCH = 5


def make_item(item_id: str, n: int) -> Item:
    """Summary and text depend on the id only (so a test can check them); every other item
    carries an article text, which a compaction leaves in the snapshot, read on demand."""
    article = sum(map(ord, item_id)) % 2 == 0
    return Item(
        id=item_id,
        feed="unn-en",
        title=f"Defence ministry update {item_id}",
        link=f"https://example.org/news/{item_id}",
        summary=f"The Ministry of Defence said procurement ({item_id}) will expand. " * 4,
        published=T0 + timedelta(minutes=n),
        first_seen=T0 + timedelta(minutes=n, seconds=5),
        text=f"Повний текст {item_id}. " + "Міністерство оборони повідомило. " * 60
        if article
        else "",
    )


def say(line: str) -> None:
    print(line, flush=True)


def wait_for(go: Path, deadline: float) -> None:
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit("gave up waiting for the go file")
        time.sleep(0.005)


def append(path: Path, deadline: float) -> None:
    history = History.open(path)
    done = {int(i.id.split(":")[1]) for i in history.items() if i.id.startswith("w:")}
    batch = max(done, default=-1) + 1
    say("ready")
    while time.monotonic() < deadline:
        items = [make_item(f"w:{batch}:{j}", batch * BATCH + j) for j in range(BATCH)]
        history.commit(items, [FeedState(name="unn-en", last_new=batch)])
        say(f"committed {batch}")
        batch += 1


def adder(path: Path, go: Path, batches: int, deadline: float) -> None:
    history = History.open(path)
    wait_for(go, deadline)
    for batch in range(batches):
        items = [make_item(f"a:{batch}:{j}", 1000 + batch * 10 + j) for j in range(10)]
        added = history.add_items(items)
        say(f"added {batch} {len(added)}")
        time.sleep(0.005)  # a poller fetches between commits; without this it starves the flagger
    say("done")


def flagger(path: Path, go: Path, count: int, deadline: float) -> None:
    history = History.open(path)
    wait_for(go, deadline)
    sizes = {len(history)}  # grows whenever a write of ours first caught up with the adder's
    for n in range(count):
        if n % 2 == 0:
            history.set_flag(f"s:{n}", True)
        else:
            history.set_read(f"s:{n}", True)
        sizes.add(len(history))
        time.sleep(0.002)  # a user between keypresses; a tight loop would starve the adder
    say(f"done caught_up={len(sizes) - 1}")


def compactor(path: Path, deadline: float) -> None:
    """Commit, then compact: most of the time is spent rewriting the snapshot, so kills
    land in the middle of compactions (and of appends in between)."""
    history = History.open(path)
    done = {int(i.id.split(":")[1]) for i in history.items() if i.id.startswith("w:")}
    batch = max(done, default=-1) + 1
    say("ready")
    while time.monotonic() < deadline:
        items = [make_item(f"w:{batch}:{j}", batch * BATCH + j) for j in range(BATCH)]
        history.commit(items, [FeedState(name="unn-en", last_new=batch)])
        say(f"committed {batch}")
        history.compact()
        say(f"compacted {batch}")
        batch += 1


def compact_loop(path: Path, go: Path, count: int, deadline: float) -> None:
    history = History.open(path)
    wait_for(go, deadline)
    for n in range(count):
        history.compact()
        say(f"compacted {n}")
        time.sleep(0.01)
    say("done")


def hold(path: Path, deadline: float) -> None:
    history = History.open(path)

    def stall(item: Item) -> bool:  # runs inside the transaction, with the lock held
        item.read = True
        say("holding")
        time.sleep(max(0.0, deadline - time.monotonic()))
        return True

    history.retag(stall)


def main(argv: list[str]) -> None:
    deadline = time.monotonic() + MAX_SECONDS
    mode, path = argv[0], Path(argv[1])
    if mode == "append":
        append(path, deadline)
    elif mode == "adder":
        adder(path, Path(argv[2]), int(argv[3]), deadline)
    elif mode == "flagger":
        flagger(path, Path(argv[2]), int(argv[3]), deadline)
    elif mode == "hold":
        hold(path, deadline)
    elif mode == "compactor":
        compactor(path, deadline)
    elif mode == "compact_loop":
        compact_loop(path, Path(argv[2]), int(argv[3]), deadline)
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])
