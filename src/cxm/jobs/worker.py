"""The worker: claims due jobs, runs them under a renewed lease, retries with back-off.

A job runs to completion at most once: an atomic job's effects commit in the transaction
that marks it done, guarded by the lease, so a worker that lost its lease (it hung past it
and another worker took the job) rolls its effects back. A worker killed mid-job leaves the
job running with a lease that runs out; then another worker claims it again.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from cxm.config import Settings
from cxm.jobs.claim import (
    ClaimedJob,
    begin_write,
    claim_more,
    claim_next,
    finish_batch,
    release,
    renew,
    settle_taken,
    take_due,
)
from cxm.jobs.models import JobStatus
from cxm.jobs.registry import JobContext, get_job, load_modules, registered
from cxm.store import Store
from cxm.store.base import utcnow

__all__ = ["LeaseLost", "RunOutcome", "Worker", "lower_priority", "worker_name"]

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """The job's lease passed to another worker before this one finished."""


def lower_priority(increment: int) -> int | None:
    """Lower this process's CPU priority by ``increment`` (Unix ``nice``) so that its jobs
    yield the processor to the web's requests and survey saves when the machine is busy
    (they still get all of it when it is idle). The new niceness, or ``None`` where the
    system has no ``nice`` (Windows) or ``increment`` is 0."""
    if increment <= 0 or not hasattr(os, "nice"):
        return None
    return os.nice(increment)


def worker_name(index: int = 0) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{index}"


@dataclass
class RunOutcome:
    done: int = 0
    retried: int = 0
    dead: int = 0
    lost: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, what: str) -> None:
        with self.lock:
            setattr(self, what, getattr(self, what) + 1)

    def as_dict(self) -> dict[str, int]:
        return {"done": self.done, "retried": self.retried, "dead": self.dead, "lost": self.lost}


class _Heartbeat(threading.Thread):
    """Renews the lease of every claimed job (a batch has several) every third of it while
    the job runs; ``lost`` is set when any of them is no longer this worker's."""

    def __init__(self, store: Store, claims: list[ClaimedJob], lease_s: float) -> None:
        super().__init__(daemon=True, name=f"heartbeat-{claims[0].id}")
        self.store, self.claims, self.lease_s = store, claims, lease_s
        self.stopped = threading.Event()
        self.lost = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.lease_s / 3):
            try:
                with self.store.writing(), self.store.session() as s:
                    begin_write(s)
                    now = utcnow()
                    if not all(renew(s, c, now=now, lease_s=self.lease_s) for c in self.claims):
                        self.lost.set()
                        return
            except Exception:  # a failed beat is retried at the next; the lease may lapse
                log.exception("heartbeat of job %s failed", self.claims[0].id)

    def stop(self) -> None:
        self.stopped.set()
        if self.is_alive():
            self.join()


