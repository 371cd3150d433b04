"""The history: every item seen, the feed states and a little metadata, kept on disk.

What callers use lives here: :class:`History` (the item store, safe to share between
processes), :func:`open_history` (which file a config names), :class:`OrjsonStorage`
(TinyDB access for scripts) and :func:`atomic_write` (the one durable file replace).

Modules by concern: ``store`` (History: what callers use), ``sync`` (loading, catching
up, journal appends, compaction), ``contents`` (the tables in memory, item decoding),
``format`` (the TinyDB file, read and written in chunks), ``journal`` (the append-only
change log), ``sidecar`` (the ids and order of a snapshot), ``rows`` (the load cache; long
texts read from the snapshot on demand), ``files`` (atomic writes, the lock, the ``.bak``),
``memory`` (the GC policy for large item lists).
"""

from __future__ import annotations

from pathlib import Path

from monitor.models import Config
from monitor.paths import default_history_path

from .contents import SCHEMA_VERSION
from .files import atomic_write, backup_path
from .format import OrjsonStorage
from .store import DEFAULT_LOCK_TIMEOUT, History

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "SCHEMA_VERSION",
    "History",
    "OrjsonStorage",
    "atomic_write",
    "backup_path",
    "open_history",
]


def open_history(
    config: Config,
    db_override: Path | None = None,
    *,
    create: bool = True,
    ids_only: bool = False,
    head: int = 0,
) -> History:
    """The history named by ``db_override`` (the CLI's ``--db``), else by ``[settings]
    history``, else the platform's.

    With ``create=False`` a missing file is a :class:`~monitor.errors.HistoryError`;
    ``ids_only`` (what ``monitor poll`` uses) and ``head`` (the newest items first, the
    rest by ``load_rest()``): see :meth:`History.open`."""
    path = db_override or config.settings.history or default_history_path()
    return History.open(Path(path).expanduser(), create=create, ids_only=ids_only, head=head)
