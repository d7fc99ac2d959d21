"""Retention economics from the store: CLV per segment, the churn-cut simulator, and where
to invest (key drivers × segment value)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from cxm.analytics.bgnbd import BetaGeoFitter, GammaGammaFitter
from cxm.analytics.churn import churn_rates
from cxm.analytics.clv import clv_by_segment, probabilistic_clv
from cxm.analytics.invest import churn_slope, improvement_effects
from cxm.analytics.retention import DEFAULT_COST_RATIO, simulate_churn_cut
from cxm.errors import InputError
from cxm.frames.cache import read_once
from cxm.frames.customers import (
    analysis_date,
    bgnbd_inputs,
    latest_answers,
    observation_start,
    profit_by_customer,
)
from cxm.i18n import _
from cxm.management.churn import SATISFACTION_ITEM
from cxm.management.churn_rules import ChurnBasis, ChurnRule, customers_as_of
from cxm.management.segments import members

__all__ = [
    "DRIVER_ITEMS",
    "InvestResult",
    "SegmentEconomics",
    "invest",
    "probabilistic_segment_clv",
    "segment_economics",
    "simulate",
]

#: Service items of the CCSI questionnaire used as drivers by default.
DRIVER_ITEMS = [f"PERQ{i}" for i in range(1, 8)] + ["SC_PROC1", "SC_PROC2", "SC_PEOP1", "SC_PEOP2"]


@dataclass(frozen=True)
class SegmentEconomics:
    """:func:`segment_economics`: the ``table`` per segment, the ``basis`` (date and churn
    rule) and ``quality``, the segments too small to trust, in words."""

    table: pd.DataFrame
    basis: ChurnBasis
    quality: list[dict[str, Any]]


@read_once
def segment_economics(
    session: Session,
    name: str,
    *,
    discount: float = 0.1,
    horizon: int | None = None,
    as_of: Any = None,
    rule: ChurnRule | None = None,
    min_n: int = 30,
) -> SegmentEconomics:
    """Per segment: active customers, margin per customer-year (profit of the 12 months up
    to the analysis date / active customers), yearly churn rate (those 12 months; recorded
    or behavioural churn by ``rule``), and CLV, with the date and the rule used."""
    seg = members(session, name)
    if seg.empty:
        raise InputError(
            _("Segments of {name} are empty: run `cxm segments recompute`.", name=name)
        )
    everyone, basis = customers_as_of(session, as_of=as_of, rule=rule)
    as_of = pd.Timestamp(basis.as_of)
    customers = everyone.merge(seg, on="customer_id", how="inner")
    start = (as_of - pd.DateOffset(years=1) + pd.Timedelta(days=1)).date()
    profit = profit_by_customer(session, start=start, end=(as_of + pd.Timedelta(days=1)).date())
    rates = churn_rates(
        customers, freq="Y", align="end", start=observation_start(session), end=as_of
    )
    last = rates[rates["start"] == rates["start"].max()].set_index("segment")
    active = customers[customers["churned_on"].isna() | (customers["churned_on"] > as_of)]
    rows = []
    for s, group in customers.groupby("segment", sort=False):
        n_active = int(active["segment"].eq(s).sum())
        total = float(profit.reindex(group["customer_id"]).fillna(0.0).sum())
        rows.append(
            {
                "segment": s,
                "customers": n_active,
                "profit_1y": total,
                "margin_per_customer_year": total / n_active if n_active else np.nan,
                "churn_rate": last["churn_rate"].get(s, np.nan),
                "churn_ci_low": last["ci_low"].get(s, np.nan),
                "churn_ci_high": last["ci_high"].get(s, np.nan),
            }
        )
    out = clv_by_segment(pd.DataFrame(rows), discount=discount, horizon=horizon)
    from cxm.analytics.quality import group_flags

    quality = [
        f.to_dict()
        for f in group_flags(zip(out["segment"], out["customers"], strict=True), min_n=min_n)
    ]
    return SegmentEconomics(table=out, basis=basis, quality=quality)


def probabilistic_segment_clv(
    session: Session,
    name: str,
    *,
    months: int = 12,
    discount_monthly: float = 0.01,
    as_of: Any = None,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Mean BG/NBD + Gamma-Gamma CLV per segment (value = profit per purchase), with the
    fitted parameters. Needs repeat purchases; raises a clear error otherwise."""
    as_of = analysis_date(session, as_of)
    summary = bgnbd_inputs(session, as_of=as_of)
    if summary.empty:
        raise InputError(_("No purchases: the probabilistic CLV needs purchase histories."))
    # Gamma-Gamma is fitted on positive spend only; a customer who loses money per
    # purchase keeps their own (negative) mean, so their CLV is never positive
    # (:func:`cxm.analytics.clv.purchase_value`).
    positive = (summary["x"] > 0) & (summary["monetary"] > 0)
    bg = BetaGeoFitter().fit(summary["x"], summary["t_x"], summary["T"])
    gg = GammaGammaFitter().fit(summary["x"].where(positive, 0.0), summary["monetary"])
    per_customer, _bg, _gg = probabilistic_clv(
        summary, months=months, discount_monthly=discount_monthly, bgnbd=bg, gamma_gamma=gg
    )
    seg = members(session, name)
    merged = per_customer.merge(seg, on="customer_id", how="inner")
    out = (
        merged.groupby("segment")
        .agg(
            customers=("customer_id", "size"),
            p_alive=("p_alive", "mean"),
            expected_purchases=("expected_purchases", "mean"),
            expected_value=("expected_value", "mean"),
            clv=("clv", "mean"),
            clv_total=("clv", "sum"),
        )
        .reset_index()
    )
    params = {**bg.params_, **{f"gg_{k}": v for k, v in gg.params_.items()}}
    return out, params


