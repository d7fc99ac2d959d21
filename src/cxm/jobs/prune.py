"""Pruning the outbox: done jobs are deleted some days after they finished
(``CXM_JOBS_KEEP_DAYS``, 14 by default), by the daily job ``jobs.prune`` that every worker
schedules, or by ``cxm jobs prune``. Dead jobs (and queued or running ones) are kept for
inspection. Each prune that deletes something is written to the audit log."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cxm.jobs.models import Job, JobStatus
from cxm.jobs.registry import JobContext, job
from cxm.store.base import utcnow
from cxm.store.bulk import ids_in

__all__ = [
    "PRUNE_JOB",
    "PruneResult",
    "next_prune_at",
    "prune_done",
    "prune_jobs",
    "schedule_prune",
]

log = logging.getLogger(__name__)

PRUNE_JOB = "jobs.prune"
#: The prune runs at this local time of the company's zone (a quiet hour).
PRUNE_AT = time(3, 0)
#: Rows deleted per statement (short transactions' worth of locks on PostgreSQL).
CHUNK = 5000


@dataclass(frozen=True, slots=True)
class PruneResult:
    deleted: int
    finished_before: datetime
    keep_days: int
    #: Done jobs left (newer than the cut-off), and dead jobs kept for inspection.
    done_left: int
    dead: int


def prune_done(
    session: Session,
    *,
    keep_days: int,
    now: datetime | None = None,
    dry_run: bool = False,
    actor_id: int | None = None,
) -> PruneResult:
    """Delete done jobs that finished more than ``keep_days`` days before ``now`` (none
    when ``keep_days`` is 0), in chunks; ``dry_run`` only counts them."""
    from cxm.audit.service import record

    at = now or utcnow()
    cutoff = at - timedelta(days=keep_days)
    old = (Job.status == JobStatus.DONE) & (Job.finished_at < cutoff)
    deleted = 0
    if keep_days > 0 and dry_run:
        deleted = int(session.scalar(select(func.count()).select_from(Job).where(old)) or 0)
    elif keep_days > 0:
        dialect = session.get_bind().dialect.name
        while True:
            ids = list(session.scalars(select(Job.id).where(old).order_by(Job.id).limit(CHUNK)))
            if not ids:
                break
            session.execute(
                delete(Job)
                .where(ids_in(dialect, Job.id, ids), Job.status == JobStatus.DONE)
                .execution_options(synchronize_session=False)
            )
            deleted += len(ids)
    counts = dict(
        session.execute(
            select(Job.status, func.count())
            .where(Job.status.in_([JobStatus.DONE, JobStatus.DEAD]))
            .group_by(Job.status)
        ).all()
    )
    result = PruneResult(
        deleted=deleted,
        finished_before=cutoff,
        keep_days=keep_days,
        done_left=int(counts.get(JobStatus.DONE, 0)) - (deleted if dry_run else 0),
        dead=int(counts.get(JobStatus.DEAD, 0)),
    )
    if deleted and not dry_run:
        record(
            session,
            actor_id=actor_id,
            action="jobs.prune",
            entity="jobs",
            entity_id="done",
            after={
                "deleted": deleted,
                "finished_before": cutoff.isoformat(),
                "keep_days": keep_days,
            },
        )
        log.info(
            "pruned %d done jobs finished before %s (kept %d days)",
            deleted,
            cutoff.isoformat(),
            keep_days,
        )
    return result


def next_prune_at(now: datetime, zone: str) -> datetime:
    """The next :data:`PRUNE_AT` in ``zone`` after ``now``, in UTC."""
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    moment = datetime.combine(local.date(), PRUNE_AT, tzinfo=tz)
    if moment <= local:
        moment = datetime.combine(local.date() + timedelta(days=1), PRUNE_AT, tzinfo=tz)
    return moment.astimezone(UTC)


def schedule_prune(session: Session, *, zone: str, now: datetime | None = None) -> int:
    """Queue the next daily prune (one job per day, however often this is called)."""
    from cxm.jobs.outbox import enqueue

    when = next_prune_at(now or utcnow(), zone)
    key = f"{PRUNE_JOB}:{when.date().isoformat()}"
    return enqueue(session, PRUNE_JOB, {}, key=key, run_at=when)


@job(PRUNE_JOB, max_attempts=3, retry_base_s=600.0)
def prune_jobs(ctx: JobContext) -> dict[str, int]:
    """Delete done jobs older than ``CXM_JOBS_KEEP_DAYS`` and queue tomorrow's prune (every
    worker also queues it when it starts, so the chain survives a prune that died)."""
    result = prune_done(ctx.tx, keep_days=ctx.settings.jobs_keep_days)
    schedule_prune(ctx.tx, zone=ctx.settings.timezone)
    return {"deleted": result.deleted, "dead": result.dead}
