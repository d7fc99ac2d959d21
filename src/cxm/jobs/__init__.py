"""Background jobs: an outbox written in the business transaction, workers under leases.

``enqueue(session, name, payload, key=…)`` in the transaction of the change; ``cxm worker``
(:class:`Worker`) claims due jobs with :func:`claim_next` and runs the function registered
with ``@job(name)``. See ``docs/jobs.md``.
"""

from __future__ import annotations

from cxm.jobs.claim import ClaimedJob, claim_next
from cxm.jobs.models import Job, JobStatus
from cxm.jobs.outbox import enqueue
from cxm.jobs.registry import JobContext, job, registered
from cxm.jobs.worker import Worker

__all__ = [
    "ClaimedJob",
    "Job",
    "JobContext",
    "JobStatus",
    "Worker",
    "claim_next",
    "enqueue",
    "job",
    "registered",
]
