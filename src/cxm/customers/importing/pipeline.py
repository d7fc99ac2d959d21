"""Write one chunk while the next is read and validated.

The database works on its own (sqlite3 and psycopg let go of Python's interpreter lock
while a statement runs or rows travel), so a chunk's write on a thread of its own overlaps
the reading and validating of the next chunk: with a core to spare an order-lines import
takes about the longer of the two instead of their sum. One write at a time is in flight,
in the file's order, so memory stays at two chunks; every write is waited for before the
import goes on (counting, finishing, committing or rolling back).

SQLite works inside this process: without a spare core the two threads only take turns,
and cost more CPU than one (on a shared two-core machine at load 2.5–3.5, a million lines
took 14.9–17.0 CPU-s and 15–19 s with the thread against 11.2–13.6 CPU-s and 12–16 s
without), so unless told the thread is used for SQLite only when the load average leaves
a core idle. PostgreSQL works in its own process and the writer mostly waits for it: the
thread is used (a million lines into an empty table, load 2.3–2.5: 11.5 s and 5.8 client
CPU-s with it, 13.4 s and 5.9 without). While it writes, the next chunk's customers are
looked up on a connection of their own (:attr:`~.orders.OrderBook.reader`), not after
the write. See :func:`writer_thread_wanted`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any

import pandas as pd

__all__ = ["BackgroundWrites", "runs_in_background", "writer_thread_wanted"]


class BackgroundWrites:
    """Chunks handed to ``write`` on a thread of its own (``background``), else at once.

    Use as a context manager; :meth:`finish` waits for the last write and returns the
    rows ``write`` reported as changed. Leaving the block by an exception waits for the
    write in flight; if that write failed too, its error is raised instead (chained): a
    failed statement is the cause, and what the validating thread met next (PostgreSQL's
    "current transaction is aborted") only its consequence.
    """

    def __init__(self, write: Callable[[pd.DataFrame], int], *, background: bool) -> None:
        self._write = write
        self._pool = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="cxm-import-write")
            if background
            else None
        )
        self._pending: Future[int] | None = None
        self.changed = 0

    def submit(self, rows: pd.DataFrame) -> None:
        """Write ``rows`` after the chunk before them (raises that chunk's error)."""
        if self._pool is None:
            self.changed += self._write(rows)
            return
        self._collect()
        self._pending = self._pool.submit(self._write, rows)

    def _collect(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            self.changed += pending.result()

    def finish(self) -> int:
        self._collect()
        return self.changed

    def __enter__(self) -> BackgroundWrites:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        pending, self._pending = self._pending, None
        try:
            if pending is not None:
                if kind is None:
                    self.changed += pending.result()
                else:
                    failed = pending.exception()
                    if isinstance(failed, Exception) and isinstance(error, Exception):
                        raise failed from error
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)


def writer_thread_wanted(wanted: bool | None, dialect: str = "sqlite") -> bool:
    """``wanted``, or when ``None``: always for a database in a process of its own
    (PostgreSQL), else whether a core is idle — at least two, and the one-minute load
    average leaves one free (no load average: no thread)."""
    if wanted is not None:
        return wanted
    if dialect != "sqlite":
        return True
    cores = os.cpu_count() or 1
    if cores < 2 or not hasattr(os, "getloadavg"):
        return False
    return os.getloadavg()[0] + 1 <= cores


def runs_in_background(conn: Any) -> bool:
    """Whether ``conn`` may be used from the writer's thread: every PostgreSQL connection,
    and a SQLite file (in memory, each thread would see a database of its own)."""
    if conn.dialect.name != "sqlite":
        return True
    return conn.engine.url.database not in (None, "", ":memory:")
