"""Retention economics and where to invest: what a customer is worth per segment, what a
cut in churn would earn, and which improvements pay most.

Data: :func:`cxm.management.economics.segment_economics`, ``simulate`` and ``invest`` —
what ``cxm clv``, ``cxm retention simulate`` and ``cxm invest`` with ``--json`` print.
"""

from __future__ import annotations

from typing import Any

from cxm.i18n import _
from cxm.reports import fmt
from cxm.reports.context import ReportContext
from cxm.reports.model import Chart, Decision, Section, Series, Table
from cxm.reports.sections.segments import definition_name
from cxm.reports.survey_data import need

__all__ = ["CUT", "KEY", "data", "present", "title"]

KEY = "retention"
#: The churn cut simulated: 5 points, the documents' "5 % less churn".
CUT = 0.05


def title() -> str:
    return _("Retention economics and where to invest")


def data(ctx: ReportContext) -> dict[str, Any]:
    economics = need("cxm.management.economics", "segment_economics")
    simulate = need("cxm.management.economics", "simulate")
    invest = need("cxm.management.economics", "invest")
    name = definition_name(ctx)
    with ctx.require_store().session() as session:
        econ = economics(session, name)
        sim = simulate(session, name, cut=CUT)
        ranked = invest(session, name)
    return {
        "definition": name,
        "economics": econ.to_dict("records"),
        "simulation": sim.to_dict("records"),
        "invest": {
            "ranking": ranked.ranking.to_dict("records"),
            "churn_per_point": ranked.churn_per_point,
            "churn_per_point_se": ranked.churn_per_point_se,
            "responses": ranked.responses,
        },
    }


def present(d: dict[str, Any], ctx: ReportContext) -> Section:
    name = d["definition"]
    s = Section(KEY, title())
    econ = d["economics"]
    if econ:
        cols = [
            c
            for c in ("segment", "customers", "margin_per_customer_year", "churn_rate", "clv")
            if c in econ[0]
        ]
        s.tables.append(
            Table(
                _("Customer value per segment"),
                tuple(cols),
                tuple(
                    tuple(
                        fmt.pct(r.get(c))
                        if c == "churn_rate"
                        else fmt.money(r.get(c))
                        if c != "segment"
                        else str(r[c])
                        for c in cols
                    )
                    for r in econ
                ),
                f"cxm clv --segments {name} --json",
            )
        )
        with_clv = [r for r in econ if fmt.is_num(r.get("clv"))]
        s.charts.append(
            Chart(
                "retention-clv",
                _("Customer lifetime value per segment"),
                "bar",
                (
                    Series(
                        "CLV",
                        tuple(str(r["segment"]) for r in with_clv),
                        tuple(r["clv"] for r in with_clv),
                    ),
                ),
                f"cxm clv --segments {name} --json",
            )
        )
    sim = d["simulation"]
    if sim:
        cols = list(sim[0])[:8]
        s.tables.append(
            Table(
                _("Cut churn by {cut}: profit change", cut=fmt.pct(CUT, 0)),
                tuple(cols),
                tuple(
                    tuple(
                        fmt.num(r.get(c), 2) if fmt.is_num(r.get(c)) else str(r.get(c))
                        for c in cols
                    )
                    for r in sim
                ),
                f"cxm retention simulate --segments {name} --cut {CUT} --json",
            )
        )
    ranking = d["invest"]["ranking"]
    if ranking:
        cols = list(ranking[0])[:8]
        s.tables.append(
            Table(
                _("Where to invest: improvements ranked by expected profit"),
                tuple(cols),
                tuple(
                    tuple(
                        fmt.num(r.get(c), 2) if fmt.is_num(r.get(c)) else str(r.get(c))
                        for c in cols
                    )
                    for r in ranking[:12]
                ),
                f"cxm invest --segments {name} --json",
            )
        )
        top = ranking[0]
        s.decisions.append(
            Decision(
                _(
                    "Invest first in {what}: it has the largest expected profit effect.",
                    what=" / ".join(
                        str(top.get(k)) for k in ("segment", "driver") if top.get(k) is not None
                    ),
                ),
                f"cxm invest --segments {name} --json",
            )
        )
    return s
