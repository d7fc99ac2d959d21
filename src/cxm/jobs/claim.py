"""Claiming jobs under a lease, one statement per step whose WHERE carries the expected
state: two workers can never both hold one job.

PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` inside the claiming ``UPDATE`` (workers
skip each other's rows instead of waiting). SQLite has no row locks (``FOR UPDATE`` is
ignored): the claim begins with ``BEGIN IMMEDIATE``, taking the database's write lock before
reading, so the guarded ``UPDATE`` sees the latest rows and no other writer in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from cxm.jobs.models import Job, JobStatus
from cxm.store.bulk import ids_in

__all__ = [
    "ClaimedJob",
    "begin_write",
    "claim_more",
    "claim_next",
    "finish",
    "finish_batch",
    "release",
    "renew",
    "settle_taken",
    "take_due",
]


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: int
    name: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    leased_by: str
    lease_until: datetime


def begin_write(session: Session) -> None:
    """On SQLite, start ``session``'s transaction with ``BEGIN IMMEDIATE`` (the write lock
    first, so reads in it are not overtaken by another writer); nothing on PostgreSQL."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    dbapi = conn.connection.dbapi_connection
    if dbapi is not None and not dbapi.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _claimable(now: datetime) -> Any:
    return and_(
        Job.attempts < Job.max_attempts,
        or_(
            and_(Job.status == JobStatus.QUEUED, Job.run_at <= now),
            and_(Job.status == JobStatus.RUNNING, Job.lease_until < now),
        ),
    )


