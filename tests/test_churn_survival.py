"""Kaplan–Meier survival per group, checked against a published textbook example.

Reference: Freireich et al. (1963) remission times of leukaemia patients (6-MP vs placebo), as
worked in Kleinbaum & Klein, *Survival Analysis: A Self-Learning Text* (3rd ed., ch. 2):
6-MP group Ŝ(6)=0.857, Ŝ(7)=0.807, Ŝ(10)=0.753, Ŝ(13)=0.690, Ŝ(16)=0.627, Ŝ(22)=0.538,
Ŝ(23)=0.448, median 23 weeks; log-rank χ² = 16.79 (1 df) between the groups.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from cxm.analytics.churn import survival_curves
from cxm.errors import InputError

SIX_MP = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
SIX_MP_EVENT = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
PLACEBO = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.array(SIX_MP + PLACEBO, dtype=float)
    e = np.array(SIX_MP_EVENT + [1] * len(PLACEBO))
    g = np.array(["6-MP"] * 21 + ["placebo"] * 21, dtype=object)
    return d, e, g


def test_it_reproduces_the_textbook_kaplan_meier_curve() -> None:
    d, e, g = _data()
    fitted = survival_curves(d, e, g, at=(10, 23))
    curves, summary = fitted.curves, fitted.summary
    mp = curves[curves["group"] == "6-MP"].set_index("time")["survival"]
    published = {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}
    for t, s in published.items():
        assert mp.loc[t] == pytest.approx(s, abs=5e-4)
    row = summary.set_index("group").loc["6-MP"]
    assert row["median"] == 23 and row["customers"] == 21 and row["churned"] == 9
    assert row["S(10)"] == pytest.approx(0.753, abs=5e-4)
    assert summary.set_index("group").loc["placebo", "median"] == 8
    assert fitted.logrank_p == pytest.approx(stats.chi2.sf(16.79, 1), rel=0.02)


def test_a_curve_that_never_halves_has_no_median() -> None:
    fitted = survival_curves([5, 6, 7, 8], [0, 1, 0, 0])
    assert np.isnan(fitted.summary.loc[0, "median"])
    assert np.isnan(fitted.logrank_p)


def test_it_rejects_negative_or_missing_durations() -> None:
    with pytest.raises(InputError, match="Duration in row 2"):
        survival_curves([1.0, -2.0], [1, 0])
    with pytest.raises(InputError, match="Duration in row 1"):
        survival_curves([np.nan, 2.0], [1, 0])
