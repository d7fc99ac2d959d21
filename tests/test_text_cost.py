"""What themes cost: lift by logistic regression, emerging themes, fault shares."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cxm.text.cost import emerging_themes, fault_share, theme_frequency, theme_lift


def test_lift_without_segments_is_the_two_by_two_odds_ratio_with_woolfs_interval() -> None:
    # a = with theme & detractor, b = with theme & not, c = without & detractor, d = without & not
    a, b, c, d = 30, 20, 40, 110
    rows = [(("wait",), 1)] * a + [(("wait",), 0)] * b + [((), 1)] * c + [((), 0)] * d
    frame = pd.DataFrame(rows, columns=["themes", "detractor"])
    lift = theme_lift(frame, outcome="detractor", segment=None).set_index("theme").loc["wait"]
    odds = (a * d) / (b * c)
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)  # Woolf (1955)
    assert lift["odds_ratio"] == pytest.approx(odds, rel=1e-6)
    assert lift["ci_low"] == pytest.approx(odds * math.exp(-1.959964 * se), rel=1e-5)
    assert lift["ci_high"] == pytest.approx(odds * math.exp(1.959964 * se), rel=1e-5)
    assert lift["rate_with"] == pytest.approx(a / (a + b))


def _planted(n: int = 4000, seed: int = 5) -> tuple[pd.DataFrame, float]:
    """Segments differ in base rate AND in how often they mention 'wait': a naive lift would
    be confounded. The planted effect of 'wait' on the log-odds is 0.9; 'decor' has none."""
    rng = np.random.default_rng(seed)
    segment = rng.choice(["gold", "silver", "bronze"], n)
    base = pd.Series(segment).map({"gold": -2.0, "silver": -1.0, "bronze": 0.0}).to_numpy()
    wait = rng.random(n) < np.where(segment == "bronze", 0.5, 0.2)
    decor = rng.random(n) < 0.3
    beta = 0.9
    y = rng.random(n) < 1 / (1 + np.exp(-(base + beta * wait)))
    themes = [
        tuple(t for t, on in (("wait", w), ("decor", dc)) if on)
        for w, dc in zip(wait, decor, strict=True)
    ]
    return pd.DataFrame({"themes": themes, "segment": segment, "detractor": y.astype(int)}), beta


def test_a_planted_lift_is_recovered_within_its_interval_and_a_neutral_theme_shows_none() -> None:
    frame, beta = _planted()
    lift = theme_lift(frame, outcome="detractor", segment="segment").set_index("theme")
    assert lift.loc["wait", "ci_low"] <= math.exp(beta) <= lift.loc["wait", "ci_high"]
    assert lift.loc["wait", "ci_low"] > 1
    assert lift.loc["decor", "ci_low"] <= 1 <= lift.loc["decor", "ci_high"]


def test_a_rare_theme_gets_no_estimate() -> None:
    frame = pd.DataFrame({"themes": [("x",)] * 3 + [()] * 50, "detractor": [1] * 20 + [0] * 33})
    row = theme_lift(frame, outcome="detractor", segment=None).iloc[0]
    assert row["note"] == "too_few" and math.isnan(row["odds_ratio"])


def test_a_theme_rising_beyond_chance_is_emerging_and_a_stable_one_is_not() -> None:
    rng = np.random.default_rng(2)
    rows = []
    for wave, p_app in (("2026Q1", 0.05), ("2026Q2", 0.15)):
        for _ in range(1000):
            themes = tuple(t for t, p in (("app", p_app), ("price", 0.2)) if rng.random() < p)
            rows.append({"wave": wave, "themes": themes})
    out = emerging_themes(pd.DataFrame(rows)).set_index("theme")
    assert bool(out.loc["app", "emerging"])
    assert not bool(out.loc["price", "emerging"])


def test_fault_shares_of_churned_and_retained_customers() -> None:
    frame = pd.DataFrame(
        {
            "faults": [("indifference",), ("indifference", "coldness"), ("runaround",), ()],
            "churned": [1, 1, 0, 0],
        }
    )
    out = fault_share(frame).set_index("fault")
    assert out.loc["indifference", "churned_share"] == pytest.approx(2 / 3)
    assert out.loc["runaround", "retained_share"] == 1.0
    assert out.loc["indifference", "document_share"] == 0.68


def test_frequency_and_sentiment_per_group() -> None:
    frame = pd.DataFrame(
        {
            "themes": [("a",), ("a", "b"), (), ("b",)],
            "sentiment": [0.2, 0.4, 0.9, 0.8],
            "segment": ["x", "x", "y", "y"],
        }
    )
    out = theme_frequency(frame, by=["segment"]).set_index(["segment", "theme"])
    assert out.loc[("x", "a"), "share"] == 1.0
    assert out.loc[("x", "a"), "sentiment"] == pytest.approx(0.3)
    assert out.loc[("y", "b"), "share"] == 0.5
