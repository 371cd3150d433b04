"""Where monitor keeps its files: the platform's standard directories.

platformdirs and importlib.resources are imported when a path is asked for: a `monitor
poll --config F --db H` (cron) needs neither, and every process pays for what it imports.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "monitor"

FileStamp = tuple[int, int, int] | None


def shipped_feeds_toml() -> Path:
    """The feeds.toml that ships inside the package (a copy of the repository's)."""
    from importlib import resources

    return Path(str(resources.files("monitor") / "data" / "feeds.toml"))


def default_history_path() -> Path:
    """The history file in the platform's user data dir."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / "history.json"


def default_config_path(cwd: Path | None = None) -> Path:
    """``./feeds.toml`` when present, else the user config dir's copy (created from the
    shipped one)."""
    local = (cwd or Path.cwd()) / "feeds.toml"
    if local.is_file():
        return local
    import shutil

    from platformdirs import user_config_path

    target = user_config_path(APP_NAME, appauthor=False) / "feeds.toml"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shipped_feeds_toml(), target)
    return target


def file_stamp(path: Path) -> FileStamp:
    """(mtime_ns, size, inode): changes on every save, including editors' atomic renames."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)
