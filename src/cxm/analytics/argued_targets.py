"""Economically argued satisfaction targets per segment.

DOMAIN.md §1: a firm sets "a different satisfaction KPI target per segment, from that
segment's cost to serve and its profit", and the other 80 % still get good-enough service.
The target is where one more point of satisfaction stops paying for itself:

* **marginal value** of a point = the retention gained per point (the measured
  satisfaction → retention slope) × the value of keeping one customer (CLV, plus the rising
  customers' potential where known);
* **marginal cost** of a point = the slope of the segment's cost curve (cost per customer-year
  against the expected score of each service level; at least three levels);
* the target is the score where the two meet, within the curve's range, and never below the
  good-enough floor.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["MIN_CURVE_POINTS", "argued_targets"]

#: Fewest (service level, cost, expected score) points a segment's cost curve needs.
MIN_CURVE_POINTS = 3

_CURVE = ["segment", "service_level", "cost_per_customer_year", "expected_score"]
_ECON = ["segment", "clv", "retention_per_point"]


def _fit(curve: pd.DataFrame) -> tuple[float, float, float]:
    """Least-squares quadratic cost(s) = a + b·s + c·s² through the curve's points."""
    s = curve["expected_score"].to_numpy(dtype=float)
    y = curve["cost_per_customer_year"].to_numpy(dtype=float)
    c, b, a = np.polyfit(s, y, 2)
    return float(a), float(b), float(c)


def _target(curve: pd.DataFrame, value: float) -> float:
    a, b, c = _fit(curve)
    lo = float(curve["expected_score"].min())
    hi = float(curve["expected_score"].max())
    if c > 1e-12:  # convex: marginal cost b + 2cs rises, meets the marginal value once
        return float(np.clip((value - b) / (2 * c), lo, hi))
    grid = np.linspace(lo, hi, 401)  # not convex: best net value on the curve's range
    net = value * grid - (a + b * grid + c * grid**2)
    return float(grid[int(np.argmax(net))])


def argued_targets(
    curves: pd.DataFrame,
    economics: pd.DataFrame,
    *,
    floor: float,
) -> pd.DataFrame:
    """One argued target per segment.

    Parameters
    ----------
    curves : DataFrame
        ``segment``, ``service_level``, ``cost_per_customer_year``, ``expected_score``: at
        least :data:`MIN_CURVE_POINTS` rows with distinct scores per segment.
    economics : DataFrame
        ``segment``, ``clv`` (value of keeping one customer), ``retention_per_point``
        (rise in the retention probability per point of the score) and optionally
        ``potential`` (extra value of customers expected to grow).
    floor : float
        The good-enough level no segment's target goes below (today's level).

    Returns
    -------
    DataFrame
        ``segment``, ``marginal_value`` (per point), ``optimum`` (where marginal cost meets
        marginal value), ``target`` (the optimum, raised to the floor), ``floor_binding``,
        ``marginal_cost_at_target``, ``cost_at_target``, ``service_level`` (the cheapest
        level whose expected score reaches the target), ``rule`` (the reasoning in words).

    Notes
    -----
    cost(s) = a + b·s + c·s² by least squares; with c > 0 the optimum is
    ``s* = (MV − b) / 2c`` clipped to the curve's range, MV = retention_per_point ×
    (clv + potential). A higher cost curve lowers s*; a higher CLV raises it.
    """
    for frame, cols, what in ((curves, _CURVE, _("cost curve")), (economics, _ECON,
                                                                  _("economics"))):  # fmt: skip
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise InputError(
                _("The {what} needs columns {columns}.", what=what, columns=", ".join(missing))
            )
    econ = economics.set_index("segment")
    rows = []
    for segment, curve in curves.groupby("segment", sort=True):
        curve = curve.assign(
            expected_score=pd.to_numeric(curve["expected_score"], errors="coerce"),
            cost_per_customer_year=pd.to_numeric(curve["cost_per_customer_year"], errors="coerce"),
        ).dropna(subset=["expected_score", "cost_per_customer_year"])
        if curve["expected_score"].nunique() < MIN_CURVE_POINTS:
            raise InputError(
                _(
                    "Segment {segment} has {n} cost-curve points; an argued target needs at "
                    "least {min} (service level, cost per customer-year, expected score).",
                    segment=segment,
                    n=int(curve["expected_score"].nunique()),
                    min=MIN_CURVE_POINTS,
                )
            )
        if segment not in econ.index:
            raise InputError(_("Segment {segment} has no CLV or retention link.", segment=segment))
        record = econ.loc[[segment]].iloc[0].to_dict()
        e = {str(k): float(v) for k, v in record.items() if k != "segment"}
        potential = e.get("potential", 0.0)
        potential = 0.0 if np.isnan(potential) else potential
        value = e["retention_per_point"] * (e["clv"] + potential)
        optimum = _target(curve, value)
        target = max(optimum, float(floor))
        a, b, c = _fit(curve)
        reaching = curve[curve["expected_score"] >= target - 1e-9].sort_values(
            "cost_per_customer_year"
        )
        level = str(reaching["service_level"].iloc[0]) if len(reaching) else None
        rule = _(
            "One more point is worth {value} per customer (retention {slope} per point × value "
            "{clv}); the cost curve's extra cost per point reaches that at {optimum}; "
            "the target is {target}{floor_note}.",
            value=f"{value:.2f}",
            slope=f"{e['retention_per_point']:.4f}",
            clv=f"{e['clv'] + potential:.2f}",
            optimum=f"{optimum:.2f}",
            target=f"{target:.2f}",
            floor_note=_(" (raised to the good-enough floor)") if target > optimum else "",
        )
        rows.append(
            {
                "segment": segment,
                "marginal_value": value,
                "optimum": optimum,
                "target": target,
                "floor": float(floor),
                "floor_binding": target > optimum,
                "marginal_cost_at_target": b + 2 * c * target,
                "cost_at_target": a + b * target + c * target**2,
                "service_level": level,
                "rule": rule,
            }
        )
    return pd.DataFrame(rows)
