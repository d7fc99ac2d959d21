"""Loyalty as behaviour: what customers do, not what they answer (DOMAIN.md §3).

- :func:`behavioural_loyalty`: per customer repurchase, cross-buying (categories bought),
  referrals and share of wallet; per segment their rates with Wilson intervals.
- :func:`satisfaction_loyalty_curve`: repurchase and spend after a survey answer by
  satisfaction level, with "very satisfied" (top box) set against "satisfied" — the
  documents' point is that only the very satisfied reliably stay.
- :func:`silent_defectors`: customers who answered satisfied and then spent far less or
  stopped buying; most unhappy customers never complain, and some happy-sounding ones leave.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from cxm.analytics._intervals import wilson
from cxm.errors import InputError
from cxm.i18n import _

__all__ = [
    "SilentDefectors",
    "behavioural_loyalty",
    "satisfaction_loyalty_curve",
    "silent_defectors",
]


@dataclass(frozen=True, slots=True)
class SilentDefectors:
    """:func:`silent_defectors`: the customers found (``table``), how many answered
    ``satisfied``, how many were ``found``, their ``rate`` with a 95 % Wilson interval."""

    table: pd.DataFrame
    satisfied: int
    found: int
    rate: float
    ci_low: float
    ci_high: float


def behavioural_loyalty(
    customers: pd.DataFrame,
    *,
    segment: str = "segment",
    purchase_days: str = "purchase_days",
    categories: str = "categories",
    referrals: str = "referrals",
    share_of_wallet: str | None = "share_of_wallet",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per segment: ``customers``, ``repurchase_rate`` (share with two or more purchase days
    in the window) with ``ci_low``/``ci_high`` (Wilson), ``cross_buying_rate`` (two or more
    categories), ``mean_categories``, ``referral_rate`` (referred at least one customer),
    ``referrals`` (total) and ``share_of_wallet`` (mean where known; NaN otherwise) with
    ``wallet_n`` (customers it is known for). One row per customer in ``customers``,
    already restricted to those active in the window."""
    need = {segment, purchase_days, categories, referrals}
    if missing := need - set(customers.columns):
        raise InputError(_("Missing columns: {cols}", cols=", ".join(sorted(missing))))
    df = customers.assign(
        _rep=pd.to_numeric(customers[purchase_days], errors="coerce").fillna(0) >= 2,
        _cross=pd.to_numeric(customers[categories], errors="coerce").fillna(0) >= 2,
        _ref=pd.to_numeric(customers[referrals], errors="coerce").fillna(0),
    )
    wallet = (
        pd.to_numeric(df[share_of_wallet], errors="coerce")
        if share_of_wallet and share_of_wallet in df
        else pd.Series(np.nan, index=df.index)
    )
    df = df.assign(_wallet=wallet)
    g = df.groupby(segment, sort=True)
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "repurchasers": g["_rep"].sum(),
            "cross_buyers": g["_cross"].sum(),
            "mean_categories": g[categories].mean(),
            "referrers": g["_ref"].apply(lambda s: int((s > 0).sum())),
            "referrals": g["_ref"].sum(),
            "share_of_wallet": g["_wallet"].mean(),
            "wallet_n": g["_wallet"].count(),
        }
    ).reset_index()
    n = out["customers"].to_numpy(float)
    out["repurchase_rate"] = out["repurchasers"] / n
    out["ci_low"], out["ci_high"] = wilson(out["repurchasers"].to_numpy(float), n, confidence)
    out["cross_buying_rate"] = out["cross_buyers"] / n
    out["referral_rate"] = out["referrers"] / n
    cols = [segment, "customers", "repurchase_rate", "ci_low", "ci_high", "cross_buying_rate"]
    cols += ["mean_categories", "referral_rate", "referrals", "share_of_wallet", "wallet_n"]
    return out[cols].rename(columns={segment: "segment"})


