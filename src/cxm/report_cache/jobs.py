"""The runner's report jobs: build a kept report, refresh stale ones every ten minutes while
answers arrive, and deliver scheduled reports (see :mod:`cxm.report_cache.schedules`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from cxm.jobs.outbox import enqueue
from cxm.jobs.payload import int_field, text_field
from cxm.jobs.registry import JobContext, job
from cxm.store.base import utcnow

__all__ = ["deliver_report", "enqueue_refresh", "enqueue_snapshot", "refresh_reports"]

_SLOT = timedelta(minutes=10)


def _slot(moment: datetime) -> int:
    return int(moment.timestamp() // _SLOT.total_seconds())


def enqueue_refresh(session: Session, *, now: datetime | None = None) -> int:
    """The next ten-minute refresh (one per slot, however often this is called)."""
    slot = _slot(now or utcnow()) + 1
    run_at = datetime.fromtimestamp(slot * _SLOT.total_seconds(), UTC)
    return enqueue(session, "reports.refresh", {}, key=f"reports.refresh:{slot}", run_at=run_at)


def enqueue_snapshot(
    session: Session, *, wave_id: int, segment: str, lang: str, now: datetime | None = None
) -> int:
    """Build one kept report now; asked again within the same minute, the same job."""
    minute = int((now or utcnow()).timestamp() // 60)
    return enqueue(
        session,
        "reports.snapshot",
        {"wave_id": wave_id, "segment": segment, "lang": lang},
        key=f"reports.snapshot:{wave_id}:{segment}:{lang}:{minute}",
    )


@job("reports.snapshot", atomic=False, max_attempts=3, retry_base_s=60.0)
def build_snapshot(ctx: JobContext) -> dict[str, float]:
    """Build the kept report of payload ``wave_id``, ``segment``, ``lang``."""
    from cxm.report_cache.snapshots import build_snapshots

    p = ctx.payload
    seconds = build_snapshots(
        ctx.store,
        wave_id=int_field(p, "wave_id"),
        segment=text_field(p, "segment", "", allow_empty=True),
        lang=text_field(p, "lang", "zh-CN", allow_empty=True),
        min_n=ctx.settings.min_n,
    )
    with ctx.store.writing(), ctx.store.session() as s:
        enqueue_refresh(s)
    return {"seconds": round(seconds, 2)}


@job("reports.refresh", atomic=False, max_attempts=2, retry_base_s=60.0)
def refresh_reports(ctx: JobContext) -> dict[str, int]:
    """Rebuild each kept report whose wave has newer answers and whose copy is at least ten
    minutes old; come back in ten minutes while a kept wave is open or answers arrived."""
    from cxm.clock import today
    from cxm.report_cache.snapshots import build_snapshots, kept_keys, stale_keys
    from cxm.surveys.models import Wave

    with ctx.store.session() as s:
        stale = stale_keys(s)
        kept = list(kept_keys(s))
        day = today(ctx.settings.timezone)
        open_waves = {
            w.id
            for w in (s.get(Wave, wave_id) for wave_id, _seg, _lang in kept if wave_id)
            if w is not None and w.closes_on >= day
        }
    for key in stale:
        build_snapshots(
            ctx.store, wave_id=key.wave_id, segment=key.segment, lang=key.lang,
            min_n=ctx.settings.min_n,
        )  # fmt: skip
    if stale or open_waves:
        with ctx.store.writing(), ctx.store.session() as s:
            enqueue_refresh(s)
    return {"rebuilt": len(stale), "kept": len(kept)}


@job("reports.deliver", atomic=False, max_attempts=3, retry_base_s=300.0)
def deliver_report(ctx: JobContext) -> dict[str, Any]:
    """Deliver payload ``schedule_id``'s report for ``period`` (once: a second run of the
    same period sends nothing) and queue the next period's delivery."""
    from cxm.report_cache.schedules import deliver

    p = ctx.payload
    result = deliver(
        ctx.store,
        ctx.settings,
        schedule_id=int_field(p, "schedule_id"),
        period=text_field(p, "period", allow_empty=True),
    )
    return result.as_dict()
