"""The closed loop's periodic work as jobs of the shared runner (``cxm worker``).

``cases.sweep`` runs one pass of :func:`cxm.cases.worker.sweep`: rules on new answers
(each case exactly once by its unique source key), follow-up answers (a low one reopens),
clock warnings and escalations (each once, by a guarded UPDATE), follow-up sends (claimed
with a lease, so two workers never send the same one) and the closing of unanswered
follow-ups. Each step is idempotent, so a pass redone after a crash repeats nothing.

``responses.completed`` is the outbox row every completed survey answer writes in its own
transaction (both save paths of :mod:`cxm.surveys.responses`): a worker claims these in
batches and runs the case rules on just those answers, so a detractor's case opens seconds
after the answer, without waiting for a sweep; a follow-up answer among them is linked to
its case, which a low answer reopens, in the same transaction. The sweep stays as the
safety net (answers loaded in bulk, rules loaded later, a worker that was down); the unique
key of each case, and the guarded claim of each follow-up answer, make the two meet without
doing anything twice.

Enqueue the sweep every minute with a key naming the minute, e.g. from cron:
``cxm jobs enqueue cases.sweep --key cases.sweep:$(date +%Y%m%d%H%M)``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from cxm.jobs.registry import JobContext, job

__all__ = ["ANSWER_JOB", "answers_job", "case_texts_job", "sweep_job"]

#: The outbox row of a completed survey answer (payload ``response_id``).
ANSWER_JOB = "responses.completed"


@job("cases.sweep", atomic=False, max_attempts=3, retry_base_s=30.0)
def sweep_job(ctx: JobContext) -> dict[str, Any]:
    """One pass of the loop's periodic work; sends mail, so not atomic."""
    from cxm.cases.worker import sweep

    return asdict(sweep(ctx.store, ctx.settings, worker=ctx.worker))


@job(ANSWER_JOB, atomic=True, max_attempts=5, retry_base_s=5.0, batch=200)
def answers_job(ctx: JobContext) -> dict[str, int]:
    """The case rules on the answers of this batch of outbox rows, and the follow-up
    answers among them linked to their cases (a low one reopens, a good one closes); all
    of it commits with the jobs' ``done`` or not at all."""
    from cxm.cases.followup import answers_from_outbox
    from cxm.cases.rules import rules_on_responses

    ids = [int(p["response_id"]) for p in ctx.payloads or (ctx.payload,)]
    counts = rules_on_responses(ctx.tx, ids)
    followups = answers_from_outbox(ctx.tx, ids)
    return {**counts, **{f"followups_{k}": v for k, v in followups.items()}}


@job("cases.texts", atomic=True, max_attempts=5, retry_base_s=5.0, batch=100)
def case_texts_job(ctx: JobContext) -> int:
    """Case texts and notes read on arrival by the text pipeline (sentiment, faults,
    emotions, themes, personal data masked), saved where the text analytics read them."""
    from cxm.cases.texts import classify_arrived

    return classify_arrived(ctx.tx, ctx.payloads or (ctx.payload,))
