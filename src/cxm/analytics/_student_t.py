"""Student's t quantile and two-sided p without importing scipy (private to the interval
helpers and the PLS bootstrap).

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

The two-sided p, ``P(|T| > |t|) = I_x(ν/2, ½)`` with ``x = ν/(ν + t²)`` (A&S 26.7.1 and
26.5.27), is the regularised incomplete beta function by its continued fraction (A&S
26.5.8; modified Lentz, as in Numerical Recipes' ``betacf``), taken on the side of
``x ⋚ (a + 1)/(a + b + 2)`` where it converges, so a tiny p is computed directly and keeps
its relative precision. The prefactor needs ``ln B(ν/2, ½)``: for large ν the difference
``lnΓ(a + ½) − lnΓ(a)`` of two large numbers would lose ten digits through ``math.lgamma``,
so it comes from Stirling's series written as that difference. ``tests/test_student_t.py``
checks it against 50-digit decimal arithmetic and ``scipy.special.stdtr``.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

__all__ = ["t_quantile", "t_two_sided_p"]

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


#: Stirling's series of lnΓ(z) − ((z − ½) ln z − z + ½ ln 2π): B₂ₖ / (2k (2k − 1)), k = 1…7.
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156)


def _stirling_tail(z: float) -> float:
    return sum(c / z ** (2 * k + 1) for k, c in enumerate(_STIRLING))


def _log_gamma_half_step(a: float) -> float:
    """``lnΓ(a + ½) − lnΓ(a)``, to a double's precision also where both are large."""
    if a < 10:
        return math.lgamma(a + 0.5) - math.lgamma(a)
    # (a) ln(a + ½) − (a − ½) ln a − ½ = a·ln(1 + 1/(2a)) − ½ + ½ ln a, then the series
    return (
        (a * math.log1p(0.5 / a) - 0.5)
        + 0.5 * math.log(a)
        + (_stirling_tail(a + 0.5) - _stirling_tail(a))
    )


def _beta_fraction(x: npt.NDArray[np.longdouble], a: float, b: float) -> npt.NDArray[np.longdouble]:
    """The continued fraction of ``I_x(a, b)`` (A&S 26.5.8), elementwise, by modified Lentz,
    in long double: near ``x = (a + 1)/(a + b + 2)`` it takes hundreds of steps at a large
    ``a``, and a double's rounding would add up to 1e-12 of the result."""
    tiny = _LD(1e-300)
    la, lb = _LD(a), _LD(b)
    c = np.ones_like(x)
    d = 1 - (la + lb) * x / (la + 1)
    d = 1 / np.where(np.abs(d) < tiny, tiny, d)
    h = d.copy()
    active = np.ones(x.shape, dtype=bool)
    for m in range(1, 100_000):
        m2 = 2 * m
        for aa in (
            m * (lb - m) * x / ((la - 1 + m2) * (la + m2)),
            -(la + m) * (la + lb + m) * x / ((la + m2) * (la + 1 + m2)),
        ):
            d = 1 + aa * d
            d = 1 / np.where(np.abs(d) < tiny, tiny, d)
            c = 1 + aa / c
            c = np.where(np.abs(c) < tiny, tiny, c)
            delta = d * c
            h = np.where(active, h * delta, h)
        active &= np.abs(delta - 1) > _LD(1e-19)
        if not active.any():
            return h.astype(_LD)
    raise ArithmeticError("the incomplete beta fraction did not converge")  # pragma: no cover


def t_two_sided_p(t: npt.ArrayLike, df: float) -> npt.NDArray[np.float64]:
    """``2 · scipy.special.stdtr(df, −|t|)``: the two-sided p of Student's t statistics
    ``t`` with ``df`` degrees of freedom, elementwise; NaN where ``t`` is NaN."""
    values = np.abs(np.asarray(t, dtype=float))
    out = np.full(values.shape, np.nan)
    if not df > 0:
        return out
    out[values == 0] = 1.0
    out[np.isposinf(values)] = 0.0
    todo = np.isfinite(values) & (values > 0)
    if not todo.any():
        return out
    tt = values[todo]
    a, b = df / 2, 0.5
    t2 = tt.astype(_LD) ** 2
    nu = _LD(df)
    log_x = -np.log1p(t2 / nu)  # x = ν/(ν + t²)
    log_1mx = np.log(t2) - np.log(nu + t2)  # 1 − x = t²/(ν + t²)
    x = nu / (nu + t2)
    one_minus_x = t2 / (nu + t2)
    # ln B(a, ½) = lnΓ(½) − (lnΓ(a + ½) − lnΓ(a))
    log_beta = _LD(0.5 * math.log(math.pi) - _log_gamma_half_step(a))
    front = np.exp(_LD(a) * log_x + _LD(b) * log_1mx - log_beta)
    direct = x < _LD(a + 1) / _LD(a + b + 2)
    p = np.empty(tt.shape, dtype=_LD)
    if direct.any():
        p[direct] = front[direct] * _beta_fraction(x[direct], a, b) / a
    flip = ~direct
    if flip.any():
        p[flip] = 1 - front[flip] * _beta_fraction(one_minus_x[flip], b, a) / b
    out[todo] = np.clip(p.astype(float), 0.0, 1.0)
    return out