def satisfaction_loyalty_curve(
    data: pd.DataFrame,
    satisfaction: str,
    *,
    repurchased: str = "repurchased",
    spend: str = "spend_after",
    top_box: float | None = None,
    min_n: int = 30,
    confidence: float = 0.95,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Repurchase rate and mean spend after the answer, by satisfaction level, and the top
    box ("very satisfied") against the level below it ("satisfied").

    Returns ``(curve, contrast)``. ``curve``: ``level, customers, repurchase_rate, ci_low,
    ci_high, mean_spend, status`` (``"too few"`` below ``min_n``). ``contrast``:
    ``top_box, satisfied, n_top, n_satisfied, rate_top, rate_satisfied, difference`` with
    its Newcombe (1998, method 10) hybrid Wilson interval ``ci_low``/``ci_high`` and the
    two-proportion z-test ``p_value``, and ``spend_top``/``spend_satisfied`` with Welch's
    ``spend_p_value``.
    """
    for c in (satisfaction, repurchased, spend):
        if c not in data:
            raise InputError(_("Missing columns: {cols}", cols=c))
    df = pd.DataFrame(
        {
            "level": pd.to_numeric(data[satisfaction], errors="coerce"),
            "y": pd.to_numeric(data[repurchased], errors="coerce"),
            "spend": pd.to_numeric(data[spend], errors="coerce"),
        }
    ).dropna(subset=["level", "y"])
    if df.empty:
        raise InputError(_("No customers with both a satisfaction answer and a purchase record."))
    df["level"] = df["level"].round()
    g = df.groupby("level", sort=True)
    curve = pd.DataFrame(
        {"customers": g.size(), "repurchasers": g["y"].sum(), "mean_spend": g["spend"].mean()}
    ).reset_index()
    n = curve["customers"].to_numpy(float)
    k = curve["repurchasers"].to_numpy(float)
    curve["repurchase_rate"] = k / n
    curve["ci_low"], curve["ci_high"] = wilson(k, n, confidence)
    curve["status"] = np.where(curve["customers"] >= min_n, "ok", "too few")
    curve = curve[
        ["level", "customers", "repurchase_rate", "ci_low", "ci_high", "mean_spend", "status"]
    ]
    top = float(top_box if top_box is not None else df["level"].max())
    below = top - 1
    a, b = df[df["level"] == top], df[df["level"] == below]
    contrast: dict[str, Any] = {"top_box": top, "satisfied": below}
    contrast |= {"n_top": len(a), "n_satisfied": len(b)}
    if len(a) == 0 or len(b) == 0:
        contrast["status"] = "no data"
        return curve, contrast
    k1, n1, k2, n2 = float(a["y"].sum()), float(len(a)), float(b["y"].sum()), float(len(b))
    p1, p2 = k1 / n1, k2 / n2
    (l1,), (u1,) = wilson(np.array([k1]), np.array([n1]), confidence)
    (l2,), (u2,) = wilson(np.array([k2]), np.array([n2]), confidence)
    d = p1 - p2
    lo = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    pooled = (k1 + k2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    p_value = float(2 * stats.norm.sf(abs(d) / se)) if se > 0 else float("nan")
    spend_p = float("nan")
    sa, sb = a["spend"].dropna(), b["spend"].dropna()
    if len(sa) >= 2 and len(sb) >= 2 and (sa.std() > 0 or sb.std() > 0):
        with warnings.catch_warnings():  # a group of equal spends is fine for Welch
            warnings.simplefilter("ignore", RuntimeWarning)
            spend_p = float(stats.ttest_ind(sa, sb, equal_var=False).pvalue)
    contrast |= {
        "rate_top": p1,
        "rate_satisfied": p2,
        "difference": d,
        "ci_low": float(lo),
        "ci_high": float(hi),
        "p_value": p_value,
        "spend_top": float(a["spend"].mean()),
        "spend_satisfied": float(b["spend"].mean()),
        "spend_p_value": spend_p,
        "status": "ok" if min(n1, n2) >= min_n else "too few",
    }
    return curve, contrast


def silent_defectors(
    data: pd.DataFrame,
    satisfaction: str,
    *,
    spend_before: str = "spend_before",
    spend_after: str = "spend_after",
    inactive: str | None = "churned_after",
    satisfied_from: float = 4,
    drop: float = 0.5,
) -> SilentDefectors:
    """Customers who answered satisfied (``satisfaction ≥ satisfied_from``) and then spent
    more than ``drop`` (a share, 0.5 = 50 %) less in the window after the answer than in the
    one before it, or became inactive (``inactive`` true). Returns those customers with
    ``spend_change`` (after / before − 1) and ``why`` (``"spend fell"``, ``"inactive"``),
    with ``satisfied`` (how many answered satisfied), ``found`` and ``rate``."""
    if not 0 < drop < 1:
        raise InputError(
            _("The spend drop must lie between 0 and 1 (0.5 = 50 %), not {value}.", value=drop)
        )
    for c in (satisfaction, spend_before, spend_after):
        if c not in data:
            raise InputError(_("Missing columns: {cols}", cols=c))
    sat = pd.to_numeric(data[satisfaction], errors="coerce")
    df = data[sat >= satisfied_from].copy()
    before = pd.to_numeric(df[spend_before], errors="coerce").fillna(0.0)
    after = pd.to_numeric(df[spend_after], errors="coerce").fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(before > 0, after / before - 1, np.nan)
    df["spend_change"] = change
    fell = (before > 0) & (after < (1 - drop) * before)
    gone = (
        df[inactive].fillna(False).astype(bool)
        if inactive and inactive in df
        else pd.Series(False, index=df.index)
    )
    df["why"] = np.where(gone, "inactive", np.where(fell, "spend fell", ""))
    out = df[fell | gone].reset_index(drop=True)
    lo, hi = wilson(np.array([float(len(out))]), np.array([float(len(df))]), 0.95)
    return SilentDefectors(
        table=out,
        satisfied=len(df),
        found=len(out),
        rate=len(out) / len(df) if len(df) else float("nan"),
        ci_low=float(lo[0]),
        ci_high=float(hi[0]),
    )
