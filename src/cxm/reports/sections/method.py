"""Method notes: how many answered, which intervals, what is suppressed, how good the
model is — so that a reader can judge every number above."""

from __future__ import annotations

from typing import Any

from cxm.errors import CXMError
from cxm.i18n import _
from cxm.reports import fmt
from cxm.reports.context import NoData, ReportContext
from cxm.reports.model import Section, Table
from cxm.reports.sections.model import model_document
from cxm.reports.survey_data import wave_frame, waves

__all__ = ["KEY", "data", "present", "title"]

KEY = "method"


def title() -> str:
    return _("Method notes")


def _quality(ctx: ReportContext) -> list[dict[str, Any]]:
    try:
        records: list[dict[str, Any]] = model_document(ctx).get("reliability") or []
    except (NoData, CXMError):
        return []
    return records


def data(ctx: ReportContext) -> dict[str, Any]:
    out: dict[str, Any] = {"min_n": ctx.min_n, "confidence": 0.95}
    if ctx.store is not None:
        cur, prev = waves(ctx)
        out["wave"] = {"name": cur.name, "responses": len(wave_frame(ctx, cur.id))}
        if prev is not None:
            try:
                out["compare"] = {"name": prev.name, "responses": len(wave_frame(ctx, prev.id))}
            except NoData:
                out["compare"] = {"name": prev.name, "responses": 0}
    out["model_quality"] = _quality(ctx)
    return out


def present(d: dict[str, Any], ctx: ReportContext) -> Section:
    s = Section(KEY, title())
    rows = []
    if "wave" in d:
        rows.append(
            (_("Responses in wave {wave}", wave=d["wave"]["name"]), str(d["wave"]["responses"]))
        )
    if d.get("compare"):
        rows.append(
            (
                _("Responses in wave {wave}", wave=d["compare"]["name"]),
                str(d["compare"]["responses"]),
            )
        )
    rows += [
        (_("Confidence of every interval"), fmt.pct(d["confidence"], 0)),
        (_("Minimum answers before a score is shown"), str(d["min_n"])),
        (_("CSAT interval"), _("Wilson score interval")),
        (_("Change between waves"), _("two-proportion z-test, Newcombe interval")),
        (
            _("100-point score"),
            _(
                "very satisfied 100, satisfied 80, neutral 60, dissatisfied 30, "
                "very dissatisfied 0; don't know left out"
            ),
        ),
        (_("Path model"), _("PLS path modelling (mode A, path scheme), ACSI 0–100 indices")),
    ]
    s.tables.append(
        Table(
            _("How the figures were made"), (_("what"), _("how")), tuple(rows), "cxm report --json"
        )
    )
    q = d.get("model_quality") or []
    if q:
        cols = [c for c in ("construct", "alpha", "rho_a", "rho_c", "ave") if c in q[0]]
        s.tables.append(
            Table(
                _("Measurement quality of the model (α, ρA, ρc ≥ 0.7 and AVE ≥ 0.5 are good)"),
                tuple(cols),
                tuple(
                    tuple(fmt.num(r.get(c), 3) if c != "construct" else str(r.get(c)) for c in cols)
                    for r in q
                ),
                "cxm analyze RESPONSES.csv --model MODEL.lavaan --json",
            )
        )
    return s
