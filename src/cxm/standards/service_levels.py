"""Argued per-segment targets from the store (``cxm targets propose --rule argued``).

The economics come from the data: each segment's CLV (:func:`segment_economics`), the
measured link from overall satisfaction to churn (:func:`churn_slope` on customers' latest
answers) and today's overall level as the good-enough floor. The firm supplies each
segment's cost curve (service level, cost per customer-year, expected 100-point score), or
it is fitted from the segments' measured pairs (cost to serve, score achieved).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from cxm.analytics.argued_targets import argued_targets
from cxm.analytics.cost_curve import CostCurveFit, fit_cost_curve, fitted_targets
from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["ArguedTargets", "measured_pairs", "propose_argued", "propose_argued_fitted"]

#: Points of the 100-point score per point of a 1–5 item: (mean − 1) / 4 × 100.
_POINTS_PER_ITEM_POINT = 25.0


@dataclass(frozen=True)
class ArguedTargets:
    """Argued ``score100`` targets per segment (``table``), the floor they start from
    (``current``, today's overall 100-point score) and the ``retention_per_point`` used."""

    table: pd.DataFrame
    current: float
    retention_per_point: float


def _economics(
    session: Session, name: str, item: str | None
) -> tuple[pd.DataFrame, pd.DataFrame, float, float]:
    """(latest answers with customers, economics per segment, floor, retention per point)."""
    from cxm.analytics.invest import churn_slope
    from cxm.frames.customers import customers_frame, latest_answers
    from cxm.frames.responses import responses_frame
    from cxm.management.churn import SATISFACTION_ITEM
    from cxm.management.economics import segment_economics

    overall = item or SATISFACTION_ITEM
    answers = responses_frame(session)
    if answers.empty or overall not in answers:
        raise InputError(
            _(
                "No answers to {item}: an argued target needs survey results.",
                item=overall,
            )
        )
    latest = latest_answers(answers.dropna(subset=[overall]), [overall]).merge(
        customers_frame(session), on="customer_id"
    )
    beta, _se = churn_slope(latest[overall], (latest["status"] == "churned").astype(int))
    retention = max(-beta, 0.0) / _POINTS_PER_ITEM_POINT
    econ = segment_economics(session, name).table[["segment", "clv"]].dropna()
    econ = econ.assign(retention_per_point=retention)
    mean = float(pd.to_numeric(latest[overall], errors="coerce").mean())
    if np.isnan(mean):
        raise InputError(_("No overall satisfaction to set the floor from."))
    floor = (mean - 1.0) / 4.0 * 100.0
    latest = latest.assign(score=(pd.to_numeric(latest[overall], errors="coerce") - 1.0) * 25.0)
    return latest, econ, floor, retention


def propose_argued(
    session: Session, name: str, curve: pd.DataFrame, *, item: str | None = None
) -> ArguedTargets:
    """Argued ``score100`` targets for the segments of definition ``name``; ``item`` is the
    overall-satisfaction question (1–5; CUSA1 by default)."""
    _latest, econ, floor, retention = _economics(session, name, item)
    out = argued_targets(curve, econ, floor=floor)
    return ArguedTargets(table=out, current=floor, retention_per_point=retention)


def measured_pairs(session: Session, name: str, *, item: str | None = None) -> pd.DataFrame:
    """One measured pair per segment of ``name`` with a service level: its cost to serve per
    customer-year and the 100-point score its customers gave (latest answer each), with the
    score's standard error and the number of customers."""
    from cxm.segments.membership import members
    from cxm.service_levels.service import costs_to_serve

    latest, _econ, _floor, _retention = _economics(session, name, item)
    costs = costs_to_serve(session, definition=name)
    seg = members(session, name)[["customer_id", "segment"]]
    scored = latest[["customer_id", "score"]].dropna().merge(seg, on="customer_id")
    rows = []
    for segment, group in scored.groupby("segment", sort=True):
        n = len(group)
        if segment not in costs or n < 2:
            continue
        rows.append(
            {
                "segment": segment,
                "cost_per_customer_year": costs[str(segment)],
                "score": float(group["score"].mean()),
                "se": float(group["score"].std(ddof=1) / np.sqrt(n)) or 1.0,
                "n": n,
            }
        )
    return pd.DataFrame(rows, columns=["segment", "cost_per_customer_year", "score", "se", "n"])


def propose_argued_fitted(
    session: Session, name: str, *, item: str | None = None
) -> tuple[ArguedTargets, pd.DataFrame, CostCurveFit]:
    """Argued ``score100`` targets on a cost curve fitted from the segments' measured pairs
    (:func:`measured_pairs`): (targets with their 95 % intervals, the pairs, the fit)."""
    _latest, econ, floor, retention = _economics(session, name, item)
    pairs = measured_pairs(session, name, item=item)
    fit = fit_cost_curve(pairs)
    pairs = pairs.assign(fitted_score=fit.score_at(pairs["cost_per_customer_year"].to_numpy()))
    out = fitted_targets(fit, econ, floor=floor)
    return ArguedTargets(table=out, current=floor, retention_per_point=retention), pairs, fit
