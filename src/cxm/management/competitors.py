"""Competitors: per competitor a customer also uses (customer attribute
``competitors_used``, a list) or left for (``left_for``), those customers' satisfaction,
churn and share of wallet — beside everyone's, so a manager sees where a competitor bites.

Competitors with fewer than ``min_n`` customers are suppressed (figures blank, ``status``
``"too few"``), never shown as if they were measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from cxm.analytics._intervals import wilson
from cxm.i18n import _
from cxm.management.churn import SATISFACTION_ITEM, satisfaction_answers
from cxm.management.churn_rules import ChurnRule, customers_as_of
from cxm.management.frames import customers_frame

__all__ = ["COMPARE_ITEM", "Competitors", "by_competitor"]


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v).strip()]
    return []


#: The comparative item of the shipped questionnaire (better / same / worse).
COMPARE_ITEM = "COMP1"


@dataclass(frozen=True)
class Competitors:
    """:func:`by_competitor`: one row per competitor (``table``), the analysis date and the
    minimum of customers below which a row's figures are blank."""

    table: pd.DataFrame
    as_of: date
    min_n: int


def by_competitor(
    session: Session,
    *,
    item: str = SATISFACTION_ITEM,
    compare_item: str = COMPARE_ITEM,
    as_of: Any = None,
    rule: ChurnRule | None = None,
    min_n: int = 30,
) -> Competitors:
    """One row per competitor (and ``"(all customers)"``): ``customers``, ``csat`` (share
    of the latest answers to ``item`` at 4 or 5) with ``csat_n``, ``churn_rate`` with a
    Wilson interval, ``won_by_competitor`` (churned for that reason), ``left_for`` (churned
    customers who named this competitor), ``share_of_wallet`` (mean where known), the latest
    answers to the comparative item ``compare_item`` (``compare_n``, ``better``, ``worse``,
    ``net_comparative`` = % better − % worse with ``net_ci_low``/``net_ci_high``), ``status``.
    """
    from cxm.analytics.comparative import comparative_score

    customers, basis = customers_as_of(session, as_of=as_of, rule=rule)
    state = customers.set_index("customer_id")
    attrs = customers_frame(session, attributes=True).set_index("customer_id")["attributes"]
    attrs = attrs.reindex(state.index)
    used = attrs.map(lambda a: _names((a or {}).get("competitors_used")))
    left = attrs.map(lambda a: _names((a or {}).get("left_for")))
    wallet = pd.to_numeric(attrs.map(lambda a: (a or {}).get("share_of_wallet")), errors="coerce")
    sat = satisfaction_answers(session, item=item)
    satisfied = (
        sat.set_index("customer_id")[item].astype(float).ge(4).reindex(state.index)
        if not sat.empty
        else pd.Series(np.nan, index=state.index)
    )
    satisfied = satisfied.where(sat.set_index("customer_id")[item].reindex(state.index).notna())
    compared = satisfaction_answers(session, item=compare_item)
    versus = (
        pd.to_numeric(compared.set_index("customer_id")[compare_item], errors="coerce").reindex(
            state.index
        )
        if not compared.empty
        else pd.Series(np.nan, index=state.index)
    )
    churned = state["status"].eq("churned")
    won = state["churn_reason"].eq("won_by_competitor") & churned
    names = sorted({n for lst in used for n in lst} | {n for lst in left for n in lst})
    groups: list[tuple[str, pd.Series]] = [(_("(all customers)"), pd.Series(True, state.index))]
    groups += [
        (n, used.map(lambda lst, n=n: n in lst) | left.map(lambda lst, n=n: n in lst))
        for n in names
    ]
    rows = []
    for name, mask in groups:
        k, n = int(churned[mask].sum()), int(mask.sum())
        (lo,), (hi,) = wilson(np.array([float(k)]), np.array([float(n)]), 0.95)
        cmp = comparative_score(versus[mask].to_numpy())
        rows.append(
            {
                "competitor": name,
                "customers": n,
                "csat": float(satisfied[mask].mean()),
                "csat_n": int(satisfied[mask].notna().sum()),
                "churn_rate": k / n if n else np.nan,
                "ci_low": lo,
                "ci_high": hi,
                "won_by_competitor": int(won[mask].sum()),
                "left_for": int(left[mask].map(lambda lst, c=name: c in lst).sum()),
                "share_of_wallet": float(wallet[mask].mean()),
                "compare_n": cmp["n"],
                "better": cmp["better"],
                "worse": cmp["worse"],
                "net_comparative": cmp["net"],
                "net_ci_low": cmp["ci_low"],
                "net_ci_high": cmp["ci_high"],
                "status": "ok" if n >= min_n else "too few",
            }
        )
    out = pd.DataFrame(rows)
    few = out["status"] == "too few"
    cols = ["csat", "churn_rate", "ci_low", "ci_high", "share_of_wallet"]
    cols += ["better", "worse", "net_comparative", "net_ci_low", "net_ci_high"]
    out.loc[few, cols] = np.nan
    return Competitors(table=out, as_of=basis.as_of, min_n=min_n)
