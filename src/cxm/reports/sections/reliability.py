"""Measurement quality of a PLS model: reliability and validity per construct (α, ρA, ρc,
AVE) and discriminant validity (HTMT). Data: the ``reliability`` and ``htmt`` parts of the
``cxm analyze --json`` document."""

from __future__ import annotations

from typing import Any

from cxm.i18n import _
from cxm.reports import fmt
from cxm.reports.context import ReportContext
from cxm.reports.labels import column_label
from cxm.reports.model import Decision, Section, Table
from cxm.reports.sections.model import model_document

__all__ = ["KEY", "data", "present", "title"]

KEY = "reliability"
#: HTMT above this suggests two constructs are not distinct (Henseler et al. 2015).
HTMT_MAX = 0.9


def title() -> str:
    return _("Measurement quality")


def data(ctx: ReportContext) -> dict[str, Any]:
    doc = model_document(ctx)
    return {"reliability": doc.get("reliability") or [], "htmt": doc.get("htmt") or []}


def present(d: dict[str, Any], ctx: ReportContext) -> Section:
    src = str(ctx.extra.get("source") or "cxm analyze FILE --model MODEL --json")
    s = Section(
        KEY,
        title(),
        intro=_(
            "α, ρA and ρc of at least 0.7 and AVE of at least 0.5 mean a construct is measured "
            "reliably; HTMT below 0.9 means two constructs are distinct."
        ),
    )
    cols = ["construct", "mode", "alpha", "rho_a", "rho_c", "ave"]
    rel = d["reliability"]
    s.tables.append(
        Table(
            _("Reliability and convergent validity"),
            tuple(column_label(c) for c in cols),
            tuple(
                tuple(
                    fmt.num(r.get(c), 3) if c not in ("construct", "mode") else str(r.get(c))
                    for c in cols
                )
                for r in rel
            ),
            src,
        )
    )
    htmt = d["htmt"]
    if htmt:
        keys = [k for k in htmt[0] if k != "htmt"]
        s.tables.append(
            Table(
                _("Discriminant validity (HTMT)"),
                (*keys, "HTMT"),
                tuple((*(str(r[k]) for k in keys), fmt.num(r.get("htmt"), 3)) for r in htmt),
                src,
            )
        )
    weak = [r["construct"] for r in rel if fmt.is_num(r.get("ave")) and r["ave"] < 0.5]
    weak += [r["construct"] for r in rel if fmt.is_num(r.get("rho_c")) and r["rho_c"] < 0.7]
    if weak:
        s.decisions.append(
            Decision(
                _(
                    "Measured weakly: {names}; review their questions before trusting their index.",
                    names=", ".join(dict.fromkeys(weak)),
                )
            )
        )
    close = [r for r in htmt if fmt.is_num(r.get("htmt")) and r["htmt"] > HTMT_MAX]
    if close:
        s.decisions.append(
            Decision(
                _(
                    "{n} pairs of constructs are hard to tell apart (HTMT above {max}).",
                    n=len(close),
                    max=HTMT_MAX,
                )
            )
        )
    return s
