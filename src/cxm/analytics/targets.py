"""Per-segment KPI targets: propose them from value and cost to serve, and judge actuals
against them with the uncertainty of each actual.

DOMAIN.md §1: a firm "sets a different satisfaction KPI target per segment, from that
segment's cost to serve and its profit". A gap that lies inside the confidence interval of
the actual is noise, not a miss: :func:`compare_to_targets` says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["KPIS", "KpiScale", "check_target", "compare_to_targets", "propose_targets", "trend"]


@dataclass(frozen=True)
class KpiScale:
    """Range of a KPI and whether higher is better; ``step`` is a sensible headroom."""

    low: float
    high: float
    higher_is_better: bool
    step: float


#: The KPIs a target may be set on, with their scales.
KPIS: dict[str, KpiScale] = {
    "csat": KpiScale(0.0, 1.0, True, 0.10),  # share answering 4 or 5
    "score100": KpiScale(0.0, 100.0, True, 10.0),  # weighted 100-point score
    "index": KpiScale(0.0, 100.0, True, 10.0),  # satisfaction index (PLS, 0-100)
    "nps": KpiScale(-100.0, 100.0, True, 20.0),
    "churn_rate": KpiScale(0.0, 1.0, False, 0.05),
    "response_hours": KpiScale(0.0, float("inf"), False, 12.0),
}


def _scale(kpi: str) -> KpiScale:
    try:
        return KPIS[kpi]
    except KeyError:
        raise InputError(
            _("Unknown KPI {kpi}; use one of {kpis}.", kpi=kpi, kpis=", ".join(KPIS))
        ) from None


def check_target(kpi: str, value: float) -> float:
    """Return ``value`` if it lies on the KPI's scale, else raise a clear error."""
    s = _scale(kpi)
    v = float(value)
    if not s.low <= v <= s.high or np.isnan(v):
        raise InputError(
            _(
                "Target {value} for {kpi} is outside its scale {low} to {high}.",
                value=value,
                kpi=kpi,
                low=s.low,
                high=s.high,
            )
        )
    return v


def propose_targets(
    segments: pd.DataFrame,
    *,
    kpi: str,
    current: float,
    headroom: float | None = None,
    levels: tuple[str, str, str] = ("premium", "standard", "basic"),
) -> pd.DataFrame:
    """Propose one target per segment from its net value per customer.

    Input columns: ``segment``, ``profit_per_customer`` and optionally ``cost_to_serve``
    (per customer; 0 when absent). How:

    1. Net value per customer ``v_s = profit_s − cost_to_serve_s``; value index
       ``w_s = clip(v_s / max_s v_s, 0, 1)`` (the most valuable segment has 1).
    2. Floor = ``current`` (today's overall actual: no segment should fall below today's
       level — the "good enough" service of the other 80 %); ceiling = ``current ±
       headroom``, kept on the scale. The default headroom is the KPI's step (e.g. +10
       points CSAT) but at most half the distance left to the end of the scale: at 95 %
       CSAT the most valuable segment is asked for 97.5 %, never for 100 % — no firm can
       satisfy every customer fully at any cost (DOMAIN.md §1).
    3. ``target_s = floor + (ceiling − floor) · w_s``: the more a segment earns net of its
       cost to serve, the more of the headroom it is asked (and funded) to reach.
    4. Service level: ``w ≥ 0.5`` premium, ``0.1 ≤ w < 0.5`` standard, else basic.
    """
    s = _scale(kpi)
    check_target(kpi, current)
    if headroom is None:
        room = (s.high - current) if s.higher_is_better else (current - s.low)
        step = min(s.step, 0.5 * room)
    else:
        step = float(headroom)
    if step < 0:
        raise InputError(_("Headroom must not be negative."))
    net = pd.to_numeric(segments["profit_per_customer"], errors="coerce").fillna(0.0)
    if "cost_to_serve" in segments:
        net = net - pd.to_numeric(segments["cost_to_serve"], errors="coerce").fillna(0.0)
    top = float(net.max()) if len(net) else 0.0
    w = (net / top).clip(0, 1) if top > 0 else net * 0.0
    ceiling = min(current + step, s.high) if s.higher_is_better else max(current - step, s.low)
    target = current + (ceiling - current) * w
    level = np.where(w >= 0.5, levels[0], np.where(w >= 0.1, levels[1], levels[2]))
    return pd.DataFrame(
        {
            "segment": segments["segment"].to_numpy(),
            "kpi": kpi,
            "net_value_per_customer": net.to_numpy(),
            "value_index": w.to_numpy(),
            "target": target.to_numpy(),
            "service_level": level,
        }
    )


