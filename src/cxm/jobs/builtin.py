"""CXM's own jobs: wave reminders, segment recomputation, report rebuilds and the outbox's
daily prune."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cxm.errors import InputError
from cxm.i18n import _
from cxm.jobs.registry import JobContext, job

__all__ = ["prune_jobs", "rebuild_report", "recompute_segments", "remind_wave"]


def _int(payload: dict[str, Any], field: str) -> int:
    value = payload.get(field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(
            _(
                "Job payload field {field} must be a whole number, not {value}.",
                field=field,
                value=repr(value),
            )
        )
    return value


def _str(payload: dict[str, Any], field: str, default: str | None = None) -> str:
    value = payload.get(field, default)
    if not isinstance(value, str) or not value:
        raise InputError(
            _(
                "Job payload field {field} must be a text, not {value}.",
                field=field,
                value=repr(value),
            )
        )
    return value


@job("waves.remind", atomic=False, max_attempts=3, retry_base_s=300.0)
def remind_wave(ctx: JobContext) -> dict[str, int]:
    """``cxm waves remind`` as a job: payload ``wave_id`` (and optionally ``min_days_since``,
    ``max_reminders``, ``lang``). Mail leaves the machine, so this job is not atomic; the
    reminder count is written after each successful batch, so a rerun skips those mailed."""
    from cxm.surveys.mail import send_wave_emails

    p = ctx.payload
    result = send_wave_emails(
        ctx.store,
        ctx.settings,
        wave_id=_int(p, "wave_id"),
        reminder=True,
        lang=_str(p, "lang", "zh-CN"),
        min_days_since=int(p.get("min_days_since", 3)),
        max_reminders=int(p.get("max_reminders", 2)),
        channel=str(p.get("channel", "email")),
    )
    return {
        "sent": result.sent,
        "no_email": result.no_email,
        "failed": result.failed,
        "no_consent": result.no_consent,
    }


@job("segments.recompute")
def recompute_segments(ctx: JobContext) -> None:
    """``cxm segments recompute NAME`` as a job (payload ``name``): the new memberships
    commit together with the job's ``done``."""
    from cxm.management.segments import recompute

    recompute(ctx.tx, _str(ctx.payload, "name"))


@job("reports.rebuild", atomic=False, max_attempts=3, retry_base_s=60.0)
def rebuild_report(ctx: JobContext) -> None:
    """``cxm report`` as a job: payload ``out`` (HTML path) and optionally ``wave``,
    ``compare``, ``lang``, ``pdf``."""
    from cxm.reports import build_report, write_files

    p = ctx.payload
    built = build_report(
        ctx.store,
        wave=p.get("wave") or None,
        compare=p.get("compare") or None,
        lang=_str(p, "lang", "zh-CN"),
    )
    write_files(built, Path(_str(p, "out")), pdf=bool(p.get("pdf", False)))


@job("jobs.prune", max_attempts=3, retry_base_s=600.0)
def prune_jobs(ctx: JobContext) -> dict[str, int]:
    """Delete done jobs older than ``CXM_JOBS_KEEP_DAYS`` and queue tomorrow's prune (every
    worker also queues it when it starts, so the chain survives a prune that died)."""
    from cxm.jobs.prune import prune_done, schedule_prune

    result = prune_done(ctx.tx, keep_days=ctx.settings.jobs_keep_days)
    schedule_prune(ctx.tx, zone=ctx.settings.timezone)
    return {"deleted": result.deleted, "dead": result.dead}
