"""Behavioural churn for non-contractual customers: who has stopped buying, and since when.

A retailer's customers never say they leave; they stop buying (DOMAIN.md §3). A purchase log
alone therefore needs a rule that turns silence into churn. Two are offered:

``gap`` (default)
    A customer is lost when they have not bought for ``k`` times their own mean
    inter-purchase gap (``k = 3`` by default). A customer with a single purchase day has no
    gap of their own and is given the median gap of the repeat buyers. The churn date is the
    day the silence passed that limit, ``last purchase + k × gap`` — the first day anyone
    could have known.
``p_alive``
    A customer is lost when the BG/NBD probability of being alive (Fader, Hardie & Lee 2005,
    eq. 11) falls below ``threshold`` (0.5 by default). It falls with time since the last
    purchase, so the churn date solves ``P(alive | x, t_x, T*) = threshold`` in closed form:
    ``α + T* = (α + t_x) · ((1/threshold − 1)(b + x − 1)/a)^{1/(r+x)}``. Under BG/NBD a
    customer with no repeat purchase is alive with probability 1 (they can only drop out
    after a purchase), so one-time buyers are never called lost by this rule; ``gap``
    treats them like everyone else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cxm.analytics.bgnbd import BetaGeoFitter
from cxm.errors import InputError
from cxm.i18n import _

__all__ = [
    "CHURN_RULES",
    "DEFAULT_K",
    "DEFAULT_THRESHOLD",
    "Inactivity",
    "check_rule",
    "inactivity_churn",
    "judge_inactivity",
]

#: Rules that turn a purchase log into churn.
CHURN_RULES = ("gap", "p_alive")
#: Lost after this many times one's own inter-purchase gap without a purchase.
DEFAULT_K = 3.0
#: Lost when the BG/NBD probability of being alive falls below this.
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class Inactivity:
    """Who is lost by a behavioural rule (:func:`inactivity_churn`): the per-customer
    ``table``, the ``rule`` with its ``k`` and ``threshold``, the repeat buyers'
    ``median_gap_days`` and, for ``p_alive``, the fitted BG/NBD parameters (``bgnbd_r``,
    ``bgnbd_alpha``, ``bgnbd_a``, ``bgnbd_b``)."""

    table: pd.DataFrame
    rule: str
    k: float
    threshold: float
    median_gap_days: float
    bgnbd: Mapping[str, float] = field(default_factory=dict)


def check_rule(rule: str, *, k: float, threshold: float) -> None:
    """Refuse an unknown rule, ``k ≤ 0`` and a threshold outside (0, 1)."""
    if rule not in CHURN_RULES:
        raise InputError(
            _(
                "Unknown churn rule {rule}: use one of {rules}.",
                rule=rule,
                rules=", ".join(CHURN_RULES),
            )
        )
    if not np.isfinite(k) or k <= 0:
        raise InputError(
            _(
                "The inactivity multiple k must be above 0, not {k}: a customer is lost after "
                "k times their usual gap between purchases (3 is a common choice).",
                k=k,
            )
        )
    if not 0 < threshold < 1:
        raise InputError(
            _(
                "The probability-alive threshold must lie strictly between 0 and 1, not {value}.",
                value=threshold,
            )
        )


def _per_customer(purchases: pd.DataFrame, customer: str, when: str, cutoff: Any) -> pd.DataFrame:
    days = pd.to_datetime(purchases[when]).dt.normalize()
    df = pd.DataFrame({"c": purchases[customer].to_numpy(), "d": days.to_numpy()})
    df = df[df["d"] <= cutoff].drop_duplicates()
    g = df.groupby("c", sort=True)["d"]
    out = pd.DataFrame({"first_purchase": g.min(), "last_purchase": g.max(), "days": g.size()})
    return out.rename_axis("customer_id").reset_index()


def inactivity_churn(
    purchases: pd.DataFrame,
    *,
    as_of: Any,
    rule: str = "gap",
    k: float = DEFAULT_K,
    threshold: float = DEFAULT_THRESHOLD,
    customer: str = "customer_id",
    when: str = "purchased_on",
) -> Inactivity:
    """Per customer with a purchase up to ``as_of``: whether they are lost by ``rule`` and
    since when.

    Columns: ``customer_id, first_purchase, last_purchase, purchase_days, mean_gap_days``
    (NaN with one purchase day), ``gap_days`` (the gap used: own or the repeat buyers'
    median), ``limit_days`` (silence allowed), ``p_alive`` (``p_alive`` rule only, else
    NaN), ``churned`` (bool) and ``churned_on`` (NaT when not lost), as the ``table`` of
    an :class:`Inactivity` that also keeps ``rule, k, threshold, median_gap_days`` (and
    the BG/NBD parameters for ``p_alive``).

    Examples
    --------
    A customer buying every 10 days, silent for 31 days, is lost on day 30 of the silence
    with ``k = 3``; one silent for 29 days is not.
    """
    check_rule(rule, k=k, threshold=threshold)
    cutoff = pd.Timestamp(as_of).normalize()
    per = _per_customer(purchases, customer, when, cutoff)
    return judge_inactivity(per, as_of=cutoff, rule=rule, k=k, threshold=threshold)


def judge_inactivity(
    per: pd.DataFrame,
    *,
    as_of: Any,
    rule: str = "gap",
    k: float = DEFAULT_K,
    threshold: float = DEFAULT_THRESHOLD,
) -> Inactivity:
    """:func:`inactivity_churn` from the per-customer table instead of the purchase log:
    ``customer_id, first_purchase, last_purchase`` and ``days`` (purchase days up to
    ``as_of``) — what the store, DuckDB or Spark computes
    (:func:`cxm.frames.aggregations.customers`). ``mean_gap_days`` is derived here."""
    check_rule(rule, k=k, threshold=threshold)
    cutoff = pd.Timestamp(as_of).normalize()
    if per.empty:
        raise InputError(
            _("No purchases on or before {day}: nothing to judge churn on.", day=cutoff.date())
        )
    per = per[["customer_id", "first_purchase", "last_purchase", "days"]].copy()
    span = (per["last_purchase"] - per["first_purchase"]).dt.days.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        per["mean_gap_days"] = np.where(per["days"] > 1, span / (per["days"] - 1), np.nan)
    repeat_gaps = per["mean_gap_days"].dropna()
    median_gap = float(repeat_gaps.median()) if not repeat_gaps.empty else np.nan
    per["gap_days"] = per["mean_gap_days"].fillna(median_gap)
    per = per.rename(columns={"days": "purchase_days"})
    silence = (cutoff - per["last_purchase"]).dt.days.astype(float)
    params: dict[str, float] = {}
    if rule == "gap":
        per["limit_days"] = k * per["gap_days"]
        per["p_alive"] = np.nan
        churned = (silence > per["limit_days"]).fillna(False).to_numpy(dtype=bool)
        when_lost = per["last_purchase"] + pd.to_timedelta(np.ceil(per["limit_days"]), unit="D")
    else:
        when_lost, churned, p_alive, params = _p_alive_rule(per, cutoff, threshold)
        per["limit_days"] = (when_lost - per["last_purchase"]).dt.days.astype(float)
        per["p_alive"] = p_alive
    per["churned"] = churned
    per["churned_on"] = when_lost.where(churned)
    return Inactivity(
        table=per,
        rule=rule,
        k=k,
        threshold=threshold,
        median_gap_days=median_gap,
        bgnbd=params,
    )


def _p_alive_rule(
    per: pd.DataFrame,
    cutoff: pd.Timestamp,
    threshold: float,
) -> tuple[pd.Series, np.ndarray, np.ndarray, dict[str, float]]:
    # The BG/NBD inputs in weeks (rfm_summary's units): repeat days, t_x and T.
    x = (per["purchase_days"] - 1).to_numpy(dtype=float)
    t_x = ((per["last_purchase"] - per["first_purchase"]).dt.days / 7.0).to_numpy(dtype=float)
    T = ((cutoff - per["first_purchase"]).dt.days / 7.0).to_numpy(dtype=float)
    bg = BetaGeoFitter().fit(x, t_x, T)
    r, alpha, a, b = (bg.params_[n] for n in ("r", "alpha", "a", "b"))
    p_alive = bg.probability_alive(x, t_x, T)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (1 / threshold - 1) * (b + x - 1) / a
        t_star = (alpha + t_x) * np.power(np.maximum(ratio, 1.0), 1 / (r + x)) - alpha
    # x = 0: never lost under BG/NBD; ratio < 1: lost right after the last purchase.
    t_star = np.where(x > 0, np.maximum(t_star, t_x), np.inf)
    finite = np.isfinite(t_star)
    weeks = np.where(finite, np.ceil(t_star * 7), 0).astype("int64")
    lost_on = per["first_purchase"] + pd.to_timedelta(weeks, unit="D")
    lost_on = lost_on.where(finite)
    lost_on = lost_on.where(~(lost_on > cutoff), cutoff)
    churned = (p_alive < threshold) & finite
    params = {f"bgnbd_{n}": float(v) for n, v in bg.params_.items()}
    return lost_on, churned, p_alive, params
