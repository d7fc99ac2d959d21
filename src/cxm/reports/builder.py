"""Collect every section of the manager's report.

Each section module exposes ``KEY``, ``title()``, ``data(ctx)`` and ``present(data)``.
``data`` calls the same service or analytics function whose result the CLI prints with
``--json`` — there is no second computation path — and ``present`` only formats that JSON
document into figures, tables, charts and decisions. A section whose data is missing
raises :class:`NoData` (or a CXM error) and is shown as a plain sentence instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import import_module
from types import ModuleType
from typing import Any

from cxm.errors import CXMError
from cxm.frames.cache import shared_reads
from cxm.i18n import _, language
from cxm.jsonable import to_jsonable
from cxm.reports.context import NoData, NotAvailable, ReportContext, TooFewAnswers
from cxm.reports.model import (
    NO_DATA,
    NOT_AVAILABLE,
    NOT_COMPUTED,
    TOO_FEW,
    Report,
    Section,
)
from cxm.store import Store

__all__ = [
    "FILE_SECTIONS",
    "STORE_SECTIONS",
    "build_report",
    "build_section",
    "report_data",
]

#: Sections of the report made from the store, in reading order.
STORE_SECTIONS: tuple[str, ...] = (
    "headline",
    "segments",
    "scorecard",
    "model",
    "drivers",
    "loyalty",
    "churn",
    "cases",
    "retention",
    "standards",
    "moments",
    "comments",
    "what_customers_say",
    "people",
    "method",
)
#: Sections of the report made from a file by ``cxm analyze --report``.
FILE_SECTIONS: tuple[str, ...] = ("model", "reliability", "drivers", "file_scores")


def _module(key: str) -> ModuleType:
    return import_module(f"cxm.reports.sections.{key}")


def build_section(key: str, ctx: ReportContext) -> Section:
    """One section; missing data becomes a section that says so, with its state (no data
    yet, too few answers, an optional dependency missing, not computable). Any other error
    — a broken import, a bug — goes through: a test fails instead of a grey box."""
    mod = _module(key)
    try:
        data = mod.data(ctx)
    except NoData as exc:
        state = (
            TOO_FEW
            if isinstance(exc, TooFewAnswers)
            else NOT_AVAILABLE
            if isinstance(exc, NotAvailable)
            else NO_DATA
        )
        return Section(key=key, title=mod.title(), unavailable=exc.message, state=state)
    except CXMError as exc:
        return Section(
            key=key,
            title=mod.title(),
            unavailable=_("This part cannot be computed: {reason}", reason=exc.message),
            state=NOT_COMPUTED,
        )
    section: Section = mod.present(to_jsonable(data), ctx)
    section.data = to_jsonable(data)
    return section


def build_report(
    store: Store | None,
    *,
    wave: str | None = None,
    compare: str | None = None,
    lang: str = "en",
    sections: Sequence[str] = STORE_SECTIONS,
    title: str | None = None,
    extra: dict[str, Any] | None = None,
    min_n: int = 30,
    as_of: str | None = None,
    segment: str | None = None,
) -> Report:
    """Build the report in ``lang``; every text in it is already translated. Groups with
    fewer than ``min_n`` answers show no score (``CXM_MIN_N`` for callers with settings)."""
    with language(lang) as use, shared_reads():
        ctx = ReportContext(
            store=store,
            wave=wave,
            compare=compare,
            lang=use,
            extra=extra or {},
            min_n=min_n,
            as_of=as_of,
            segment=segment or None,
        )
        built = [build_section(key, ctx) for key in sections]
        subtitle = ctx.extra.get("subtitle") or _("Customer satisfaction and loyalty")
        return Report(
            title=title or _("Customer satisfaction and loyalty report"),
            subtitle=str(subtitle),
            lang=use,
            generated_at=datetime.now(UTC),
            sections=built,
            footer=_(
                "Made by CXM. Every number here can be recomputed with the command named "
                "beside it (add --json)."
            ),
        )


def report_data(report: Report) -> dict[str, Any]:
    """The JSON document of a report: each section's data, or why it has none."""
    return {
        s.key: ({"unavailable": s.unavailable, "state": s.state} if s.unavailable else s.data)
        for s in report.sections
    }