def simulate(
    session: Session,
    name: str,
    *,
    cut: float = 0.05,
    relative: bool = False,
    horizon_years: int = 5,
    discount: float = 0.1,
    cost_ratio: float = DEFAULT_COST_RATIO,
    acquisition_cost: float | None = None,
    segment: str | None = None,
    as_of: Any = None,
    rule: ChurnRule | None = None,
) -> pd.DataFrame:
    """The churn-cut simulator on the firm's own margins and churn rates per segment."""
    econ = segment_economics(session, name, discount=discount, as_of=as_of, rule=rule)
    return simulate_churn_cut(
        econ.table,
        cut=cut,
        relative=relative,
        horizon_years=horizon_years,
        discount=discount,
        cost_ratio=cost_ratio,
        acquisition_cost=acquisition_cost,
        segment=segment,
    )


@dataclass(frozen=True)
class InvestResult:
    ranking: pd.DataFrame
    drivers: pd.DataFrame
    churn_per_point: float
    churn_per_point_se: float
    responses: int


def invest(
    session: Session,
    name: str,
    *,
    items: list[str] | None = None,
    outcome: str = SATISFACTION_ITEM,
    improvement: float = 0.5,
    budget: float | None = None,
    min_n: int = 100,
    as_of: Any = None,
    rule: ChurnRule | None = None,
) -> InvestResult:
    """Rank improvements by expected profit: per segment (or overall where a segment has
    fewer than ``min_n`` complete answers) the drivers of ``outcome``; each driver's
    importance is the effect of one point of it on ``outcome``, ``sign(r_j) · √ε_j ·
    sd(outcome) / sd(item_j)`` with ``ε_j`` its Johnson relative weight (a per-point effect
    that stays stable when items correlate); churn per point of ``outcome`` from
    :func:`~cxm.analytics.invest.churn_slope` on customers' latest answers."""
    from cxm.analytics.drivers import relative_weights
    from cxm.frames.responses import responses_frame

    answers = responses_frame(session)
    if answers.empty or outcome not in answers:
        raise InputError(
            _("No answers to {item}: where to invest needs survey results.", item=outcome)
        )
    use = [i for i in (items or DRIVER_ITEMS) if i in answers]
    if not use:
        raise InputError(_("None of the driver items is in the answers."))
    seg = members(session, name)
    data = answers.dropna(subset=["customer_id"]).astype({"customer_id": "int64"})
    data = data.merge(seg, on="customer_id", how="inner")
    customers, basis = customers_as_of(session, as_of=as_of, rule=rule)
    if as_of is not None:  # an explicit date: only what was answered by then
        day_end = (pd.Timestamp(basis.as_of) + pd.Timedelta(days=1)).tz_localize("UTC")
        data = data[data["completed_at"] < day_end]

    def drivers_of(df: pd.DataFrame) -> pd.DataFrame:
        complete = df[[*use, outcome]].apply(pd.to_numeric, errors="coerce").dropna()
        split = relative_weights(complete, outcome, use)
        rw = split.table
        sd_y = complete[outcome].std()
        sign = np.sign(complete[use].corrwith(complete[outcome]).to_numpy())
        per_point = (
            sign * np.sqrt(rw["raw_weight"].to_numpy()) * sd_y / complete[use].std().to_numpy()
        )
        return pd.DataFrame(
            {
                "driver": use,
                "importance": per_point,
                "performance": complete[use].mean().to_numpy(),
                "n": len(complete),
                "r2": split.r2,
            }
        )

    overall = drivers_of(data)
    parts = []
    for s, df in data.groupby("segment"):
        complete = df[[*use, outcome]].dropna()
        parts.append((drivers_of(df) if len(complete) >= min_n else overall).assign(segment=s))
    drivers = pd.concat(parts, ignore_index=True)
    # each customer's latest answer *to the outcome*: a later exit or moment-of-truth
    # survey without it must not hide it (as in satisfaction_answers)
    latest = latest_answers(data.dropna(subset=[outcome]), [outcome]).merge(
        customers, on="customer_id"
    )
    beta, se = churn_slope(latest[outcome], (latest["status"] == "churned").astype(int))
    econ = segment_economics(session, name, as_of=as_of, rule=rule)
    ranking = improvement_effects(
        drivers,
        econ.table[["segment", "customers", "clv"]].dropna(),
        churn_per_point=beta,
        improvement=improvement,
        budget=budget,
    )
    return InvestResult(ranking, drivers, beta, se, len(data))
