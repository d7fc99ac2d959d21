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
from cxm.reports.labels import column_label
from cxm.reports.model import Chart, Decision, Section, Series, Table
from cxm.reports.sections.segments import definition_name

__all__ = ["CUT", "KEY", "data", "present", "title"]

KEY = "retention"
#: The churn cut simulated: 5 points, the documents' "5 % less churn".
CUT = 0.05


def title() -> str:
    return _("Retention economics and where to invest")


def data(ctx: ReportContext) -> dict[str, Any]:
    from cxm.management.economics import segment_economics as economics
    from cxm.management.economics import simulate

    name = definition_name(ctx)
    with ctx.require_store().session() as session:
        econ = economics(session, name, as_of=ctx.as_of)
        sim = simulate(session, name, cut=CUT, as_of=ctx.as_of)
    ranked = fix_first(ctx, name)
    return {
        "definition": name,
        "economics": econ.table.to_dict("records"),
        "simulation": sim.to_dict("records"),
        "invest": {
            "ranking": ranked["items"],
            "units": ranked["units"],
            "quality": ranked["quality"],
            "churn_per_point": ranked["churn_per_point"],
            "churn_per_point_se": ranked["churn_per_point_se"],
            "responses": ranked["responses"],
        },
    }


def fix_first(ctx: ReportContext, name: str) -> dict[str, Any]:
    """The costed fix-first list (what ``cxm invest --json`` prints), once per report."""
    from cxm.management.priorities import priority_list

    def compute() -> dict[str, Any]:
        with ctx.require_store().session() as session:
            result: dict[str, Any] = priority_list(session, name, as_of=ctx.as_of).to_dict()
        return result

    out: dict[str, Any] = ctx.memo(f"fix_first:{name}", compute)
    return out


def _cell(column: str, value: Any) -> str:
    if column in (
        "churn_rate",
        "new_churn_rate",
        "change_pct",
        "lifetime_change_pct",
        "budget_share",
    ):
        return fmt.pct(value)
    if column in ("segment", "driver", "claim", "rank", "label"):
        return str(value)
    if column == "customers_kept":
        return fmt.num(value, 1)
    if column == "cost" and not fmt.is_num(value):
        return _("not given")
    if column in ("importance", "performance", "gain_points"):
        return fmt.num(value, 2)
    return fmt.money(value)


def _table(title: str, rows: list[dict[str, Any]], columns: list[str], source: str) -> Table:
    cols = [c for c in columns if not rows or c in rows[0]]
    return Table(
        title,
        tuple(column_label(c) for c in cols),
        tuple(tuple(_cell(c, r.get(c)) for c in cols) for r in rows),
        source,
    )


def present(d: dict[str, Any], ctx: ReportContext) -> Section:
    name = d["definition"]
    s = Section(
        KEY,
        title(),
        intro=_(
            "Keeping a customer is cheaper than winning one (the documents: 5 times). What each "
            "segment's customers are worth, what cutting churn would earn, and where to invest."
        ),
    )
    econ = d["economics"]
    clv_src = f"cxm clv --segments {name} --json"
    if econ:
        s.tables.append(
            _table(
                _("Customer value per segment"),
                econ,
                ["segment", "customers", "margin_per_customer_year", "churn_rate", "clv"],
                clv_src,
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
                        column_label("clv"),
                        tuple(str(r["segment"]) for r in with_clv),
                        tuple(r["clv"] for r in with_clv),
                    ),
                ),
                clv_src,
            )
        )
    sim = d["simulation"]
    if sim:
        s.tables.append(
            _table(
                _("Cut churn by {cut} points: profit change", cut=fmt.num(CUT * 100, 0)),
                sim,
                [
                    "segment",
                    "churn_rate",
                    "new_churn_rate",
                    "baseline_profit",
                    "net_change",
                    "change_pct",
                    "lifetime_change_pct",
                    "claim",
                ],
                f"cxm retention simulate --segments {name} --cut {CUT} --json",
            )
        )
    inv_src = f"cxm invest --segments {name} --json"
    ranking = d["invest"]["ranking"]
    if ranking:
        s.tables.append(
            _table(
                _("Where to invest: improvements ranked by expected profit"),
                ranking[:12],
                [
                    "rank",
                    "segment",
                    "label",
                    "gain_points",
                    "customers_kept",
                    "value_kept",
                    "cost",
                    "net_value",
                    "budget_share",
                ],
                inv_src,
            )
        )
        top = ranking[0]
        s.decisions.append(
            Decision(
                _(
                    "Invest first in {driver} for {segment}: the largest expected profit effect "
                    "({effect}), {share} of the budget.",
                    driver=top.get("label") or top.get("driver"),
                    segment=top.get("segment"),
                    effect=fmt.money(top.get("net_value")),
                    share=fmt.pct(top.get("budget_share")),
                ),
                inv_src,
            )
        )
        for flag in d["invest"].get("quality") or []:
            s.decisions.append(Decision(_("Too weak: {message}", message=flag["message"]), inv_src))
    else:
        s.decisions.append(
            Decision(
                _(
                    "No improvement is expected to pay here: in these data satisfaction does not "
                    "predict churn (churn changes by {b} per point).",
                    b=fmt.num(d["invest"].get("churn_per_point"), 3),
                ),
                inv_src,
            )
        )
    return s