class Worker:
    """Runs registered jobs from the outbox of ``store`` on ``concurrency`` threads."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        concurrency: int = 1,
        lease_s: float = 60.0,
        poll_s: float = 1.0,
        names: list[str] | None = None,
        modules: list[str] | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        load_modules(modules or [])
        self.store, self.settings = store, settings
        self.concurrency, self.lease_s, self.poll_s = concurrency, lease_s, poll_s
        # Only jobs this process can run: a plug-in's jobs wait for a worker that imports it.
        known = registered()
        unknown = sorted(set(names or ()) - set(known))
        if unknown:
            get_job(unknown[0])  # raises the clear "Unknown job" error
        self.names = list(names) if names else sorted(known)
        #: Batched atomic jobs run in one transaction each batch (:meth:`_run_batch`);
        #: every other job is claimed under a lease.
        self.batched = [n for n in self.names if known[n].atomic and known[n].batch > 1]
        self.leased_names = [n for n in self.names if n not in self.batched]
        self.stop_event = threading.Event()
        self.outcome = RunOutcome()
        self.errors: list[BaseException] = []

    def run_one(self, name: str) -> bool:
        """Claim and run one due job (or one batch of a batched job) as worker ``name``;
        ``False`` when none is due."""
        return self._run_one(name) != "none"

    def _run_one(self, name: str) -> str:
        """``none`` (nothing due), ``part`` (a batch that was not full: the queue of its
        kind is drained for now) or ``ran``."""
        drained = False
        for batched in self.batched:
            ran = self._run_batch(name, batched)
            if ran == "ran":
                return ran
            drained = drained or ran == "part"
        ran = self._run_claimed(name)
        return "part" if ran == "none" and drained else ran

    def _run_batch(self, name: str, job_name: str) -> str:
        """A batched atomic job: take up to its batch of due jobs, run them and mark them
        done, all in one transaction (on failure: its effects undone, the jobs queued
        again with back-off, or dead after their last attempt)."""
        spec = get_job(job_name)
        with self.store.writing(), self.store.session() as s:
            begin_write(s)
            taken = take_due(s, name=job_name, now=utcnow(), limit=spec.batch)
            if not taken:
                return "none"
            first = taken[0]
            ctx = JobContext(
                job_id=first.id,
                name=job_name,
                payload=first.payload,
                attempt=first.attempts + 1,
                worker=name,
                store=self.store,
                settings=self.settings,
                session=s,
                payloads=tuple(t.payload for t in taken),
            )
            try:
                with s.begin_nested():  # a failure undoes the batch's effects only
                    spec.fn(ctx)
            except Exception as exc:
                error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                counts = settle_taken(
                    s,
                    taken,
                    now=utcnow(),
                    error=error,
                    retry_in_s=spec.backoff_s(first.attempts + 1),
                )
                log.warning("jobs %s… (%s) failed: %s", first.id, job_name, error)
            else:
                counts = settle_taken(s, taken, now=utcnow())
        for what, n in counts.items():
            for _i in range(n):
                self.outcome.add(what)
        return "part" if len(taken) < spec.batch else "ran"

    def _run_claimed(self, name: str) -> str:
        if not self.leased_names:
            return "none"
        with self.store.writing(), self.store.session() as s:
            now = utcnow()
            claim = claim_next(
                s, worker=name, now=now, lease_s=self.lease_s, names=self.leased_names
            )
            if claim is None:
                return "none"
            spec = get_job(claim.name)
            claims = [claim]
            if spec.batch > 1:
                claims += claim_more(s, claim, limit=spec.batch - 1, now=now)
        beat = _Heartbeat(self.store, claims, self.lease_s)
        beat.start()
        try:
            self._run(claims, name, beat)
            for _c in claims:
                self.outcome.add("done")
        except LeaseLost:
            for _c in claims:
                self.outcome.add("lost")
            log.warning("job %s (%s): lease lost, effects rolled back", claim.id, claim.name)
        except Exception as exc:
            beat.stop()
            error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            with self.store.writing(), self.store.session() as s:
                begin_write(s)
                for c in claims:
                    status = release(
                        s,
                        c,
                        now=utcnow(),
                        error=error,
                        retry_in_s=spec.backoff_s(c.attempts),
                    )
                    self.outcome.add("dead" if status == JobStatus.DEAD else "retried")
            log.warning("job %s (%s) failed: %s", claim.id, claim.name, error)
        finally:
            beat.stop()
        return "part" if spec.batch > 1 and len(claims) < spec.batch else "ran"

    def _run(self, claims: list[ClaimedJob], name: str, beat: _Heartbeat) -> None:
        claim = claims[0]
        spec = get_job(claim.name)

        def ctx(session: object) -> JobContext:
            return JobContext(
                job_id=claim.id,
                name=claim.name,
                payload=claim.payload,
                attempt=claim.attempts,
                worker=name,
                store=self.store,
                settings=self.settings,
                session=session,  # type: ignore[arg-type]
                payloads=tuple(c.payload for c in claims),
            )

        def finish_all(s: Session) -> bool:
            return finish_batch(s, claims, now=utcnow())

        if spec.atomic:
            # On SQLite the job holds the write lock from its first statement (no stale
            # snapshot to upgrade); queued behind other writers of this process and file.
            with self.store.writing(), self.store.session() as s:
                begin_write(s)
                spec.fn(ctx(s))
                if beat.lost.is_set() or not finish_all(s):
                    raise LeaseLost(claim.id)
            return
        spec.fn(ctx(None))
        beat.stop()
        with self.store.writing(), self.store.session() as s:
            begin_write(s)
            if not finish_all(s):
                raise LeaseLost(claim.id)

    def _loop(self, index: int, *, once: bool) -> None:
        name = worker_name(index)
        while not self.stop_event.is_set():
            try:
                ran = self._run_one(name)
            except Exception as exc:  # the database went away: wait and try again
                if once:
                    self.errors.append(exc)
                    return
                log.exception("worker %s could not claim a job", name)
                ran = "none"
            if ran == "none" and once:
                return
            if ran != "ran" and not once:
                # Nothing due, or a batch that drained its queue: wait, so the next batch
                # gathers what arrives meanwhile (one short transaction per poll, not per
                # answer, while answers stream in).
                self.stop_event.wait(self.poll_s)

    def run(self, *, once: bool = False, on_start: Callable[[], None] | None = None) -> RunOutcome:
        """Work until stopped (``stop_event``), or with ``once`` until no job is due. A
        worker that runs the outbox's daily prune makes sure the next one is queued."""
        from cxm.jobs.prune import PRUNE_JOB, schedule_prune

        if PRUNE_JOB in self.names:
            with self.store.writing(), self.store.session() as s:
                schedule_prune(s, zone=self.settings.timezone)
        threads = [
            threading.Thread(target=self._loop, args=(i,), kwargs={"once": once}, daemon=True)
            for i in range(self.concurrency)
        ]
        for t in threads:
            t.start()
        if on_start is not None:
            on_start()
        for t in threads:
            while t.is_alive():
                t.join(0.2)
        if self.errors:
            raise self.errors[0]
        return self.outcome
