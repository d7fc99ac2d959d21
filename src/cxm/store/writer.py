"""One writer at a time on a SQLite file, queued instead of polling.

SQLite lets one connection write at a time; another writer that finds the database locked
sleeps in SQLite's busy handler (1, 2, 5 … 100 ms between tries), so under many concurrent
saves some wait far longer than the writes ahead of them. Writers that take this lock first
queue instead, and each wakes as soon as the one before it has committed: a thread lock
within a process, and ``flock`` on a file beside the database across worker processes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["WriterLock"]

try:
    import fcntl
except ImportError:  # not POSIX: the thread lock alone (one process)
    fcntl = None  # type: ignore[assignment]


class WriterLock:
    """The writer's turn on the SQLite file ``database`` (a lock file ``<database>-writer``
    beside it, made on first use)."""

    def __init__(self, database: str) -> None:
        self.path = database + "-writer"
        self._thread = threading.Lock()
        self._fd: int | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._thread:
            if fcntl is None:
                yield
                return
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._thread:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
