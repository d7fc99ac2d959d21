"""The surveys' job of the shared runner (``cxm worker``): wave reminders."""

from __future__ import annotations

from cxm.jobs.payload import int_field, text_field
from cxm.jobs.registry import JobContext, job

__all__ = ["remind_wave"]


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
        wave_id=int_field(p, "wave_id"),
        reminder=True,
        lang=text_field(p, "lang", "zh-CN"),
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
