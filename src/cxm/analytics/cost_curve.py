"""A cost curve fitted from measured pairs, and the argued targets it gives, with uncertainty.

Instead of a curve the firm types in, each measured pair is one segment's (or one period's)
cost to serve per customer-year and the satisfaction it achieved (the 100-point score with
its standard error). Service shows diminishing returns, so the score is modelled as rising
with the logarithm of what is spent::

    score = α + β · ln(cost)          (weighted least squares, weights 1 / se²)

which inverts to a convex cost curve ``cost(s) = exp((s − α) / β)`` with marginal cost
``cost(s) / β``. Where that marginal cost meets a segment's marginal value of one point
(MV = retention gained per point × (CLV + potential)) the optimum is closed-form::

    s* = α + β · ln(β · MV)

The uncertainty of α and β (their WLS covariance, scaled by the residual variance when the
pairs scatter more than their standard errors allow) is carried to each target by drawing
(α, β) from their normal sampling distribution: the 2.5 and 97.5 percentiles of the drawn
targets are the target's 95 % interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["MIN_PAIRS", "CostCurveFit", "fit_cost_curve", "fitted_targets"]

#: Fewest measured pairs (with distinct costs) a fitted curve needs.
MIN_PAIRS = 3


@dataclass(frozen=True)
class CostCurveFit:
    """``score = alpha + beta · ln(cost)``; ``cov`` is the 2×2 covariance of (α, β)."""

    alpha: float
    beta: float
    cov: tuple[tuple[float, float], tuple[float, float]]
    n_pairs: int
    r_squared: float
    cost_range: tuple[float, float]
    score_range: tuple[float, float]

    @property
    def se_alpha(self) -> float:
        return float(np.sqrt(self.cov[0][0]))

    @property
    def se_beta(self) -> float:
        return float(np.sqrt(self.cov[1][1]))

    def cost_at(self, score: float | np.ndarray) -> np.ndarray:
        return np.asarray(np.exp((np.asarray(score) - self.alpha) / self.beta))

    def score_at(self, cost: float | np.ndarray) -> np.ndarray:
        return np.asarray(self.alpha + self.beta * np.log(np.asarray(cost, dtype=float)))


def fit_cost_curve(
    pairs: pd.DataFrame,
    *,
    cost: str = "cost_per_customer_year",
    score: str = "score",
    se: str | None = "se",
) -> CostCurveFit:
    """Fit ``score = α + β ln(cost)`` to measured pairs by weighted least squares.

    Parameters
    ----------
    pairs : DataFrame
        One row per measured pair: ``cost`` (> 0) and ``score``; ``se`` the score's standard
        error (weights 1/se²; equal weights without it).

    Raises
    ------
    InputError
        Fewer than :data:`MIN_PAIRS` pairs with distinct positive costs, or a curve on which
        more spending does not raise the score (β ≤ 0): no economic target can be argued.

    Notes
    -----
    Checked against ``statsmodels.api.WLS(score, [1, ln cost], weights=1/se**2)``: the same
    coefficients, and the same covariance (``cov_params()``, which scales by the residual
    variance); here the scale is never taken below 1, since the pairs' own standard errors
    already bound how precisely they are known.
    """
    for col in (cost, score):
        if col not in pairs.columns:
            raise InputError(_("The measured pairs need a column {column}.", column=col))
    x = pd.to_numeric(pairs[cost], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(pairs[score], errors="coerce").to_numpy(dtype=float)
    if se is not None and se in pairs.columns:
        s = pd.to_numeric(pairs[se], errors="coerce").to_numpy(dtype=float)
    else:
        s = np.ones(len(x))
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(s) & (x > 0) & (s > 0)
    x, y, s = x[ok], y[ok], s[ok]
    if len(np.unique(x)) < MIN_PAIRS:
        raise InputError(
            _(
                "A fitted cost curve needs at least {min} measured pairs with different costs "
                "to serve (cost per customer-year > 0, score); found {n}. Give each segment a "
                "service level with its cost to serve, or supply the curve with --curve.",
                min=MIN_PAIRS,
                n=len(np.unique(x)),
            )
        )
    w = 1.0 / s**2
    design = np.column_stack([np.ones(len(x)), np.log(x)])
    xtw = design.T * w
    xtwx_inv = np.linalg.inv(xtw @ design)
    coef = xtwx_inv @ (xtw @ y)
    resid = y - design @ coef
    dof = len(x) - 2
    scale = float(np.sum(w * resid**2) / dof) if dof > 0 else 1.0
    cov = xtwx_inv * max(scale, 1.0)
    alpha, beta = float(coef[0]), float(coef[1])
    if beta <= 0:
        raise InputError(
            _(
                "In the measured pairs a higher cost to serve does not go with a higher "
                "score (slope {beta} points per log unit of cost): no target can be argued "
                "from them. Supply a cost curve with --curve.",
                beta=f"{beta:.2f}",
            )
        )
    ybar = float(np.sum(w * y) / np.sum(w))
    total = float(np.sum(w * (y - ybar) ** 2))
    r2 = 1.0 - float(np.sum(w * resid**2)) / total if total > 0 else 0.0
    return CostCurveFit(
        alpha=alpha,
        beta=beta,
        cov=((float(cov[0, 0]), float(cov[0, 1])), (float(cov[1, 0]), float(cov[1, 1]))),
        n_pairs=len(x),
        r_squared=r2,
        cost_range=(float(x.min()), float(x.max())),
        score_range=(float(y.min()), float(y.max())),
    )


def _optimum(alpha: np.ndarray, beta: np.ndarray, value: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(alpha + beta * np.log(beta * value))


def fitted_targets(
    fit: CostCurveFit,
    economics: pd.DataFrame,
    *,
    floor: float,
    draws: int = 4000,
    seed: int = 0,
) -> pd.DataFrame:
    """Argued target per segment on a fitted curve, with its 95 % interval.

    ``economics``: ``segment``, ``clv``, ``retention_per_point`` and optionally
    ``potential``. Returns ``segment``, ``marginal_value``, ``optimum``, ``optimum_low``,
    ``optimum_high``, ``target`` (never below ``floor`` nor above 100), ``floor_binding``,
    ``cost_at_target``, ``marginal_cost_at_target``, ``extrapolated`` (the target lies
    outside the measured scores) and ``rule`` (the reasoning in words).
    """
    rng = np.random.default_rng(seed)
    mean = np.array([fit.alpha, fit.beta])
    sample = rng.multivariate_normal(mean, np.array(fit.cov), size=draws)
    sample = sample[sample[:, 1] > 0]  # a draw where spending lowers the score has no optimum
    rows = []
    for rec in economics.to_dict("records"):
        potential = float(rec.get("potential") or 0.0)
        potential = 0.0 if np.isnan(potential) else potential
        value = float(rec["retention_per_point"]) * (float(rec["clv"]) + potential)
        if value <= 0:
            optimum = lo = hi = -np.inf
        else:
            optimum = float(_optimum(np.array(fit.alpha), np.array(fit.beta), value))
            drawn = _optimum(sample[:, 0], sample[:, 1], value)
            lo, hi = (float(v) for v in np.percentile(drawn, [2.5, 97.5]))
        target = float(min(max(optimum, floor), 100.0))
        extrapolated = not (fit.score_range[0] <= target <= fit.score_range[1])
        cost_at = float(fit.cost_at(target))
        rows.append(
            {
                "segment": rec["segment"],
                "marginal_value": value,
                "optimum": optimum,
                "optimum_low": lo,
                "optimum_high": hi,
                "target": target,
                "floor": float(floor),
                "floor_binding": target > optimum,
                "cost_at_target": cost_at,
                "marginal_cost_at_target": cost_at / fit.beta,
                "extrapolated": extrapolated,
                "rule": _(
                    "Measured: score = {alpha} + {beta} × ln(cost per customer-year) over "
                    "{n} pairs. One more point is worth {value} per customer; one more point "
                    "costs that much at {optimum} (95 % interval {low} to {high}); the target "
                    "is {target}{floor_note}.",
                    alpha=f"{fit.alpha:.1f}",
                    beta=f"{fit.beta:.2f}",
                    n=fit.n_pairs,
                    value=f"{value:.2f}",
                    optimum=f"{optimum:.1f}",
                    low=f"{lo:.1f}",
                    high=f"{hi:.1f}",
                    target=f"{target:.1f}",
                    floor_note=_(" (raised to the good-enough floor)") if target > optimum else "",
                ),
            }
        )
    return pd.DataFrame(rows)
