"""Retention economics: what keeping customers is worth, per segment, from the firm's data.

The documents claim that winning a customer costs five times keeping one, and that cutting
churn by 5 % raises profit by 25–85 % (Reichheld & Sasser 1990, "Zero defections", HBR).
:func:`simulate_churn_cut` computes the effect of a churn cut on each segment's own margin
and churn, and says for which segments the claim holds and for which it does not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxm.analytics.clv import retention_clv
from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["CLAIMED_PROFIT_RANGE", "DEFAULT_COST_RATIO", "simulate_churn_cut"]

#: Acquisition cost : retention cost per customer, as the documents put it.
DEFAULT_COST_RATIO = 5.0
#: "Cut churn by 5 % → profit +25 % … +85 %".
CLAIMED_PROFIT_RANGE = (0.25, 0.85)


def _cohort_paths(n: np.ndarray, churn: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Customers alive at the end of years 1…H and at the start of each year."""
    years = np.arange(1, horizon + 1)
    end = n[:, None] * (1 - churn[:, None]) ** years[None, :]
    start = n[:, None] * (1 - churn[:, None]) ** (years[None, :] - 1)
    return end, start


def simulate_churn_cut(
    segments: pd.DataFrame,
    *,
    cut: float = 0.05,
    relative: bool = False,
    horizon_years: int = 5,
    discount: float = 0.1,
    cost_ratio: float = DEFAULT_COST_RATIO,
    acquisition_cost: float | None = None,
    segment: str | None = None,
) -> pd.DataFrame:
    """Profit effect of cutting yearly churn in each segment (or only ``segment``).

    Input columns: ``segment, customers, margin_per_customer_year, churn_rate``.

    Each segment's current customers form a cohort: ``N_t = N (1 − c)^t`` remain after
    year ``t`` and each brings margin ``m`` that year, discounted at ``d``:
    ``Π(c) = Σ_{t=1}^{H} N m (1−c)^t / (1+d)^t``. The cut sets ``c' = c − x`` (points) or
    ``c' = c (1 − x)`` (``relative=True``), floored at 0.

    The cut is not free: each year the firm spends the retention cost ``A / k`` on every
    customer it keeps that it would otherwise have lost, ``A`` the acquisition cost (default:
    one year of the segment's margin, i.e. a one-year payback) and ``k`` = ``cost_ratio``
    (5 : 1 by default). Keeping them also avoids replacing them at ``A`` each; that avoided
    cost is reported (``replacement_cost_avoided``) but not added to profit.

    Returns per segment: ``baseline_profit, scenario_profit, gross_change, retention_cost,
    net_change, change_pct`` (net change / baseline), ``lifetime_change_pct`` (the same
    with ``H = ∞``, no retention cost — Reichheld's customer-value view) and ``claim``:
    ``"holds"`` when ``change_pct`` lies inside 25–85 %, else ``"below"`` / ``"above"``;
    segments without churn or margin data get ``"no data"``.
    """
    if not 0 < cut < 1:
        raise InputError(_("The churn cut must lie between 0 and 1, not {cut}.", cut=cut))
    if horizon_years < 1 or horizon_years > 50:
        raise InputError(_("The horizon must be 1 to 50 years, not {h}.", h=horizon_years))
    if cost_ratio <= 0:
        raise InputError(_("The acquisition : retention cost ratio must be positive."))
    need = {"segment", "customers", "margin_per_customer_year", "churn_rate"}
    if missing := need - set(segments.columns):
        raise InputError(_("Missing columns: {cols}", cols=", ".join(sorted(missing))))
    df = segments.copy()
    if segment is not None:
        df = df[df["segment"] == segment]
        if df.empty:
            raise InputError(_("No segment named {name}.", name=segment))
    c = pd.to_numeric(df["churn_rate"], errors="coerce").to_numpy(dtype=float)
    m = pd.to_numeric(df["margin_per_customer_year"], errors="coerce").to_numpy(dtype=float)
    n = pd.to_numeric(df["customers"], errors="coerce").to_numpy(dtype=float)
    ok = ~(np.isnan(c) | np.isnan(m)) & (n > 0)
    c = np.where(ok, np.clip(c, 0.0, 0.99), 0.5)
    m = np.where(ok, m, 0.0)
    new_c = c * (1 - cut) if relative else np.maximum(c - cut, 0.0)
    acq = np.full_like(m, acquisition_cost) if acquisition_cost is not None else np.abs(m)
    disc = (1 + discount) ** -np.arange(1, horizon_years + 1)

    base_end, _b = _cohort_paths(n, c, horizon_years)
    new_end, new_start = _cohort_paths(n, new_c, horizon_years)
    baseline = (base_end * m[:, None] * disc).sum(axis=1)
    scenario = (new_end * m[:, None] * disc).sum(axis=1)
    kept = new_start * (c - new_c)[:, None]
    retention_cost = (kept * (acq / cost_ratio)[:, None] * disc).sum(axis=1)
    avoided = (kept * acq[:, None] * disc).sum(axis=1)
    net = scenario - baseline - retention_cost
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(baseline != 0, net / np.abs(baseline), np.nan)
        life_base = retention_clv(m, 1 - c, discount=discount)
        life_new = retention_clv(m, np.minimum(1 - new_c, 0.999), discount=discount)
        life_pct = np.where(life_base != 0, (life_new - life_base) / np.abs(life_base), np.nan)
    lo, hi = CLAIMED_PROFIT_RANGE
    claim = np.where(pct < lo, "below", np.where(pct > hi, "above", "holds"))
    out = pd.DataFrame(
        {
            "segment": df["segment"].to_numpy(),
            "customers": n,
            "churn_rate": np.where(ok, c, np.nan),
            "new_churn_rate": np.where(ok, new_c, np.nan),
            "margin_per_customer_year": np.where(ok, m, np.nan),
            "baseline_profit": np.where(ok, baseline, np.nan),
            "scenario_profit": np.where(ok, scenario, np.nan),
            "gross_change": np.where(ok, scenario - baseline, np.nan),
            "retention_cost": np.where(ok, retention_cost, np.nan),
            "replacement_cost_avoided": np.where(ok, avoided, np.nan),
            "net_change": np.where(ok, net, np.nan),
            "change_pct": np.where(ok, pct, np.nan),
            "lifetime_change_pct": np.where(ok, life_pct, np.nan),
            "claim": np.where(ok, claim, "no data"),
        }
    )
    return out
