"""Where to invest: key drivers × segment value → expected profit of each improvement.

Driver analysis says which service items move overall satisfaction; segment value says what
a customer kept is worth. Put together (DOMAIN.md §1: "satisfaction is managed differently
per customer group"; "keeping a customer is cheaper than winning one"), they rank the
improvements by the profit they are expected to protect and split a budget accordingly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["churn_slope", "improvement_effects"]


def churn_slope(satisfaction: pd.Series, churned: pd.Series) -> tuple[float, float]:
    """Change in churn probability per point of overall satisfaction, and its standard error.

    Ordinary least squares of the 0/1 churn indicator on satisfaction (a linear probability
    model: ``Δ P(churn) / Δ satisfaction``; White's HC1 standard error). Negative when more
    satisfied customers churn less. Rows with a missing value are dropped.
    """
    df = pd.DataFrame(
        {
            "s": pd.to_numeric(satisfaction, errors="coerce").to_numpy(),
            "y": pd.to_numeric(churned, errors="coerce").to_numpy(),
        }
    ).dropna()
    n = len(df)
    if n < 10 or df["s"].nunique() < 2:
        raise InputError(_("Too few customers with both satisfaction and churn to link them."))
    s, y = df["s"].to_numpy(float), df["y"].to_numpy(float)
    sc = s - s.mean()
    beta = float((sc * (y - y.mean())).sum() / (sc**2).sum())
    resid = y - y.mean() - beta * sc
    var = float((sc**2 * resid**2).sum() / (sc**2).sum() ** 2 * n / (n - 2))
    return beta, float(np.sqrt(var))


def improvement_effects(
    drivers: pd.DataFrame,
    segments: pd.DataFrame,
    *,
    churn_per_point: float | pd.Series,
    scale_max: float = 5.0,
    improvement: float = 0.5,
    budget: float | None = None,
) -> pd.DataFrame:
    """Expected profit effect of improving each driver in each segment, ranked.

    Inputs: ``drivers`` with ``driver, importance, performance`` and optionally
    ``segment`` (drivers per segment; without it the same drivers apply everywhere);
    ``importance`` = effect of one point of the driver on overall satisfaction (e.g. a
    regression weight from the driver analysis); ``performance`` = its mean rating.
    ``segments`` with ``segment, customers, clv``. ``churn_per_point`` = change in churn
    probability per point of overall satisfaction (:func:`churn_slope`; negative), one
    number or a Series by segment.

    For driver ``j`` in segment ``s`` the feasible gain is ``Δ_js = min(improvement,
    scale_max − performance_js)`` points; the expected churn avoided is
    ``−churn_per_point_s · importance_js · Δ_js`` per customer, and the expected profit

    ``effect_js = customers_s · clv_s · (−churn_per_point_s) · importance_js · Δ_js``.

    Only positive effects are kept. ``budget_share = effect / Σ effect`` (and ``budget_amount``
    when ``budget`` is given): the split of spend that follows the expected return.
    """
    need_d = {"driver", "importance", "performance"}
    if missing := need_d - set(drivers.columns):
        raise InputError(_("Missing driver columns: {cols}", cols=", ".join(sorted(missing))))
    need_s = {"segment", "customers", "clv"}
    if missing := need_s - set(segments.columns):
        raise InputError(_("Missing segment columns: {cols}", cols=", ".join(sorted(missing))))
    if improvement <= 0:
        raise InputError(_("The improvement must be positive, not {x}.", x=improvement))
    seg = segments[["segment", "customers", "clv"]]
    if "segment" in drivers:
        df = drivers.merge(seg, on="segment", how="inner")
    else:
        df = drivers.merge(seg, how="cross")
    if df.empty:
        raise InputError(_("No segment has both driver results and a customer value."))
    if isinstance(churn_per_point, pd.Series):
        df["churn_per_point"] = df["segment"].map(churn_per_point).astype(float)
    else:
        df["churn_per_point"] = float(churn_per_point)
    perf = pd.to_numeric(df["performance"], errors="coerce")
    df["gain_points"] = np.minimum(improvement, (scale_max - perf).clip(lower=0))
    df["churn_avoided_per_customer"] = (
        -df["churn_per_point"]
        * pd.to_numeric(df["importance"], errors="coerce")
        * df["gain_points"]
    )
    df["effect"] = df["customers"] * df["clv"] * df["churn_avoided_per_customer"]
    df = df[df["effect"] > 0].sort_values("effect", ascending=False).reset_index(drop=True)
    total = float(df["effect"].sum())
    df["budget_share"] = df["effect"] / total if total > 0 else np.nan
    if budget is not None:
        if budget < 0:
            raise InputError(_("The budget must not be negative."))
        df["budget_amount"] = df["budget_share"] * budget
    df["rank"] = np.arange(1, len(df) + 1)
    cols = ["rank", "segment", "driver", "importance", "performance", "gain_points"]
    cols += ["churn_avoided_per_customer", "customers", "clv", "effect", "budget_share"]
    cols += ["budget_amount"] if budget is not None else []
    return df[cols]
