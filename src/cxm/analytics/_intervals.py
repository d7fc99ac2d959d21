"""Vectorised confidence intervals and tests shared by the score modules (private)."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import numpy.typing as npt

__all__ = [
    "Array",
    "newcombe_difference",
    "t_interval",
    "wilson",
    "z_value",
]

Array = npt.NDArray[np.float64]


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile for ``confidence`` (0.95 → 1.95996…)."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)  # AS 241; scipy is slow to import


def wilson(successes: Array, n: Array, confidence: float) -> tuple[Array, Array]:
    """Wilson (1927) score interval; NaN where ``n == 0``.

    ``(p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)``; equals statsmodels
    ``proportion_confint(method="wilson")``.
    """
    z = z_value(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = successes / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return centre - half, centre + half


def t_interval(mean: Array, se: Array, n: Array, confidence: float) -> tuple[Array, Array]:
    """Student-t interval ``mean ± t_{n−1}·se``; NaN where ``n < 2``."""
    from scipy import special  # here, not at the top: importing scipy costs ``cxm`` 0.5 s

    with np.errstate(invalid="ignore"):
        df = np.where(n >= 2, n - 1, np.nan)
        t = special.stdtrit(df, 0.5 + confidence / 2)
    return mean - t * se, mean + t * se


def newcombe_difference(
    x1: Array, n1: Array, x2: Array, n2: Array, confidence: float
) -> tuple[Array, Array]:
    """Newcombe (1998, method 10) hybrid score interval for ``p2 − p1``.

    Built from the two Wilson intervals: lower ``d − √((p2−l2)² + (u1−p1)²)``, upper
    ``d + √((u2−p2)² + (p1−l1)²)``. Equals statsmodels ``confint_proportions_2indep(
    x2, n2, x1, n1, method="newcomb")``.
    """
    l1, u1 = wilson(x1, n1, confidence)
    l2, u2 = wilson(x2, n2, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1 = x1 / n1
        p2 = x2 / n2
    d = p2 - p1
    low = d - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return low, high
