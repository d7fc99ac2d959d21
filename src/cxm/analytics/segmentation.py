"""Customer segmentation: Pareto value tiers, RFM scores, rule segments on attributes.

Differentiated management (DOMAIN.md §1) starts by splitting the customer file into groups
that earn a different service level: value tiers on profit (the 80/20 rule), RFM cells on
purchase behaviour, and rule segments on any attribute (region, channel, JSON attributes).
All functions take plain DataFrames and return tidy DataFrames; nothing here touches a store.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from cxm.analytics.segment_rules import (
    RULE_OPERATORS,
    Condition,
    RuleSegment,
    assign_rule_segments,
)
from cxm.errors import InputError
from cxm.i18n import _

__all__ = [
    "RULE_OPERATORS",
    "Condition",
    "RuleSegment",
    "assign_rule_segments",
    "pareto_tiers",
    "profit_per_customer",
    "rfm_cells",
    "rfm_scores",
    "segment_summary",
]


def profit_per_customer(
    purchases: pd.DataFrame,
    *,
    customer: str = "customer_id",
    revenue: str = "revenue",
    cost: str = "cost",
    when: str = "purchased_on",
    start: Any = None,
    end: Any = None,
) -> pd.Series:
    """Profit (revenue − cost; a missing cost counts as 0) per customer over ``[start, end)``."""
    df = purchases
    if when in df and (start is not None or end is not None):
        dates = pd.to_datetime(df[when])
        keep = np.ones(len(df), dtype=bool)
        if start is not None:
            keep &= (dates >= pd.Timestamp(start)).to_numpy()
        if end is not None:
            keep &= (dates < pd.Timestamp(end)).to_numpy()
        df = df.loc[keep]
    rev = pd.to_numeric(df[revenue], errors="coerce").fillna(0.0)
    cst = pd.to_numeric(df[cost], errors="coerce").fillna(0.0) if cost in df else 0.0
    return (rev - cst).groupby(df[customer]).sum().rename("profit")


def pareto_tiers(
    profit: pd.Series,
    *,
    cuts: Sequence[float] = (0.2,),
    labels: Sequence[str] = ("key", "other"),
) -> pd.DataFrame:
    """Value tiers by cumulative share of customers ranked by profit (the 80/20 rule).

    Customers are ranked by profit, highest first (ties broken by index so the split is
    reproducible). With ``cuts = (c_1 < … < c_k)`` the first ``round(c_1 n)`` customers form
    tier ``labels[0]``, the next up to ``round(c_2 n)`` tier ``labels[1]``, and so on; the
    rest form ``labels[k]``. The default puts the top 20 % into ``key``.

    Returns one row per customer: ``customer_id``, ``profit``, ``rank`` (1 = most
    profitable), ``tier``.

    Raises :class:`~cxm.errors.InputError` for cut points outside (0, 1) or out of order,
    and for a label count that is not ``len(cuts) + 1``.
    """
    cuts = [float(c) for c in cuts]
    if not cuts or any(not 0.0 < c < 1.0 for c in cuts):
        raise InputError(_("Cut points must lie strictly between 0 and 1: {cuts}", cuts=cuts))
    if any(b <= a for a, b in pairwise(cuts)):
        raise InputError(_("Cut points must be in increasing order: {cuts}", cuts=cuts))
    if len(labels) != len(cuts) + 1 or len(set(labels)) != len(labels):
        raise InputError(
            _("Give {n} distinct tier labels for {k} cut points.", n=len(cuts) + 1, k=len(cuts))
        )
    values = pd.to_numeric(profit, errors="coerce").fillna(0.0).to_numpy(dtype=float)
    ids = profit.index.to_numpy()
    n = len(values)
    order = np.lexsort((np.arange(n), -values))
    bounds = np.round(np.asarray(cuts) * n).astype(int)
    tier_of_rank = np.searchsorted(bounds, np.arange(n), side="right")
    tier_idx = np.empty(n, dtype=int)
    tier_idx[order] = tier_of_rank
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(1, n + 1)
    return pd.DataFrame(
        {
            "customer_id": ids,
            "profit": values,
            "rank": rank,
            "tier": np.asarray(labels, dtype=object)[tier_idx],
        }
    )


def _quintile_score(values: pd.Series, bins: int, *, higher_is_better: bool) -> np.ndarray:
    # Rank first so that ties and heavy skew still give equal-count bins (pd.qcut on raw
    # values fails when one value fills several bins).
    ranks = values.rank(method="first", ascending=higher_is_better).to_numpy()
    return np.ceil(ranks * bins / len(ranks)).astype(int).clip(1, bins)


def rfm_scores(
    purchases: pd.DataFrame,
    *,
    as_of: Any,
    customer: str = "customer_id",
    when: str = "purchased_on",
    value: str = "revenue",
    bins: int = 5,
) -> pd.DataFrame:
    """Recency, frequency and monetary scores 1…``bins`` and the RFM cell (e.g. ``"545"``).

    Recency = days from the last purchase to ``as_of``; frequency = purchases; monetary =
    sum of ``value``. Each is split into ``bins`` equal-count groups by rank, 5 the best
    (most recent, most frequent, highest spend) — Hughes (1994), *Strategic Database
    Marketing*. Only customers with a purchase before ``as_of`` get a row.
    """
    if not 2 <= bins <= 10:
        raise InputError(_("RFM bins must be between 2 and 10, not {bins}.", bins=bins))
    dates = pd.to_datetime(purchases[when])
    cutoff = pd.Timestamp(as_of)
    mask = (dates <= cutoff).to_numpy()
    df = pd.DataFrame(
        {
            "customer_id": purchases[customer].to_numpy()[mask],
            "d": dates.to_numpy()[mask],
            "v": pd.to_numeric(purchases[value], errors="coerce").fillna(0.0).to_numpy()[mask],
        }
    )
    if df.empty:
        return pd.DataFrame(
            columns=["customer_id", "recency_days", "frequency", "monetary", "r", "f", "m", "cell"]
        )
    g = df.groupby("customer_id", sort=True)
    totals = pd.DataFrame(
        {
            "customer_id": g.size().index.to_numpy(),
            "recency_days": (cutoff - g["d"].max()).dt.days.to_numpy(),
            "frequency": g.size().to_numpy(),
            "monetary": g["v"].sum().to_numpy(),
        }
    )
    return rfm_cells(totals, bins=bins)


def rfm_cells(totals: pd.DataFrame, *, bins: int = 5) -> pd.DataFrame:
    """RFM scores and cells from per-customer totals (``customer_id, recency_days,
    frequency, monetary``), e.g. aggregated in the database; see :func:`rfm_scores`."""
    if not 2 <= bins <= 10:
        raise InputError(_("RFM bins must be between 2 and 10, not {bins}.", bins=bins))
    out = totals[["customer_id", "recency_days", "frequency", "monetary"]].reset_index(drop=True)
    if out.empty:
        return out.assign(r=[], f=[], m=[], cell=[])
    out["r"] = _quintile_score(-out["recency_days"], bins, higher_is_better=True)
    out["f"] = _quintile_score(out["frequency"], bins, higher_is_better=True)
    out["m"] = _quintile_score(out["monetary"], bins, higher_is_better=True)
    out["cell"] = out["r"].astype(str) + out["f"].astype(str) + out["m"].astype(str)
    return out


def segment_summary(
    membership: pd.DataFrame,
    profit: pd.Series | None = None,
    *,
    segments: Sequence[str] = (),
) -> pd.DataFrame:
    """Customers and profit per segment with shares; segments in ``segments`` that got no
    customer appear with ``customers = 0`` and ``status = "no data"`` (never a silent drop).
    """
    m = membership[["customer_id", "segment"]]
    total_customers = m["customer_id"].nunique()
    counts = m.groupby("segment", sort=False)["customer_id"].nunique()
    out = pd.DataFrame({"customers": counts})
    if profit is not None:
        p = m["customer_id"].map(profit).fillna(0.0)
        out["profit"] = p.groupby(m["segment"].to_numpy(), sort=False).sum()
        total_profit = float(profit.sum())
        out["share_profit"] = out["profit"] / total_profit if total_profit else np.nan
        out["profit_per_customer"] = out["profit"] / out["customers"]
    for name in segments:
        if name not in out.index:
            out.loc[name] = np.nan
            out.loc[name, "customers"] = 0
    out["customers"] = out["customers"].astype(int)
    out["share_customers"] = out["customers"] / total_customers if total_customers else np.nan
    out["status"] = np.where(out["customers"] > 0, "ok", "no data")
    out.index.name = "segment"
    order = list(segments) + [s for s in out.index if s not in segments]
    return out.loc[order].reset_index()
