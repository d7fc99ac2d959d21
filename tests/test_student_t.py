"""Student's t quantile and two-sided p without scipy (``cxm.analytics._student_t``), and the
PLS bootstrap's normal distribution functions, against scipy and against 50-digit (or, in a
far tail, 400-digit) decimal arithmetic."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal, localcontext

import numpy as np
import pytest
from scipy import special

from cxm.analytics._intervals import normal_cdf, normal_ppf, t_interval
from cxm.analytics._student_t import t_quantile, t_two_sided_p
from cxm.analytics.pls._intervals import t_and_p

CONFIDENCES = (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9999)
DFS = [*range(1, 301), 499, 500, 999, 1000, 4095, 4096, 10_001, 65_536, 99_999, 100_000]


@pytest.mark.parametrize("confidence", CONFIDENCES)
def test_it_agrees_with_scipy(confidence: float) -> None:
    p = 0.5 + confidence / 2
    df = np.array(DFS, dtype=float)
    ours = t_quantile(df, p)
    theirs = special.stdtrit(df, p)  # the reference: scipy.special.stdtrit(df, p)
    # scipy's own error reaches 7e-15 at small df (see the decimal test below)
    np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=0)


def _decimal_central(t: Decimal, df: int) -> Decimal:
    """P(|T| < t) for an even df (A&S 26.7.4), every step in decimal."""
    cos2 = Decimal(df) / (df + t * t)
    total, term = Decimal(0), Decimal(1)
    for k in range(df // 2):
        if k:
            term = term * (2 * k - 1) / (2 * k) * cos2
        total += term
    return t / (df + t * t).sqrt() * total


@pytest.mark.parametrize(
    ("df", "p"), [(4, 0.505), (6, 0.975), (6, 0.995), (100, 0.975), (5000, 0.9995)]
)
def test_it_is_the_correctly_rounded_quantile(df: int, p: float) -> None:
    ours = float(t_quantile(np.array([float(df)]), p)[0])
    with localcontext() as ctx:
        ctx.prec = 50
        target = 2 * Decimal(p) - 1
        t = Decimal(ours)
        for _ in range(3):  # Newton in decimal from our answer, derivative by differences
            h = Decimal("1e-30")
            slope = (_decimal_central(t + h, df) - _decimal_central(t - h, df)) / (2 * h)
            t -= (_decimal_central(t, df) - target) / slope
        assert abs((Decimal(ours) - t) / t) < Decimal("2.5e-16")  # within one unit


def test_it_passes_nan_through_and_leaves_the_rest_to_scipy() -> None:
    df = np.array([[np.nan, 1.0, 2.5], [250_000.0, 29.0, np.nan]])
    ours = t_quantile(df, 0.975)
    assert np.isnan(ours[0, 0]) and np.isnan(ours[1, 2])
    # a fractional or very large df is scipy's own answer, bit for bit
    assert ours[0, 2] == special.stdtrit(2.5, 0.975)
    assert ours[1, 0] == special.stdtrit(250_000.0, 0.975)
    assert ours[0, 1] == pytest.approx(12.706204736174707, rel=1e-15)


def test_a_t_interval_does_not_import_scipy() -> None:
    code = (
        "import sys, numpy as np\n"
        "from cxm.analytics._intervals import t_interval\n"
        "low, high = t_interval(np.array([3.0]), np.array([0.1]), np.array([40.0]), 0.95)\n"
        "assert 'scipy' not in sys.modules, 'scipy imported'\n"
        "print(low[0], high[0])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    low, high = t_interval(np.array([3.0]), np.array([0.1]), np.array([40.0]), 0.95)
    assert done.stdout.split() == [repr(float(low[0])), repr(float(high[0]))]


def _decimal_two_sided_p(t: float, df: int, digits: int) -> float:
    """P(|T| > t) = 1 − A(t|ν) for an even df (A&S 26.7.4), every step in decimal."""
    with localcontext() as ctx:
        ctx.prec = digits
        return float(1 - _decimal_central(Decimal(t), df))


@pytest.mark.parametrize("df", [2, 20, 100, 310, 1000, 10_000, 100_000])
def test_the_two_sided_p_agrees_with_decimal_arithmetic(df: int) -> None:
    for t in (0.3, 1.0, 1.96, 2.0, 3.5, 5.0, 8.0, 30.0):
        # 400 digits where p is tiny: 1 − A cancels that many
        exact = _decimal_two_sided_p(t, df, 400 if t > 5 else 60)
        ours = float(t_two_sided_p([t], df)[0])
        assert ours == pytest.approx(exact, rel=5e-15, abs=0), (df, t)


def test_the_two_sided_p_agrees_with_scipy_and_the_cauchy_case() -> None:
    t = np.concatenate([np.linspace(0, 10, 401), [12.0, 20.0, 50.0, 80.0, 1e-3]])
    for df in (1, 3, 7, 29, 99, 309, 999, 4096, 9999, 65_536, 999_999):
        ours = t_two_sided_p(-t, df)  # the sign of t does not matter
        theirs = 2 * special.stdtr(df, -t)  # the reference: scipy.special.stdtr
        tiny = theirs < 1e-300
        assert (ours[tiny] < 1e-290).all()
        # scipy itself strays by 1e-13 in a far tail (against 400-digit decimals, above)
        np.testing.assert_allclose(ours[~tiny], theirs[~tiny], rtol=2e-13, atol=0)
    # ν = 1 is Cauchy's: p = 2/π · arctan(1/t) (scipy is 3e-9 off at t = 1e-8)
    for v in (1e-8, 0.5, 2.0, 10.0, 1e6):
        assert t_two_sided_p([v], 1)[0] == pytest.approx(2 / np.pi * np.arctan(1 / v), rel=1e-15)
    edge = t_two_sided_p([0.0, np.inf, -np.inf, np.nan], 12)
    assert edge[0] == 1.0 and edge[1] == 0.0 and edge[2] == 0.0 and np.isnan(edge[3])


def test_the_bootstraps_normal_functions_agree_with_scipy() -> None:
    x = np.linspace(-8, 8, 1601)
    # math.erfc and cephes part by 1e-14 at x = −8 (p ≈ 6e-16); BCa works between 1e-4 and 1 − 1e-4
    np.testing.assert_allclose(normal_cdf(x), special.ndtr(x), rtol=5e-14, atol=0)
    p = np.concatenate([np.linspace(1e-6, 1 - 1e-6, 2001), [1e-300, 1e-20, 0.025, 0.975]])
    np.testing.assert_allclose(normal_ppf(p), special.ndtri(p), rtol=1e-14, atol=1e-16)
    assert list(normal_ppf(np.array([0.0, 1.0]))) == [-np.inf, np.inf]
    assert np.isnan(normal_ppf(np.array([np.nan, 1.5]))).all()
    est, se = np.array([0.4, 0.0, 1.0]), np.array([0.1, 0.0, np.inf])
    t, p = t_and_p(est, se, 309)
    assert p[0] == pytest.approx(2 * special.stdtr(309, -4.0), rel=1e-13)
    assert np.isnan(t[1]) and np.isnan(p[1]) and t[2] == 0.0 and p[2] == 1.0


def test_a_bootstrap_does_not_import_scipy() -> None:
    code = (
        "import sys, numpy as np, pandas as pd\n"
        "from cxm.analytics.pls import PLSPM, load_template\n"
        "from cxm.analytics.pls.simulate import simulate\n"
        "spec = load_template('ecsi')\n"
        "fit = PLSPM(spec).fit(simulate(spec, 300, seed=3))\n"
        "fit.bootstrap(50, seed=1)\n"
        "assert 'scipy' not in sys.modules, 'scipy imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
