"""Bootstrap summaries: standard errors, t, p, percentile and BCa intervals.

The distribution functions do not import scipy (``scipy.special`` alone took a fifth of
``cxm analyze``'s whole process, more than the bootstrap's estimation): Student's t two-sided
p from :func:`cxm.analytics._student_t.t_two_sided_p` (``2·scipy.special.stdtr(ν, −|t|)``,
checked there against 50-digit arithmetic), the normal distribution from
:func:`cxm.analytics._intervals.normal_cdf` and ``normal_ppf`` (what ``scipy.special.ndtr``
and ``ndtri`` compute).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from cxm.analytics._intervals import normal_cdf, normal_ppf
from cxm.analytics._student_t import t_two_sided_p

__all__ = ["bca_interval", "percentile_interval", "t_and_p"]

Array = npt.NDArray[np.float64]


def t_and_p(estimate: Array, se: Array, df: int) -> tuple[Array, Array]:
    """t = estimate / se and its two-sided p from Student's t with ``df`` degrees of freedom
    (NaN where the bootstrap shows no variation)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, estimate / se, np.nan)
    p = np.where(np.isnan(t), np.nan, t_two_sided_p(np.nan_to_num(t), df))
    return t, p


def percentile_interval(draws: Array, level: float) -> tuple[Array, Array]:
    """Quantiles (1−level)/2 and (1+level)/2 of each column (linear, R type 7)."""
    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=0, method="linear")
    return lo, hi


def bca_interval(
    draws: Array, estimate: Array, jackknife: Array, level: float
) -> tuple[Array, Array]:
    """Bias-corrected and accelerated interval (Efron 1987; Efron & Tibshirani 1993, §14.3).

    Notes
    -----
    .. math::
        \\hat z_0 = \\Phi^{-1}\\bigl(\\#\\{\\theta^*_b < \\hat\\theta\\}/B\\bigr),\\qquad
        \\hat a = \\frac{\\sum(\\bar\\theta_{(\\cdot)} - \\theta_{(g)})^3}
                       {6\\,[\\sum(\\bar\\theta_{(\\cdot)} - \\theta_{(g)})^2]^{3/2}}

    and the bounds are the bootstrap quantiles at
    :math:`\\Phi(\\hat z_0 + (\\hat z_0 + z_\\alpha)/(1 - \\hat a(\\hat z_0 + z_\\alpha)))`.
    ``jackknife`` holds the leave-one-out (or leave-group-out) estimates, groups × params.
    Ties count one half; the bias proportion is kept within [1/(2B), 1 − 1/(2B)].
    """
    b = draws.shape[0]
    below = (draws < estimate).sum(axis=0) + 0.5 * (draws == estimate).sum(axis=0)
    prop = np.clip(below / b, 1 / (2 * b), 1 - 1 / (2 * b))
    z0 = normal_ppf(prop)
    dev = jackknife.mean(axis=0) - jackknife
    num = (dev**3).sum(axis=0)
    den = 6.0 * ((dev**2).sum(axis=0)) ** 1.5
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(den > 0, num / den, 0.0)
    bounds = []
    sorted_draws = np.sort(draws, axis=0)
    for q in ((1 - level) / 2, (1 + level) / 2):
        zq = z0 + normal_ppf(q)
        alpha = normal_cdf(z0 + zq / (1 - a * zq))
        alpha = np.clip(np.nan_to_num(alpha, nan=q), 0.0, 1.0)
        pos = alpha * (b - 1)
        lo_i = np.floor(pos).astype(int)
        hi_i = np.minimum(lo_i + 1, b - 1)
        frac = pos - lo_i
        cols = np.arange(draws.shape[1])
        bounds.append(sorted_draws[lo_i, cols] * (1 - frac) + sorted_draws[hi_i, cols] * frac)
    return bounds[0], bounds[1]
