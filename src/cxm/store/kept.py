"""Results of slow read-only analyses kept in the process until the data they read change.

A page that shows an analysis taking seconds (the targets' proposals read every answer and
the year's profit) keeps its result per key, with a fingerprint of the tables it read: the
largest id or update time of each (indexed, :mod:`cxm.store.changes`). While the fingerprint
holds, the kept result is served at once. When the data move on, the kept result is served
marked stale (the page says when it was computed) while a thread computes the new one. With
nothing kept, the first caller computes and waits (or, with ``wait=False``, gets None and the
page asks to come back). A computation that ends in a :class:`~cxm.errors.CXMError` keeps its
message: that too is its result until the data change.

The dashboard's analyses (:mod:`cxm.management.dashboard`) are kept the same way; the people
workspace's figures (:mod:`cxm.people.kept`) and the text analysis
(:mod:`cxm.text.service`) with this class.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from cxm.errors import CXMError
from cxm.store.changes import data_fingerprint

__all__ = ["Kept", "KeptResults", "clear_all", "forget_with_kept", "wait_all"]

log = logging.getLogger(__name__)

#: Every KeptResults of this process (for :func:`wait_all`).
_ALL: weakref.WeakSet[KeptResults[Any]] = weakref.WeakSet()
#: How to empty the other caches of this process keyed by database (:func:`forget_with_kept`).
_OTHER_CACHES: list[Callable[[], None]] = []


def forget_with_kept(clear: Callable[[], None]) -> None:
    """Have :func:`clear_all` call ``clear`` too: a module's own cache of what it read from
    a database (the dashboard's analyses, a questionnaire's parsed definition, the day the
    customer page judges by) is forgotten with the kept results."""
    _OTHER_CACHES.append(clear)


def wait_all() -> None:
    """Block until every computation running beside has ended (before a store is closed:
    a test's teardown, a shutdown)."""
    for kept in list(_ALL):
        with kept._lock:
            keys = list(kept._running)
        for key in keys:
            kept.wait(key)


def clear_all() -> None:
    """Forget every kept result and every registered cache of this process (a database
    emptied or put back to an earlier state under a running process — a test's — has
    the same URL: a result kept from the data before, by the same key, would be served
    as stale, or as fresh where the fingerprint matches again)."""
    for kept in list(_ALL):
        kept.clear()
    for clear in _OTHER_CACHES:
        clear()


T = TypeVar("T")


@dataclass(frozen=True)
class Kept(Generic[T]):
    """One kept result: ``value`` (None where the computation ended in ``error``, a
    message for the user), when it was computed and in how many seconds, and whether the
    data are still those it read (``fresh``)."""

    value: T | None
    error: str | None
    computed_at: datetime
    seconds: float
    fingerprint: tuple[str, ...]
    fresh: bool = True


class KeptResults(Generic[T]):
    """Results of one analysis, per key (at most ``size``, the least recently computed
    goes first). ``watched`` gives the indexed columns whose largest values make the
    fingerprint (an id column for tables only added to, an indexed update time else);
    it is called at each use, so the models can be imported lazily."""

    def __init__(
        self,
        name: str,
        watched: Callable[[], Sequence[Any]],
        *,
        size: int = 64,
        refresh_after_s: float = 0.0,
    ) -> None:
        self.name = name
        self._watched = watched
        self._size = size
        #: A kept result younger than this is served (marked stale) when the data changed,
        #: without computing again: an analysis of minutes is redone at most this often
        #: while answers keep arriving, as the kept reports are.
        self._refresh_after_s = refresh_after_s
        self._kept: dict[Hashable, Kept[T]] = {}
        self._running: dict[Hashable, threading.Thread] = {}
        self._lock = threading.Lock()
        _ALL.add(self)

    def fingerprint(self, session: Session) -> tuple[str, ...]:
        return data_fingerprint(session, *self._watched())

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def get(
        self,
        session: Session,
        key: Hashable,
        compute: Callable[[], T],
        *,
        wait: bool = True,
        stale_ok: bool = True,
        patience_s: float = 0.0,
    ) -> Kept[T] | None:
        """The result for ``key``: kept while the data are unchanged; a stale one (``fresh``
        False) while ``compute`` runs beside (``stale_ok``; else computed now, as with
        nothing kept); computed now with nothing kept (``wait``), else None while it is
        computed beside (waiting ``patience_s`` for it first: a small company's page is
        whole at once, a large one's says to come back); a kept result younger than
        ``refresh_after_s`` is served stale without computing. ``compute`` opens its own
        session: it may run in another thread after this request has ended (not so with
        ``stale_ok`` False and ``wait``: then it runs now, in this thread)."""
        fp = self.fingerprint(session)
        thread: threading.Thread | None = None
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept.fingerprint == fp:
                return kept
            if not stale_ok:
                kept = None
            if kept is not None and self._too_recent(kept):
                return _stale(kept)
            if kept is not None:
                self._start(key, compute, fp)
                return _stale(kept)
            if not wait:
                thread = self._start(key, compute, fp)
        if not wait:
            if patience_s > 0 and thread is not None:
                thread.join(patience_s)
            with self._lock:
                found = self._kept.get(key)
            if found is None:
                return None
            return found if found.fingerprint == fp else _stale(found)
        result = self._compute(compute, fp)
        with self._lock:
            self._keep(key, result)
        return result

    def _too_recent(self, kept: Kept[T]) -> bool:
        age = (datetime.now(UTC) - kept.computed_at).total_seconds()
        return age < self._refresh_after_s

    def get_waiting(
        self, session: Session, key: Hashable, compute: Callable[[], T], *, stale_ok: bool = True
    ) -> Kept[T]:
        """:meth:`get` with ``wait``: the kept, stale or new result, never None."""
        found = self.get(session, key, compute, wait=True, stale_ok=stale_ok)
        if found is None:  # not reached: with wait, get computes what it does not keep
            found = self._compute(compute, self.fingerprint(session))
        return found

    def wait(self, key: Hashable) -> None:
        """Block until a computation of ``key`` running beside has ended (tests, warm-ups)."""
        with self._lock:
            thread = self._running.get(key)
        if thread is not None:
            thread.join()

    def _compute(self, compute: Callable[[], T], fp: tuple[str, ...]) -> Kept[T]:
        started = time.perf_counter()
        value: T | None = None
        error: str | None = None
        try:
            value = compute()
        except CXMError as exc:
            error = exc.message
        seconds = time.perf_counter() - started
        return Kept(value, error, datetime.now(UTC), round(seconds, 3), fp)

    def _keep(self, key: Hashable, result: Kept[T]) -> None:
        """Keep ``result`` (the caller holds the lock), dropping the oldest beyond the size."""
        self._kept.pop(key, None)
        self._kept[key] = result
        while len(self._kept) > self._size:
            self._kept.pop(next(iter(self._kept)))

    def _start(
        self, key: Hashable, compute: Callable[[], T], fp: tuple[str, ...]
    ) -> threading.Thread:
        """Compute in a thread unless one already computes ``key`` (the caller holds the
        lock); the thread that computes it."""
        if key in self._running:
            return self._running[key]

        def run() -> None:
            try:
                result = self._compute(compute, fp)
                with self._lock:
                    self._keep(key, result)
            except Exception:  # a failed refresh leaves the last result in place, logged
                log.exception("refreshing the kept %s failed", self.name)
            finally:
                with self._lock:
                    self._running.pop(key, None)

        thread = threading.Thread(target=run, name=f"cxm-kept-{self.name}", daemon=True)
        self._running[key] = thread
        thread.start()
        return thread


def _stale(kept: Kept[T]) -> Kept[T]:
    return Kept(kept.value, kept.error, kept.computed_at, kept.seconds, kept.fingerprint, False)
