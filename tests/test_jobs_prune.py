"""Pruning the outbox: done jobs past the retention go, dead and newer ones stay, the prune
is audited and schedules itself daily; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from cxm.audit.models import AuditEntry
from cxm.config import load_settings
from cxm.jobs import Job, JobStatus, Worker, enqueue
from cxm.jobs.prune import PRUNE_JOB, next_prune_at, prune_done
from cxm.store import Store, utcnow
from tests import job_samples

_ = job_samples


def _jobs(store: Store, *finished_days_ago: tuple[JobStatus, float]) -> list[int]:
    """One ``tests.mark`` job per (status, days since it finished)."""
    now = utcnow()
    ids = []
    with store.session() as s:
        for status, days in finished_days_ago:
            job_id = enqueue(s, "tests.mark", {"log": "x"})
            s.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(status=status, finished_at=now - timedelta(days=days))
            )
            ids.append(job_id)
    return ids


def _left(store: Store) -> set[int]:
    with store.session() as s:
        return set(s.scalars(select(Job.id).where(Job.name == "tests.mark")))


def test_it_deletes_done_jobs_past_the_retention_and_keeps_dead_ones(store: Store) -> None:
    old_done, new_done, old_dead = _jobs(
        store, (JobStatus.DONE, 20), (JobStatus.DONE, 2), (JobStatus.DEAD, 300)
    )
    with store.session() as s:
        queued = enqueue(s, "tests.mark", {"log": "y"})
    with store.session() as s:
        result = prune_done(s, keep_days=14)
    assert (result.deleted, result.dead, result.done_left) == (1, 1, 1)
    assert _left(store) == {new_done, old_dead, queued}
    assert old_done not in _left(store)
    with store.session() as s:
        (entry,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "jobs.prune")).all()
        assert entry.actor_id is None
        assert entry.after is not None and entry.after["deleted"] == 1
        assert entry.after["keep_days"] == 14


def test_a_dry_run_and_a_retention_of_zero_delete_nothing(store: Store) -> None:
    ids = _jobs(store, (JobStatus.DONE, 20), (JobStatus.DONE, 30))
    with store.session() as s:
        assert prune_done(s, keep_days=14, dry_run=True).deleted == 2
    with store.session() as s:
        assert prune_done(s, keep_days=0).deleted == 0
    assert _left(store) == set(ids)
    with store.session() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "jobs.prune")).all() == []


def test_many_old_jobs_go_in_chunks(store: Store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import cxm.jobs.prune as prune

    monkeypatch.setattr(prune, "CHUNK", 3)
    _jobs(store, *[(JobStatus.DONE, 15)] * 8)
    with store.session() as s:
        assert prune_done(s, keep_days=14).deleted == 8
    assert _left(store) == set()


def test_the_cli_prunes_and_reports(cxm, store: Store) -> None:  # type: ignore[no-untyped-def]
    _jobs(store, (JobStatus.DONE, 20), (JobStatus.DEAD, 20), (JobStatus.DONE, 1))
    dry = cxm("jobs", "prune", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.stderr
    assert json.loads(dry.stdout)["deleted"] == 1
    out = cxm("jobs", "prune", "--keep-days", "0")
    assert out.exit_code == 0 and "0 done jobs" in out.stdout
    out = cxm("jobs", "prune")
    assert out.exit_code == 0, out.stderr
    assert "1 done jobs" in out.stdout and "1 dead jobs kept" in out.stdout
    zh = cxm("jobs", "prune", "--dry-run", lang="zh-CN")
    assert "保留 1 个失败任务" in zh.stdout
    assert len(_left(store)) == 2


def test_a_worker_schedules_the_daily_prune_and_the_prune_the_next(store: Store) -> None:
    settings = load_settings()
    Worker(store, settings, names=[PRUNE_JOB]).run(once=True)
    Worker(store, settings, names=[PRUNE_JOB]).run(once=True)  # a second start: no second job
    with store.session() as s:
        (job,) = s.scalars(select(Job).where(Job.name == PRUNE_JOB)).all()
        assert job.status == JobStatus.QUEUED
        assert job.run_at.replace(tzinfo=UTC) == next_prune_at(utcnow(), settings.timezone)
        # Yesterday's prune, due now: the worker runs it, and it queues the next one.
        job.run_at = utcnow() - timedelta(seconds=1)
        job.key = f"{PRUNE_JOB}:yesterday"
    old = _jobs(store, (JobStatus.DONE, 40))
    Worker(store, settings, names=[PRUNE_JOB]).run(once=True)
    assert _left(store) == set() and old
    with store.session() as s:
        states = sorted(s.execute(select(Job.status, Job.key).where(Job.name == PRUNE_JOB)).all())
    assert [st for st, _k in states] == [JobStatus.DONE, JobStatus.QUEUED]


def test_the_prune_runs_at_three_in_the_company_zone() -> None:
    at = next_prune_at(datetime(2026, 12, 6, 18, 0, tzinfo=UTC), "Asia/Shanghai")
    assert at == datetime(2026, 12, 6, 19, 0, tzinfo=UTC)  # 03:00 on 7 December in Shanghai
    at = next_prune_at(datetime(2026, 12, 6, 19, 0, tzinfo=UTC), "Asia/Shanghai")
    assert at == datetime(2026, 12, 7, 19, 0, tzinfo=UTC)
