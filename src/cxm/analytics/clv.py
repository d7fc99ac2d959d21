"""Customer lifetime value: margin × expected lifetime, discounted; per segment; and the
probabilistic BG/NBD + Gamma-Gamma version per customer where purchase histories allow.

"Customer profit comes from customer lifetime" (DOMAIN.md §1): CLV turns churn into money,
which is what the retention simulator and the invest list need.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cxm.analytics.bgnbd import BetaGeoFitter, GammaGammaFitter, rfm_summary
from cxm.errors import InputError
from cxm.i18n import _

__all__ = [
    "BetaGeoFitter",
    "GammaGammaFitter",
    "clv_by_segment",
    "expected_lifetime",
    "probabilistic_clv",
    "purchase_value",
    "retention_clv",
    "rfm_summary",
]


def _check_rates(retention: np.ndarray, discount: float) -> None:
    if np.any((retention < 0) | (retention >= 1)) or np.isnan(retention).any():
        raise InputError(_("Retention rates must lie in [0, 1); got {value}.", value=retention))
    if not 0 <= discount < 1:
        raise InputError(_("The discount rate must lie in [0, 1), not {value}.", value=discount))


def expected_lifetime(retention: Any) -> np.ndarray:
    """Expected remaining years of a customer kept each year with probability ``r``:
    ``Σ_{t≥1} r^t = r / (1 − r)``."""
    r = np.asarray(retention, dtype=float)
    _check_rates(r, 0.0)
    return np.asarray(r / (1 - r))


def retention_clv(
    margin: Any, retention: Any, *, discount: float = 0.1, horizon: int | None = None
) -> np.ndarray:
    """CLV of a customer paying ``margin`` per year, retained each year with probability ``r``.

    ``CLV = Σ_{t=1}^{H} m r^t / (1+d)^t``, which for ``H = ∞`` is ``m r / (1 + d − r)``
    (Gupta & Lehmann 2003, "Customers as assets", *J. Interactive Marketing* 17:9, eq. 2;
    margins received at the end of each year the customer is still there).
    """
    m = np.asarray(margin, dtype=float)
    r = np.asarray(retention, dtype=float)
    _check_rates(r, discount)
    if horizon is None:
        return np.asarray(m * r / (1 + discount - r))
    if horizon < 1:
        raise InputError(_("The horizon must be at least one year, not {h}.", h=horizon))
    q = r / (1 + discount)
    # Finite geometric sum q (1 − q^H) / (1 − q); q < 1 always since r < 1 ≤ 1 + d.
    return np.asarray(m * q * (1 - q**horizon) / (1 - q))


def clv_by_segment(
    segments: pd.DataFrame,
    *,
    margin: str = "margin_per_customer_year",
    churn: str = "churn_rate",
    discount: float = 0.1,
    horizon: int | None = None,
) -> pd.DataFrame:
    """Add ``retention``, ``expected_lifetime_years``, ``clv`` and ``clv_total`` (× customers)
    to a per-segment table holding a yearly margin per customer and a yearly churn rate.
    A segment without a churn rate gets NaN CLV (``status = "no data"``), not zero."""
    out = segments.copy()
    churn_rate = pd.to_numeric(out[churn], errors="coerce").to_numpy(dtype=float)
    known = ~np.isnan(churn_rate)
    # A segment that lost nobody would have infinite lifetime; cap retention at 0.99.
    retention = np.clip(1 - churn_rate, 0.0, 0.99)
    out["retention"] = np.where(known, retention, np.nan)
    out["expected_lifetime_years"] = np.nan
    out["clv"] = np.nan
    if known.any():
        out.loc[known, "expected_lifetime_years"] = expected_lifetime(retention[known])
        out.loc[known, "clv"] = retention_clv(
            out.loc[known, margin].to_numpy(dtype=float),
            retention[known],
            discount=discount,
            horizon=horizon,
        )
    if "customers" in out:
        out["clv_total"] = out["clv"] * out["customers"]
    out["status"] = np.where(known, "ok", "no data")
    return out


def purchase_value(
    gamma_gamma: GammaGammaFitter, x: Any, monetary: Any, mean_value: Any = None
) -> np.ndarray:
    """Expected value of a customer's future purchases.

    * Repeat buyers with a positive mean repeat value ``m̄``: the Gamma-Gamma conditional
      mean ``E[M | x, m̄] = p(γ + x m̄)/(px + q − 1)`` (Fader & Hardie 2013, eq. 5).
    * Customers without a repeat purchase (``x = 0``): the population mean ``pγ/(q − 1)``
      — the same formula at ``x = 0``, nothing else.
    * Customers whose purchases lose money on average (``mean_value ≤ 0``, or a repeat
      mean ``m̄ ≤ 0``): their own mean, unshrunk. Gamma-Gamma describes positive spend
      only, and shrinking a loss towards the (positive) population mean would make a
      loss-making customer look valuable; so their CLV is never positive.
    """
    xa = np.asarray(x, dtype=float)
    ma = np.asarray(monetary, dtype=float)
    # Without the mean of all purchases, only a repeat mean tells a loss-maker apart.
    own = np.where(xa > 0, ma, 1.0) if mean_value is None else np.asarray(mean_value, float)
    losing = (own <= 0) | ((xa > 0) & (ma <= 0))
    modelled = gamma_gamma.expected_value(np.where(losing, 0.0, xa), np.where(losing, 0.0, ma))
    own_loss = np.where((xa > 0) & (ma <= 0) & (own > 0), ma, own)
    return np.asarray(np.where(losing, np.minimum(own_loss, 0.0), modelled))


def probabilistic_clv(
    summary: pd.DataFrame,
    *,
    months: int = 12,
    discount_monthly: float = 0.01,
    margin: float = 1.0,
    unit_days: float = 7.0,
    bgnbd: BetaGeoFitter | None = None,
    gamma_gamma: GammaGammaFitter | None = None,
) -> tuple[pd.DataFrame, BetaGeoFitter, GammaGammaFitter]:
    """CLV per customer from BG/NBD (purchases) × Gamma-Gamma (value per purchase).

    ``CLV = Σ_{i=1}^{months} margin · E[M] · (E[Y(iΔ)] − E[Y((i−1)Δ)]) / (1+d)^i`` with Δ one
    month in the model's time unit — the discrete-month sum used by Fader, Hardie & Lee's
    "RFM and CLV" (2005b) and by the ``lifetimes`` package. ``summary`` comes from
    :func:`rfm_summary` (columns ``customer_id, x, t_x, T, monetary`` and optionally
    ``mean_value``). Fitters are fitted here unless already fitted ones are passed; the value
    per purchase is :func:`purchase_value`, so a customer who loses money on average has a
    CLV ≤ 0.

    Returns ``(per_customer, bgnbd, gamma_gamma)``; ``per_customer`` has ``customer_id,
    p_alive, expected_purchases, expected_value, clv``.
    """
    if months < 1:
        raise InputError(_("The horizon must be at least one month, not {m}.", m=months))
    x, t_x, T = (summary[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    mon = summary["monetary"].to_numpy(dtype=float)
    bg = bgnbd or BetaGeoFitter().fit(x, t_x, T)
    positive = (x > 0) & (mon > 0)
    gg = gamma_gamma or GammaGammaFitter().fit(np.where(positive, x, 0.0), mon)
    mean_value = summary["mean_value"].to_numpy(dtype=float) if "mean_value" in summary else None
    value = purchase_value(gg, x, np.where(x > 0, mon, 0.0), mean_value)
    step = 30.0 / unit_days
    clv = np.zeros(len(x))
    previous = np.zeros(len(x))
    for i in range(1, months + 1):
        cum = bg.expected_purchases(i * step, x, t_x, T)
        clv += margin * value * (cum - previous) / (1 + discount_monthly) ** i
        previous = cum
    out = pd.DataFrame(
        {
            "customer_id": summary["customer_id"].to_numpy(),
            "p_alive": bg.probability_alive(x, t_x, T),
            "expected_purchases": previous,
            "expected_value": value,
            "clv": clv,
        }
    )
    return out, bg, gg
