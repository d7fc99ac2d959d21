"""The report's job of the shared runner (``cxm worker``): a report rebuilt to files."""

from __future__ import annotations

from pathlib import Path

from cxm.jobs.payload import text_field
from cxm.jobs.registry import JobContext, job

__all__ = ["rebuild_report"]


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
        lang=text_field(p, "lang", "zh-CN"),
    )
    write_files(built, Path(text_field(p, "out")), pdf=bool(p.get("pdf", False)))
