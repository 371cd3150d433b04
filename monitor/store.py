"""Moved to :mod:`monitor.history`; this alias keeps imports of branches in flight working.

Import from ``monitor.history`` in new code; this module goes away once nothing uses it."""

from monitor.history import (
    DEFAULT_LOCK_TIMEOUT,
    SCHEMA_VERSION,
    History,
    OrjsonStorage,
    backup_path,
)

__all__ = ["DEFAULT_LOCK_TIMEOUT", "SCHEMA_VERSION", "History", "OrjsonStorage", "backup_path"]
