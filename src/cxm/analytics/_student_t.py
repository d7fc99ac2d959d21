"""Student's t quantile without importing scipy (private to the interval helpers).

Importing ``scipy.special`` costs a command a third of a second; every score with a mean
needs ``t_{ν}(p)``, and ν is always a whole number there (answers − 1). For a whole ν the
central probability ``A(t|ν) = P(|T| < t)`` is a finite sum (Abramowitz & Stegun 26.7.3–4),
with ``θ = arctan(t/√ν)`` and ``cos²θ = ν/(ν + t²)``:

- ν odd: ``A = 2/π · (θ + sinθ cosθ · Σ_{k=0}^{(ν−3)/2} d_k cos^{2k}θ)``,
  ``d_k = (2·4···2k)/(3·5···(2k+1))`` (for ν = 1, ``A = 2θ/π``);
- ν even: ``A = sinθ · Σ_{k=0}^{ν/2−1} c_k cos^{2k}θ``, ``c_k = (1·3···(2k−1))/(2·4···2k)``.

Every term is positive, so nothing cancels. The sum is taken in long double (64-bit
mantissa) with ``cos^{2k}θ = exp(−k·log1p(t²/ν))`` — computing ``cos²θ`` first and raising
it to the k-th power would multiply its rounding error by k — and Newton's method solves
``A(t) = 2p − 1`` from the normal quantile (below the root: A is concave for t > 0, so the
iterates rise to it). Checked against 50-digit decimal arithmetic, the result is the
correctly rounded quantile; ``scipy.special.stdtrit`` agrees within 1e-14 relative (it is
itself up to 7e-15 off at small ν) — ``tests/test_student_t.py``. Where this does not apply
(a fractional or huge ν, a platform whose long double is a plain double) scipy answers.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

__all__ = ["t_quantile"]

_LD = np.longdouble
#: Whether long double carries more precision than double (x86-64 Linux: 64-bit mantissa).
_EXTENDED = np.finfo(_LD).eps < 1e-18
_PI = 4 * np.arctan(_LD(1))
#: Above this ν the sum has ν/2 terms to evaluate per step: scipy is the quicker then.
_MAX_DF = 100_000


def _coefficients(df: int) -> npt.NDArray[np.longdouble]:
    """``c_k`` (ν even) or ``d_k`` (ν odd), k = 0, 1, …"""
    if df % 2 == 0:
        j = np.arange(1, df // 2, dtype=_LD)
        ratios = (2 * j - 1) / (2 * j)
    else:
        j = np.arange(1, (df - 1) // 2, dtype=_LD)
        ratios = (2 * j) / (2 * j + 1)
    if df == 1:
        return np.zeros(0, dtype=_LD)
    return np.concatenate([np.ones(1, dtype=_LD), np.cumprod(ratios)])


def _upper_quantile(df: int, p: float) -> float | None:
    """``t`` with ``P(T ≤ t) = p`` for whole ``df`` and ½ < p < 1, or None (not converged)."""
    nu = _LD(df)
    target = 2 * _LD(p) - 1
    coef = _coefficients(df)
    powers = np.arange(len(coef), dtype=_LD)
    # the density's constant Γ((ν+1)/2) / (√(νπ) Γ(ν/2)): only the step size depends on it
    norm = _LD(math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2))) / np.sqrt(nu * _PI)
    t = _LD(NormalDist().inv_cdf(p))
    last = None
    for _ in range(200):
        log_cos2 = -np.log1p(t * t / nu)
        total = np.sum(coef * np.exp(powers * log_cos2)) if len(coef) else _LD(0)
        if df % 2 == 0:
            central = t / np.sqrt(nu + t * t) * total
        else:
            theta = np.arctan(t / np.sqrt(nu))
            central = 2 / _PI * (theta + t * np.sqrt(nu) / (nu + t * t) * total)
        density = norm * np.exp((nu + 1) / 2 * log_cos2)
        step = (target - central) / (2 * density)
        t = t + step
        size = abs(step)
        # done when the step is far below a double's resolution, or when it stops
        # shrinking within two units of it (the rounding of the sum: a far tail, small ν)
        if size <= abs(t) * _LD(1e-18) or (
            last is not None and last <= size <= abs(t) * _LD(4e-16)
        ):
            return float(t)
        last = size
    return None


def t_quantile(df: npt.NDArray[np.float64], p: float) -> npt.NDArray[np.float64]:
    """``scipy.special.stdtrit(df, p)``: the ``p`` quantile of Student's t with ``df``
    degrees of freedom, elementwise; NaN where ``df`` is NaN."""
    values = np.asarray(df, dtype=float)
    out = np.full(values.shape, np.nan)
    for nu in np.unique(values[~np.isnan(values)]).tolist():
        quantile = None
        if _EXTENDED and 0.5 < p < 1 and nu == int(nu) and 1 <= nu <= _MAX_DF:
            quantile = _upper_quantile(int(nu), p)
        if quantile is None:
            from scipy import special  # the rare case: see the module's docstring

            quantile = float(special.stdtrit(nu, p))
        out[values == nu] = quantile
    return out