def claim_next(
    session: Session,
    *,
    worker: str,
    now: datetime,
    lease_s: float = 60.0,
    names: list[str] | None = None,
) -> ClaimedJob | None:
    """Lease the next due job to ``worker`` until ``now + lease_s`` and count the attempt;
    ``None`` when no job is due. A running job whose lease has passed is due again (its
    worker died); one that has used all its attempts is marked dead instead."""
    begin_write(session)
    session.execute(
        update(Job)
        .where(
            Job.status == JobStatus.RUNNING,
            Job.lease_until < now,
            Job.attempts >= Job.max_attempts,
        )
        .values(
            status=JobStatus.DEAD,
            leased_by=None,
            lease_until=None,
            finished_at=now,
            last_error="lease expired on the last attempt (the worker died or hung)",
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    pick = select(Job.id).where(_claimable(now))
    if names:
        pick = pick.where(Job.name.in_(names))
    pick = pick.order_by(Job.run_at, Job.id).limit(1).with_for_update(skip_locked=True)
    until = now + timedelta(seconds=lease_s)
    row = session.execute(
        update(Job)
        .where(Job.id == pick.scalar_subquery(), _claimable(now))
        .values(
            status=JobStatus.RUNNING,
            leased_by=worker,
            lease_until=until,
            attempts=Job.attempts + 1,
            updated_at=now,
        )
        .returning(Job.id, Job.name, Job.payload, Job.attempts, Job.max_attempts)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        return None
    return ClaimedJob(row[0], row[1], dict(row[2] or {}), row[3], row[4], worker, until)


def claim_more(
    session: Session,
    first: ClaimedJob,
    *,
    limit: int,
    now: datetime,
) -> list[ClaimedJob]:
    """In the transaction that claimed ``first``: lease up to ``limit`` more due jobs of
    its name to the same worker, until the same time (a batch run and finished together)."""
    if limit < 1:
        return []
    pick = (
        select(Job.id)
        .where(_claimable(now), Job.name == first.name, Job.id != first.id)
        .order_by(Job.run_at, Job.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    # The ids first (locked on PostgreSQL, skipping other workers' rows), then the update
    # by id: as a subquery of the UPDATE, PostgreSQL may run the LIMIT again per row.
    ids = list(session.scalars(pick))
    if not ids:
        return []
    rows = session.execute(
        update(Job)
        .where(Job.id.in_(ids), _claimable(now))
        .values(
            status=JobStatus.RUNNING,
            leased_by=first.leased_by,
            lease_until=first.lease_until,
            attempts=Job.attempts + 1,
            updated_at=now,
        )
        .returning(Job.id, Job.name, Job.payload, Job.attempts, Job.max_attempts)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(
        (
            ClaimedJob(r[0], r[1], dict(r[2] or {}), r[3], r[4], first.leased_by, first.lease_until)
            for r in rows
        ),
        key=lambda c: c.id,
    )


def _held(claim: ClaimedJob) -> Any:
    return and_(
        Job.id == claim.id,
        Job.status == JobStatus.RUNNING,
        Job.leased_by == claim.leased_by,
        Job.attempts == claim.attempts,
    )


def renew(session: Session, claim: ClaimedJob, *, now: datetime, lease_s: float) -> bool:
    """Heartbeat: push the lease on; ``False`` when the job is no longer this claim's."""
    result = session.execute(
        update(Job)
        .where(_held(claim))
        .values(lease_until=now + timedelta(seconds=lease_s), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def finish(session: Session, claim: ClaimedJob, *, now: datetime) -> bool:
    """Mark the claimed job done, in ``session``'s transaction; ``False`` when the lease was
    lost (the caller must then roll back the job's effects)."""
    result = session.execute(
        update(Job)
        .where(_held(claim))
        .values(
            status=JobStatus.DONE,
            leased_by=None,
            lease_until=None,
            finished_at=now,
            last_error=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def finish_batch(session: Session, claims: list[ClaimedJob], *, now: datetime) -> bool:
    """:func:`finish` for a batch claimed together (one worker, one lease) in one
    statement; ``False`` when any of them was lost (the caller rolls back)."""
    if len(claims) == 1:
        return finish(session, claims[0], now=now)
    ids = [c.id for c in claims]
    result = session.execute(
        update(Job)
        .where(
            Job.id.in_(ids),
            Job.status == JobStatus.RUNNING,
            Job.leased_by == claims[0].leased_by,
        )
        .values(
            status=JobStatus.DONE,
            leased_by=None,
            lease_until=None,
            finished_at=now,
            last_error=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == len(ids))


def release(
    session: Session, claim: ClaimedJob, *, now: datetime, error: str, retry_in_s: float
) -> JobStatus | None:
    """After a failed attempt: queue the job again in ``retry_in_s`` seconds, or mark it dead
    when it has used its attempts. ``None`` when the lease was already lost."""
    dead = claim.attempts >= claim.max_attempts
    status = JobStatus.DEAD if dead else JobStatus.QUEUED
    result = session.execute(
        update(Job)
        .where(_held(claim))
        .values(
            status=status,
            leased_by=None,
            lease_until=None,
            run_at=now + timedelta(seconds=retry_in_s),
            last_error=error[:4000],
            finished_at=now if dead else None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return status if getattr(result, "rowcount", 0) else None


@dataclass(frozen=True, slots=True)
class TakenJob:
    id: int
    payload: dict[str, Any]
    attempts: int
    max_attempts: int


def take_due(session: Session, *, name: str, now: datetime, limit: int) -> list[TakenJob]:
    """For a batched atomic job: lock up to ``limit`` due jobs ``name`` in ``session``'s
    transaction without marking them (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so other
    workers take others; SQLite: the caller holds the write lock). The caller runs them and
    settles them in the same transaction: one write per job, and a worker that dies
    mid-batch leaves them queued (its transaction rolls back) — no lease to wait out."""
    rows = session.execute(
        select(Job.id, Job.payload, Job.attempts, Job.max_attempts)
        .where(_claimable(now), Job.name == name)
        .order_by(Job.run_at, Job.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    return [TakenJob(r[0], dict(r[1] or {}), r[2], r[3]) for r in rows]


def settle_taken(
    session: Session,
    taken: list[TakenJob],
    *,
    now: datetime,
    error: str | None = None,
    retry_in_s: float = 0.0,
) -> dict[str, int]:
    """Mark jobs from :func:`take_due` done (``error`` None) or failed: queued again in
    ``retry_in_s`` seconds, dead when this was their last attempt. Counts per outcome."""
    dialect = session.get_bind().dialect.name
    if error is None:
        session.execute(
            update(Job)
            .where(ids_in(dialect, Job.id, [t.id for t in taken]))
            .values(
                status=JobStatus.DONE,
                attempts=Job.attempts + 1,
                leased_by=None,
                lease_until=None,
                finished_at=now,
                last_error=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return {"done": len(taken)}
    counts = {"retried": 0, "dead": 0}
    for dead in (False, True):
        ids = [t.id for t in taken if (t.attempts + 1 >= t.max_attempts) == dead]
        if not ids:
            continue
        session.execute(
            update(Job)
            .where(ids_in(dialect, Job.id, ids))
            .values(
                status=JobStatus.DEAD if dead else JobStatus.QUEUED,
                attempts=Job.attempts + 1,
                leased_by=None,
                lease_until=None,
                run_at=now + timedelta(seconds=retry_in_s),
                last_error=error[:4000],
                finished_at=now if dead else None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        counts["dead" if dead else "retried"] += len(ids)
    return counts
