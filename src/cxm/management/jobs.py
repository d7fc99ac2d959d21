"""Management's job of the shared runner (``cxm worker``): segment recomputation."""

from __future__ import annotations

from cxm.jobs.payload import text_field
from cxm.jobs.registry import JobContext, job

__all__ = ["recompute_segments"]


@job("segments.recompute")
def recompute_segments(ctx: JobContext) -> None:
    """``cxm segments recompute NAME`` as a job (payload ``name``): the new memberships
    commit together with the job's ``done``."""
    from cxm.management.segments import recompute

    recompute(ctx.tx, text_field(ctx.payload, "name"))
