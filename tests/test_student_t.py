"""Student's t quantile without scipy (``cxm.analytics._student_t``) against scipy and
against 50-digit decimal arithmetic."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal, localcontext

import numpy as np
import pytest
from scipy import special

from cxm.analytics._intervals import t_interval
from cxm.analytics._student_t import t_quantile

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
