"""Rising customers: outside the top value tier today, but whose predicted future value
(BG/NBD × Gamma–Gamma) or spend growth already looks like a key account's — so they can be
given a better service level before they are big (DOMAIN.md §1: differentiated service).

Evidence per customer: ``predicted_value`` (probabilistic CLV of the next ``months``),
``profit_recent`` and ``profit_before`` (the two half-years up to the analysis date) and
``growth`` (recent / before − 1). A customer rises when their predicted value reaches the
``quantile`` (default the lower quartile) of the top tier's, or when their recent profit
does and it grew by more than ``min_growth``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from cxm.analytics.bgnbd import BetaGeoFitter, GammaGammaFitter
from cxm.analytics.clv import probabilistic_clv
from cxm.errors import InputError
from cxm.frames.customers import analysis_date, bgnbd_inputs, profit_by_customer
from cxm.i18n import _
from cxm.management.segments import members

__all__ = ["RisingCustomers", "rising_customers"]


@dataclass(frozen=True)
class RisingCustomers:
    """:func:`rising_customers`: the customers (``table``), the analysis date, the top tier
    and its bars (lower quartiles), and how many ``candidates`` were judged."""

    table: pd.DataFrame
    as_of: date
    top_segment: str
    value_threshold: float
    profit_threshold: float
    candidates: int


def rising_customers(
    session: Session,
    name: str,
    *,
    top_segment: str,
    months: int = 12,
    quantile: float = 0.25,
    min_growth: float = 0.5,
    as_of: Any = None,
    top: int = 50,
) -> RisingCustomers:
    """Customers outside ``top_segment`` of definition ``name`` who look like its members,
    with the evidence, largest predicted value first; with ``as_of``, the thresholds
    (``value_threshold``, ``profit_threshold``) and ``candidates`` (how many were judged)."""
    if not 0 < quantile < 1:
        raise InputError(_("The quantile must lie between 0 and 1, not {q}.", q=quantile))
    day = analysis_date(session, as_of)
    seg = members(session, name)
    if top_segment not in set(seg["segment"]):
        raise InputError(
            _(
                "Segment {segment} is not in {name}: use one of {known}.",
                segment=top_segment,
                name=name,
                known=", ".join(sorted(map(str, set(seg["segment"])))),
            )
        )
    summary = bgnbd_inputs(session, as_of=day)
    positive = (summary["x"] > 0) & (summary["monetary"] > 0)
    bg = BetaGeoFitter().fit(summary["x"], summary["t_x"], summary["T"])
    gg = GammaGammaFitter().fit(summary["x"].where(positive, 0.0), summary["monetary"])
    value, _bg, _gg = probabilistic_clv(summary, months=months, bgnbd=bg, gamma_gamma=gg)
    half = pd.DateOffset(months=6)
    end = (day + pd.Timedelta(days=1)).date()
    mid = (pd.Timestamp(end) - half).date()
    start = (pd.Timestamp(mid) - half).date()
    recent = profit_by_customer(session, start=mid, end=end)
    before = profit_by_customer(session, start=start, end=mid)
    df = value[["customer_id", "clv", "p_alive"]].rename(columns={"clv": "predicted_value"})
    df = df.merge(seg, on="customer_id", how="inner")
    df["profit_recent"] = df["customer_id"].map(recent).fillna(0.0).to_numpy()
    df["profit_before"] = df["customer_id"].map(before).fillna(0.0).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        df["growth"] = np.where(
            df["profit_before"] > 0, df["profit_recent"] / df["profit_before"] - 1, np.nan
        )
    key = df[df["segment"] == top_segment]
    value_bar = float(key["predicted_value"].quantile(quantile))
    profit_bar = float(key["profit_recent"].quantile(quantile))
    others = df[df["segment"] != top_segment].copy()
    like_value = others["predicted_value"] >= value_bar
    growing = (others["profit_recent"] >= profit_bar) & (
        (others["growth"] > min_growth) | (others["profit_before"] <= 0)
    )
    others["evidence"] = np.where(
        like_value & growing,
        "predicted value and growth",
        np.where(like_value, "predicted value", "spend growth"),
    )
    out = others[like_value | growing].sort_values("predicted_value", ascending=False)
    out = out.head(top).reset_index(drop=True)
    cols = ["customer_id", "segment", "predicted_value", "p_alive", "profit_before"]
    cols += ["profit_recent", "growth", "evidence"]
    return RisingCustomers(
        table=out[cols],
        as_of=day.date(),
        top_segment=top_segment,
        value_threshold=value_bar,
        profit_threshold=profit_bar,
        candidates=len(others),
    )