def compare_to_targets(
    actuals: pd.DataFrame, targets: pd.DataFrame, *, min_n: int = 30
) -> pd.DataFrame:
    """Judge each actual against its target, honest about uncertainty.

    ``actuals``: ``segment, kpi, wave, value, ci_low, ci_high, n``; ``targets``:
    ``segment, kpi, target`` (optionally ``wave`` for a wave-specific target, which wins
    over a general one). Status, for a higher-is-better KPI (mirrored for lower-is-better):

    - ``too few answers`` when ``n < min_n``; ``no data`` when there is no actual;
    - ``met`` when ``value ≥ target``;
    - ``within uncertainty`` when ``value < target ≤ ci_high`` (the gap is inside the CI);
    - ``missed`` when the whole interval lies below the target.
    """
    t = targets.copy()
    if "wave" not in t:
        t["wave"] = None
    general = t[t["wave"].isna()].drop(columns="wave")
    specific = t[t["wave"].notna()]
    a = actuals.copy()
    out = a.merge(general, on=["segment", "kpi"], how="left")
    if not specific.empty:
        sp = a.merge(specific, on=["segment", "kpi", "wave"], how="left")["target"]
        out["target"] = sp.fillna(out["target"]).to_numpy()
    higher = out["kpi"].map(lambda k: _scale(k).higher_is_better).to_numpy(dtype=bool)
    v, lo, hi = (out[c].to_numpy(dtype=float) for c in ("value", "ci_low", "ci_high"))
    tgt = out["target"].to_numpy(dtype=float)
    n = out["n"].fillna(0).to_numpy(dtype=float)
    met = np.where(higher, v >= tgt, v <= tgt)
    within = np.where(higher, hi >= tgt, lo <= tgt)
    status = np.where(met, "met", np.where(within, "within uncertainty", "missed"))
    # A suppressed actual (NaN from fewer than min_n answers) still reads "too few answers".
    status = np.where((n < min_n) | np.isnan(v), "too few answers", status)
    status = np.where(n == 0, "no data", status)
    status = np.where(np.isnan(tgt), "no target", status)
    out["gap"] = v - tgt
    out["status"] = status
    return out


def trend(actuals: pd.DataFrame, *, wave_order: str = "wave") -> pd.DataFrame:
    """Change across waves per segment and KPI: ``change`` from the previous wave and
    whether it exceeds noise (``|Δ| > 1.96 √(se₁² + se₂²)``, each ``se`` taken as
    CI width / 3.92), and the least-squares ``slope`` per wave over all waves."""
    df = actuals.sort_values(wave_order).copy()
    df["se"] = (df["ci_high"] - df["ci_low"]) / 3.92
    g = df.groupby(["segment", "kpi"], sort=False)
    df["previous"] = g["value"].shift(1)
    df["change"] = df["value"] - df["previous"]
    se_diff = np.sqrt(df["se"] ** 2 + g["se"].shift(1) ** 2)
    df["significant"] = (df["change"].abs() > 1.96 * se_diff) & df["previous"].notna()

    def _slope(s: pd.Series) -> float:
        y = s.to_numpy(dtype=float)
        ok = ~np.isnan(y)
        if ok.sum() < 2:
            return float("nan")
        x = np.arange(len(y))[ok]
        return float(np.polyfit(x, y[ok], 1)[0])

    slopes = g["value"].apply(_slope).rename("slope").reset_index()
    return df.drop(columns="se").merge(slopes, on=["segment", "kpi"], how="left")
