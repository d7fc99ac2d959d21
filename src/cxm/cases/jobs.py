"""The closed loop's periodic work as jobs of the shared runner (``cxm worker``).

``cases.sweep`` runs one pass of :func:`cxm.cases.worker.sweep`: rules on new answers
(each case exactly once by its unique source key), follow-up answers (a low one reopens),
clock warnings and escalations (each once, by a guarded UPDATE), follow-up sends (claimed
with a lease, so two workers never send the same one) and the closing of unanswered
follow-ups. Each step is idempotent, so a pass redone after a crash repeats nothing.

Enqueue it every minute with a key naming the minute, e.g. from cron:
``cxm jobs enqueue cases.sweep --key cases.sweep:$(date +%Y%m%d%H%M)``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from cxm.jobs.registry import JobContext, job

__all__ = ["sweep_job"]


@job("cases.sweep", atomic=False, max_attempts=3, retry_base_s=30.0)
def sweep_job(ctx: JobContext) -> dict[str, Any]:
    """One pass of the loop's periodic work; sends mail, so not atomic."""
    from cxm.cases.worker import sweep

    return asdict(sweep(ctx.store, ctx.settings, worker=ctx.worker))
