"""Durable file I/O for the history (and anyone else who must never leave a file half-written).

:func:`atomic_write` is the one way monitor replaces a file: write a temp file in the same
directory, ``fsync`` it, ``os.replace`` it over the target, ``fsync`` the directory. A
reader sees the old file or the new one, never a mix, whatever moment the writer dies.

:class:`HistoryLock` is the cross-process lock beside the history (``filelock`` uses
``flock``, which the kernel releases when the holder dies, so a killed writer never
leaves a stale lock).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from filelock import FileLock, Timeout

from monitor.errors import HistoryError

__all__ = [
    "HistoryLock",
    "Stamp",
    "atomic_write",
    "backup_path",
    "fsync_dir",
    "keep_backup",
    "stamp",
]

Stamp = tuple[int, int, int, int]  # (inode, size, mtime_ns, ctime_ns)


def stamp(st: os.stat_result) -> Stamp:
    """What identifies one version of a file (changes whenever it is replaced or written)."""
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def backup_path(path: Path) -> Path:
    """Where the previous good version of ``path`` is kept."""
    return path.with_name(path.name + ".bak")


def atomic_write(path: str | os.PathLike[str], data: bytes | str | Iterable[bytes]) -> Stamp:
    """Replace ``path`` with ``data`` atomically and durably; returns the new file's stamp.

    ``data`` is bytes, text (written as UTF-8) or an iterable of byte chunks, each written
    as soon as it is produced (``os.write`` releases the GIL, so a big write in a worker
    thread does not stall the UI). The file keeps its permission bits.

    The temp name is fixed (``.<name>.tmp``): callers that may race hold a lock (the
    history does); one a killed writer left behind is simply replaced.
    """
    path = Path(path)
    if isinstance(data, str):
        chunks: Iterable[bytes] = (data.encode("utf-8"),)
    elif isinstance(data, (bytes, bytearray, memoryview)):
        chunks = (bytes(data),)
    else:
        chunks = data
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        mode = os.stat(path).st_mode & 0o7777
    except OSError:
        mode = None
    try:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        try:
            if mode is not None:
                os.fchmod(fd, mode)
            for chunk in chunks:
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)
    return stamp(os.stat(path))


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable (best effort)."""
    with suppress(OSError):  # not every platform/filesystem can fsync a directory
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def keep_backup(path: Path) -> None:
    """Make ``<path>.bak`` the current file (a hard link; a copy where links fail)."""
    bak = backup_path(path)
    tmp = path.with_name(f".{bak.name}.tmp")
    with suppress(OSError):  # best effort: a missing backup must not stop the write
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        try:
            os.link(path, tmp)
        except OSError:
            shutil.copy2(path, tmp)
        os.replace(tmp, bak)


class HistoryLock:
    """The cross-process lock of one history file (``<history>.lock``), re-entrant per object."""

    def __init__(self, path: Path, timeout: float) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")
        self.timeout = timeout
        self._lock = FileLock(
            self.lock_path, timeout=timeout, thread_local=False, poll_interval=0.01
        )

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock; a :class:`HistoryError` (one line) when it cannot be had."""
        try:
            self._lock.acquire()
        except Timeout:
            raise HistoryError(
                f"history {self.path} is locked by another monitor process "
                f"(waited {self.timeout:g} s for {self.lock_path}); try again"
            ) from None
        except OSError as exc:
            raise HistoryError(
                f"cannot lock history {self.path} ({self.lock_path}: {exc.strerror or exc}); "
                "check the directory's permissions or use another history",
                another=True,
            ) from None
        try:
            yield
        finally:
            self._lock.release()
