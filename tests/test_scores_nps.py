"""NPS and the customer effort score, pinned to hand-computed examples and statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from cxm.analytics.scores_nps import effort_score, nps


def test_nps_and_its_interval_match_a_hand_computed_example() -> None:
    # 50 promoters, 30 passives, 20 detractors out of 100:
    # NPS = 100·(.5 − .2) = 30; var = p + d − (p − d)² = .5 + .2 − .09 = .61;
    # SE = 100·√(.61/100) = 7.81025; 95 % CI = 30 ± 1.959964·7.8102 = (14.6922, 45.3078).
    df = pd.DataFrame({"rec": [10] * 30 + [9] * 20 + [8] * 15 + [7] * 15 + [5] * 12 + [0] * 8})
    row = nps(df, ["rec"]).iloc[0]
    assert row["nps"] == pytest.approx(30.0)
    assert row["se"] == pytest.approx(100 * math.sqrt(0.61 / 100))
    assert row["ci_low"] == pytest.approx(14.6922, abs=1e-4)
    assert row["ci_high"] == pytest.approx(45.3078, abs=1e-4)
    assert (row["promoters"], row["passives"], row["detractors"]) == pytest.approx((0.5, 0.3, 0.2))


def test_nps_per_group_leaves_dont_know_out() -> None:
    df = pd.DataFrame({"seg": list("aaaabbbb"), "rec": [10, 9, 0, 99, 6, 6, 8, 10]})
    out = nps(df, ["rec"], by="seg", dont_know=99, min_n=1).set_index("seg")
    assert out.loc["a", "n"] == 3 and out.loc["a", "n_dont_know"] == 1
    assert out.loc["a", "nps"] == pytest.approx(100 * (2 / 3 - 1 / 3))
    assert out.loc["b", "nps"] == pytest.approx(100 * (1 / 4 - 2 / 4))


def test_nps_interval_stays_within_bounds() -> None:
    df = pd.DataFrame({"rec": [10] * 31})
    row = nps(df, ["rec"]).iloc[0]
    assert row["nps"] == 100 and row["ci_high"] <= 100


def test_effort_score_mean_and_low_effort_share() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(1, 8, size=200)
    row = effort_score(pd.DataFrame({"ces": x}), ["ces"]).iloc[0]
    hits = int((x >= 5).sum())
    assert row["mean"] == pytest.approx(x.mean())
    assert row["low_effort"] == pytest.approx(hits / 200)
    # Reference: statsmodels proportion_confint(method="wilson")
    lo, hi = proportion_confint(hits, 200, method="wilson")
    assert (row["low_effort_ci_low"], row["low_effort_ci_high"]) == pytest.approx((lo, hi))
    old = effort_score(pd.DataFrame({"ces": x}), ["ces"], low_effort=(1, 2, 3)).iloc[0]
    assert old["low_effort"] == pytest.approx((x <= 3).mean())
