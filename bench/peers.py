"""monitor and lemon24's ``reader`` side by side, as processes, on the same loopback feeds.

Run from the repo root: ``.venv/bin/python bench/peers.py [--feeds 200] [--items 50]
[--rounds 3]``. Installs ``reader`` into its own virtual environment (``bench/.peers/``,
reused by later runs; a run that cannot install it says so and skips the peer), serves
the same synthetic RSS feeds as bench/run.py from 127.0.0.1 (ETag / 304), and per round
runs, each as a fresh process on an empty database: reader cold, monitor cold, then
reader warm, monitor warm (every feed answering 304, the cold poll's items stored).
Prints the best of the rounds and the ratios reader / monitor (above 1: monitor faster).

Setup the two do not share is untimed: reader's feeds are added by a separate process
before its cold update (monitor reads them from feeds.toml in the timed process). reader
runs with its defaults (``update_feeds()``, one worker). Neither ever contacts the network.
Both run with their bytecode compiled, as installed (``bench/installed.py``).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from installed import compile_monitor  # noqa: E402
from server import FeedServer  # noqa: E402
from synth import TextMaker, vocabulary, watchlists, write_config, write_feeds  # noqa: E402

HERE = Path(__file__).resolve().parent
PEER_VENV = HERE / ".peers" / "reader-venv"
READER_SPEC = "reader>=3.20,<4"
# feedparser imports sgmllib, which some package indexes only offer as sgmllib3k
EXTRA_SPECS = ("sgmllib3k",)

ADD_FEEDS = """
import sys
from reader import make_reader
reader = make_reader(sys.argv[1])
for url in sys.argv[2:]:
    reader.add_feed(url, exist_ok=True)
reader.close()
"""

UPDATE = """
import sys
from reader import make_reader
reader = make_reader(sys.argv[1])
reader.update_feeds()
print(reader.get_entry_counts().total)
reader.close()
"""


def log(msg: str) -> None:
    print(f"peers: {msg}", file=sys.stderr, flush=True)


def reader_python() -> Path | None:
    """The peer venv's python with ``reader`` importable, installing it if needed."""
    python = PEER_VENV / "bin" / "python"
    check = [str(python), "-c", "import reader, feedparser; print(reader.__version__)"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    log(f"installing {READER_SPEC} into {PEER_VENV} ...")
    try:
        shutil.rmtree(PEER_VENV, ignore_errors=True)
        subprocess.run(
            [sys.executable, "-m", "venv", str(PEER_VENV)], check=True, capture_output=True
        )
        pip = [str(python), "-m", "pip", "install", "--quiet", READER_SPEC, *EXTRA_SPECS]
        subprocess.run(pip, check=True, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", "") or exc
        log(f"cannot install reader, skipping the peer: {str(detail).strip()[-300:]}")
        return None
    return python if subprocess.run(check, capture_output=True).returncode == 0 else None


def timed(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL, cwd=HERE
    )
    seconds = time.perf_counter() - t0
    if proc.returncode not in (0, 1):  # monitor exits 1 when a feed failed: checked by counts
        raise RuntimeError(f"{cmd[:3]} failed ({proc.returncode}): {proc.stderr[-500:]}")
    return seconds, proc.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/peers.py", description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print one JSON object of the figures")
    args = parser.parse_args(argv)

    peer = reader_python()
    compile_monitor()  # reader's pip install compiled its bytecode; monitor's the same
    rng = random.Random(42)
    vocab = vocabulary()
    lists = watchlists(rng)
    expected = args.feeds * args.items
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="monitor-peers-") as tmp_name:
        tmp = Path(tmp_name)
        files = write_feeds(tmp / "feeds", TextMaker(vocab, lists, rng), args.feeds, args.items)
        with FeedServer(tmp / "feeds") as server:
            config = write_config(tmp / "feeds.toml", server.base, files, lists)
            urls = [f"{server.base}/feeds/{name}" for name in files]
            for n in range(args.rounds):
                run = tmp / f"round{n}"
                run.mkdir()
                db = run / "history.json"
                monitor = [
                    sys.executable,
                    "-m",
                    "monitor",
                    "poll",
                    "--config",
                    str(config),
                    "--db",
                    str(db),
                ]
                rdb = str(run / "reader.sqlite")
                if peer is not None:
                    timed([str(peer), "-c", ADD_FEEDS, rdb, *urls])
                    seconds, out = timed([str(peer), "-c", UPDATE, rdb])
                    if int(out.strip() or 0) != expected:
                        raise RuntimeError(f"reader stored {out.strip()} of {expected} entries")
                    times.setdefault("reader_cold_s", []).append(seconds)
                seconds, out = timed(monitor)
                if out.count(f": {args.items} new") != args.feeds:
                    raise RuntimeError(f"monitor cold poll did not store every item: {out[-300:]}")
                times.setdefault("monitor_cold_s", []).append(seconds)
                if peer is not None:
                    seconds, out = timed([str(peer), "-c", UPDATE, rdb])
                    times.setdefault("reader_warm_s", []).append(seconds)
                seconds, out = timed(monitor)
                if out.count("not modified") != args.feeds:
                    raise RuntimeError(
                        f"monitor warm poll: not every feed answered 304: {out[-300:]}"
                    )
                times.setdefault("monitor_warm_s", []).append(seconds)
                log(f"round {n + 1}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in times.items()))
                shutil.rmtree(run)

    best = {k: min(v) for k, v in times.items()}
    if peer is not None:
        best["ratio_cold"] = best["reader_cold_s"] / best["monitor_cold_s"]
        best["ratio_warm"] = best["reader_warm_s"] / best["monitor_warm_s"]
    if args.json:
        print(json.dumps(best))
        return 0
    print(f"{args.feeds} feeds x {args.items} items on 127.0.0.1, best of {args.rounds} (s):")
    for what in ("cold", "warm"):
        line = f"  {what}: monitor {best[f'monitor_{what}_s']:.2f}"
        if peer is not None:
            reader, ratio = best[f"reader_{what}_s"], best[f"ratio_{what}"]
            line += f", reader {reader:.2f}, reader / monitor {ratio:.2f}x"
        print(line)
    for key, values in times.items():
        print(f"  {key}: " + ", ".join(f"{v:.2f}" for v in values))
    if peer is None:
        print("  reader: skipped (could not be installed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
