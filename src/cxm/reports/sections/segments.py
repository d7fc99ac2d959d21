"""Section segments (filled in once its service lands)."""

from __future__ import annotations

from typing import Any

from cxm.i18n import _
from cxm.reports.context import ReportContext
from cxm.reports.model import Section
from cxm.reports.survey_data import need

__all__ = ["KEY", "data", "present", "title"]

KEY = "segments"


def title() -> str:
    return _("segments")


def data(ctx: ReportContext) -> dict[str, Any]:
    fn = need("cxm.management.reports", "segments_document")
    result: dict[str, Any] = fn(ctx.require_store())
    return result


def present(d: dict[str, Any], ctx: ReportContext) -> Section:
    return Section(KEY, title())
