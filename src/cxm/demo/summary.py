"""The demo's summary, read back from the store (so it shows what analysis will find):
size, revenue and profit, the top-20 % profit share, churn and its reasons beside the
documents' benchmark, and churn per team."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import Float, case, func, select

from cxm.customers.codes import (
    CHURN_REASON_BENCHMARK,
    ChurnReason,
    CustomerStatus,
    JourneyStage,
)
from cxm.customers.models import Customer, Employee, Purchase, Team, Touchpoint
from cxm.store import Store

__all__ = ["DemoSummary", "summarise", "top_share"]


def top_share(values: np.ndarray, share: float = 0.2) -> float:
    """Share of the total that the top ``share`` of items bring (NaN if the total is not
    positive). With profit per customer, 0.8 is the documents' 80/20 rule."""
    if values.size == 0:
        return float("nan")
    total = float(values.sum())
    if total <= 0:
        return float("nan")
    k = round(share * values.size)
    return float(np.sort(values)[::-1][:k].sum() / total)


@dataclass(frozen=True)
class DemoSummary:
    """Headline figures of the company in the store. ``churn_reasons`` maps each reason
    code to ``count``, ``share`` (of churned customers) and ``benchmark`` (the documents'
    share); ``teams`` lists each team's customers, churned, ``churn_rate`` and
    ``complaints_per_customer``, poorest first."""

    seed: int | None
    customers: int
    employees: int
    teams_count: int
    purchases: int
    touchpoints: int
    revenue: float
    cost: float
    profit: float
    top20_profit_share: float
    unprofitable_customers: int
    churned: int
    churned_share: float
    churn_reasons: dict[str, dict[str, float]]
    teams: list[dict[str, Any]]
    touchpoints_by_stage: dict[str, int]
    steps: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _team_table(store: Store, status: pd.Series) -> list[dict[str, Any]]:
    """Churn per team; a customer belongs to the team that served most of their contacts."""
    is_complaint = case((Touchpoint.stage == JourneyStage.COMPLAINT, 1), else_=0)
    with store.engine.connect() as conn:
        counts = pd.DataFrame(
            conn.execute(
                select(
                    Touchpoint.customer_id,
                    Touchpoint.team_id,
                    func.count(),
                    func.sum(is_complaint),
                )
                .where(Touchpoint.team_id.is_not(None))
                .group_by(Touchpoint.customer_id, Touchpoint.team_id)
            ).all(),
            columns=["customer_id", "team_id", "n", "complaints"],
        )
        names = {row[0]: row[1] for row in conn.execute(select(Team.id, Team.name))}
    if counts.empty:
        return []
    counts = counts.sort_values(["customer_id", "n", "team_id"], ascending=[True, False, True])
    home = counts.drop_duplicates("customer_id").set_index("customer_id")["team_id"]
    complaints = counts.groupby("customer_id")["complaints"].sum().reindex(home.index)
    frame = pd.DataFrame(
        {
            "team_id": home,
            "churned": status.reindex(home.index).eq(CustomerStatus.CHURNED.value),
            "complaints": complaints,
        }
    )
    grouped = frame.groupby("team_id").agg(
        customers=("churned", "size"), churned=("churned", "sum"), complaints=("complaints", "sum")
    )
    rows = [
        {
            "team": names.get(cast(int, team_id), str(team_id)),
            "customers": int(g["customers"]),
            "churned": int(g["churned"]),
            "churn_rate": float(g["churned"] / g["customers"]),
            "complaints_per_customer": float(g["complaints"] / g["customers"]),
        }
        for team_id, g in grouped.iterrows()
    ]
    return sorted(rows, key=lambda r: (-r["churn_rate"], r["team"]))


def summarise(store: Store, *, seed: int | None = None) -> DemoSummary:
    """Compute the summary of whatever company is in ``store``."""
    with store.engine.connect() as conn:
        cust = pd.DataFrame(
            conn.execute(select(Customer.id, Customer.status, Customer.churn_reason)).all(),
            columns=["id", "status", "reason"],
        ).set_index("id")
        per_customer = pd.DataFrame(
            conn.execute(
                select(
                    Purchase.customer_id,
                    func.count(),
                    func.sum(Purchase.revenue, type_=Float),
                    func.sum(func.coalesce(Purchase.cost, 0), type_=Float),
                ).group_by(Purchase.customer_id)
            ).all(),
            columns=["customer_id", "n", "revenue", "cost"],
        ).set_index("customer_id")
        employees = conn.execute(select(func.count()).select_from(Employee)).scalar_one()
        teams = conn.execute(select(func.count()).select_from(Team)).scalar_one()
        stages = {
            row[0]: row[1]
            for row in conn.execute(
                select(Touchpoint.stage, func.count()).group_by(Touchpoint.stage)
            )
        }
    status = cust["status"].map(lambda s: CustomerStatus(s).value)
    n = len(cust)
    profit = (per_customer["revenue"] - per_customer["cost"]).reindex(cust.index, fill_value=0.0)
    churned = int((status == CustomerStatus.CHURNED.value).sum())
    reason = cust["reason"].dropna().map(lambda r: ChurnReason(r).value)
    reason_counts = reason.value_counts()
    n_reasons = int(reason_counts.sum())
    churn_reasons = {
        code.value: {
            "count": int(reason_counts.get(code.value, 0)),
            "share": float(reason_counts.get(code.value, 0) / n_reasons) if n_reasons else 0.0,
            "benchmark": CHURN_REASON_BENCHMARK.get(code, 0.0),
        }
        for code in ChurnReason
        if code in CHURN_REASON_BENCHMARK or reason_counts.get(code.value, 0)
    }
    revenue = float(per_customer["revenue"].sum())
    cost = float(per_customer["cost"].sum())
    return DemoSummary(
        seed=seed,
        customers=n,
        employees=int(employees),
        teams_count=int(teams),
        purchases=int(per_customer["n"].sum()),
        touchpoints=int(sum(stages.values())),
        revenue=round(revenue, 2),
        cost=round(cost, 2),
        profit=round(revenue - cost, 2),
        top20_profit_share=round(top_share(profit.to_numpy()), 4),
        unprofitable_customers=int((profit < 0).sum()),
        churned=churned,
        churned_share=churned / n if n else 0.0,
        churn_reasons=churn_reasons,
        teams=_team_table(store, status),
        touchpoints_by_stage={str(getattr(k, "value", k)): int(v) for k, v in stages.items()},
    )
