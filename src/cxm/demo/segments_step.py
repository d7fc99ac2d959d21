"""The demo's management step: value segments, and targets per segment set the way a
manager would (DOMAIN.md §1, §2).

It defines the Pareto value tiers (top 20 % of customers by profit = key accounts) and an
RFM segmentation, computes the memberships, and takes the proposed CSAT, NPS and churn-rate
targets for each value tier (from its profit net of its cost to serve) as the final ones —
the manager's decision, which a real user would make with ``cxm targets set``. The same
service functions as ``cxm segments …`` and ``cxm targets …`` do the work.
"""

from __future__ import annotations

from typing import Any

from cxm.demo.context import DemoContext
from cxm.demo.ops_step import define_demo_service_levels
from cxm.errors import InputError

__all__ = ["COST_PER_CONTACT", "RFM_GROUPS", "VALUE", "define_demo_segments"]

#: The name of the value-tier definition (``cxm targets report value`` after ``make demo``).
VALUE = "value"
RFM = "rfm"
#: RFM cells (recency, frequency, monetary; 5 = best) grouped into segments a manager names.
RFM_GROUPS: dict[str, list[str]] = {
    "champions": ["5[45][45]", "4[45][45]"],
    "at risk": ["[12][345][345]"],
    "new": ["[45]1[12345]"],
}
#: What one service contact costs the demo company, for the cost to serve (¥).
COST_PER_CONTACT = 40.0
#: The KPIs the demo sets targets on.
KPIS = ("csat", "nps", "churn_rate")


def define_demo_segments(ctx: DemoContext) -> None:
    from cxm.management.definitions import define_segments
    from cxm.management.segments import recompute
    from cxm.management.targets import propose, set_target

    with ctx.store.session() as s:
        define_segments(
            s,
            name=VALUE,
            kind="pareto",
            parameters={"cuts": [0.2], "labels": ["key", "other"]},
            description="Top 20 % of customers by profit (key accounts) and the rest",
            created_by="demo",
        )
        define_segments(
            s,
            name=RFM,
            kind="rfm",
            parameters={"bins": 5, "groups": RFM_GROUPS, "default": "other"},
            description="Recency, frequency, monetary cells grouped",
            created_by="demo",
        )
        define_demo_service_levels(s, VALUE)  # their costs to serve feed the proposals below
    ctx.advance(0.1)
    tiers: list[dict[str, Any]] = []
    for i, name in enumerate((VALUE, RFM)):
        with ctx.store.session() as s:
            result = recompute(s, name)
            if name == VALUE:
                tiers = [
                    {
                        "segment": str(row["segment"]),
                        "customers": int(row["customers"]),
                        "share_customers": round(float(row["share_customers"]), 4),
                        "share_profit": round(float(row["share_profit"]), 4),
                    }
                    for _i, row in result.summary.iterrows()
                ]
        ctx.advance(0.2 + 0.3 * i)
    targets: list[dict[str, Any]] = []
    for j, kpi in enumerate(KPIS):
        with ctx.store.session() as s:
            try:
                proposal = propose(s, VALUE, kpi, cost_per_contact=COST_PER_CONTACT)
            except InputError:  # no actual to start from (a demo built without surveys)
                continue
            for _i, row in proposal.table.iterrows():
                target = round(float(row["target"]), 3 if kpi != "nps" else 1)
                set_target(
                    s,
                    VALUE,
                    segment=str(row["segment"]),
                    kpi=kpi,
                    value=target,
                    service_level=str(row["service_level"]),
                    set_by="demo",
                )
                targets.append(
                    {
                        "segment": str(row["segment"]),
                        "kpi": kpi,
                        "target": target,
                        "service_level": str(row["service_level"]),
                    }
                )
        ctx.advance(0.7 + 0.1 * j)
    ctx.results["segments"] = {"definitions": [VALUE, RFM], "value": tiers, "targets": targets}
