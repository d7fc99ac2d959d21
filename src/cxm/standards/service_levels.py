"""Argued per-segment targets from the store (``cxm targets propose --rule argued``).

The economics come from the data: each segment's CLV (:func:`segment_economics`), the
measured link from overall satisfaction to churn (:func:`churn_slope` on customers' latest
answers) and today's overall level as the good-enough floor. The firm supplies each
segment's cost curve (service level, cost per customer-year, expected 100-point score).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from cxm.analytics.argued_targets import argued_targets
from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["propose_argued"]

#: Points of the 100-point score per point of a 1–5 item: (mean − 1) / 4 × 100.
_POINTS_PER_ITEM_POINT = 25.0


def propose_argued(
    session: Session, name: str, curve: pd.DataFrame, *, item: str | None = None
) -> pd.DataFrame:
    """Argued ``score100`` targets for the segments of definition ``name``; ``item`` is the
    overall-satisfaction question (1–5; CUSA1 by default)."""
    from cxm.analytics.invest import churn_slope
    from cxm.management.churn import SATISFACTION_ITEM
    from cxm.management.economics import segment_economics
    from cxm.management.frames import customers_frame, latest_answers
    from cxm.surveys.frames import responses_frame

    overall = item or SATISFACTION_ITEM
    answers = responses_frame(session)
    if answers.empty or overall not in answers:
        raise InputError(
            _(
                "No answers to {item}: an argued target needs survey results.",
                item=overall,
            )
        )
    latest = latest_answers(answers, [overall]).merge(customers_frame(session), on="customer_id")
    beta, _se = churn_slope(latest[overall], (latest["status"] == "churned").astype(int))
    retention = max(-beta, 0.0) / _POINTS_PER_ITEM_POINT
    econ = segment_economics(session, name)[["segment", "clv"]].dropna()
    econ = econ.assign(retention_per_point=retention)
    mean = float(pd.to_numeric(latest[overall], errors="coerce").mean())
    if np.isnan(mean):
        raise InputError(_("No overall satisfaction to set the floor from."))
    floor = (mean - 1.0) / 4.0 * 100.0
    out = argued_targets(curve, econ, floor=floor)
    out.attrs["current"] = floor
    out.attrs["retention_per_point"] = retention
    return out
