"""``python -m monitor`` and the ``monitor`` command (``entry``)."""

import gc


def entry() -> None:
    """Start the CLI with the cyclic GC off: start-up (imports, the config, the history's
    tables) allocates ~200,000 objects and no garbage cycles, and the collections it
    triggered cost ~10 ms of each `monitor poll`. The command turns it back on
    (``monitor.cli.started``) before its real work."""
    gc.disable()
    from monitor.cli import run

    run()


if __name__ == "__main__":
    entry()
