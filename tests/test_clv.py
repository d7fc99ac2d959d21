"""CLV: BG/NBD and Gamma-Gamma against the published CDNOW estimates; retention CLV
against its closed form.

References:
- Fader, Hardie & Lee (2005), "Counting your customers the easy way", Marketing Science
  24(2):275–284, on the CDNOW sample of 2,357 customers: r = 0.243, α = 4.414, a = 0.793,
  b = 2.426, log-likelihood −9582.4; a customer with x = 2, t_x = 30.43, T = 38.86 is
  expected to make 1.226 purchases in the next 39 weeks.
- Fader & Hardie (2013), "The Gamma-Gamma model of monetary value": p = 6.25, q = 3.74,
  γ = 15.44 on the same customers' repeat-purchase values.
- Gupta & Lehmann (2003): CLV = m r / (1 + d − r) for an infinite horizon.

The data file tests/data/cdnow_summary.csv is the CDNOW summary shipped by the
``lifetimes`` package (MIT), columns x, t_x, T, zbar (mean repeat-purchase value).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxm.analytics.clv import (
    BetaGeoFitter,
    GammaGammaFitter,
    clv_by_segment,
    probabilistic_clv,
    purchase_value,
    retention_clv,
    rfm_summary,
)
from cxm.errors import InputError

CDNOW = Path(__file__).parent / "data" / "cdnow_summary.csv"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(CDNOW)


def test_bgnbd_reproduces_the_published_cdnow_estimates(cdnow: pd.DataFrame) -> None:
    m = BetaGeoFitter().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert m.params_[name] == pytest.approx(value, abs=1e-3), name
    assert m.log_likelihood_ == pytest.approx(-9582.4, abs=0.1)
    assert float(m.expected_purchases(39, 2, 30.43, 38.86)) == pytest.approx(1.226, abs=1e-3)
    alive = m.probability_alive([0, 2], [0, 30.43], [38.86, 38.86])
    assert alive[0] == 1.0 and 0 < alive[1] < 1


def test_gamma_gamma_reproduces_the_published_cdnow_estimates(cdnow: pd.DataFrame) -> None:
    m = GammaGammaFitter().fit(cdnow["x"], cdnow["zbar"])
    assert m.n_ == 946  # customers with at least one repeat purchase
    assert m.params_["p"] == pytest.approx(6.25, abs=0.01)
    assert m.params_["q"] == pytest.approx(3.74, abs=0.01)
    assert m.params_["gamma"] == pytest.approx(15.44, abs=0.01)
    p, q, g = m.params_["p"], m.params_["q"], m.params_["gamma"]
    assert float(m.expected_value(0, 0)) == pytest.approx(p * g / (q - 1))


def test_probabilistic_clv_is_value_times_discounted_purchases(cdnow: pd.DataFrame) -> None:
    summary = cdnow.rename(columns={"ID": "customer_id", "zbar": "monetary"})
    out, bg, gg = probabilistic_clv(summary, months=12, discount_monthly=0.0)
    expected = bg.expected_purchases(12 * 30 / 7, summary["x"], summary["t_x"], summary["T"])
    value = gg.expected_value(summary["x"], summary["monetary"])
    assert out["clv"].to_numpy() == pytest.approx(expected * value, rel=1e-9)
    discounted, _bg, _gg = probabilistic_clv(
        summary, months=12, discount_monthly=0.01, bgnbd=bg, gamma_gamma=gg
    )
    assert (discounted["clv"] < out["clv"] + 1e-12).all()


def test_rfm_summary_counts_repeat_days_from_the_first_purchase() -> None:
    purchases = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1, 2],
            "purchased_on": pd.to_datetime(
                ["2025-01-01", "2025-01-01", "2025-01-15", "2025-01-29", "2025-01-08"]
            ),
            "revenue": [10.0, 5.0, 20.0, 40.0, 7.0],
        }
    )
    s = rfm_summary(purchases, as_of="2025-02-05").set_index("customer_id")
    assert s.loc[1].to_dict() == {
        "x": 2.0,
        "t_x": 4.0,
        "T": 5.0,
        "monetary": 30.0,
        "mean_value": 25.0,
    }
    assert s.loc[2].to_dict() == {
        "x": 0.0,
        "t_x": 0.0,
        "T": 4.0,
        "monetary": 0.0,
        "mean_value": 7.0,
    }


def test_retention_clv_matches_the_closed_form_and_the_direct_sum() -> None:
    m, r, d = 100.0, 0.8, 0.1
    assert float(retention_clv(m, r, discount=d)) == pytest.approx(m * r / (1 + d - r))
    direct = sum(m * r**t / (1 + d) ** t for t in range(1, 6))
    assert float(retention_clv(m, r, discount=d, horizon=5)) == pytest.approx(direct)


def test_segment_clv_marks_segments_without_churn_as_no_data() -> None:
    seg = pd.DataFrame(
        {
            "segment": ["key", "other"],
            "customers": [10, 90],
            "margin_per_customer_year": [500.0, 20.0],
            "churn_rate": [0.1, np.nan],
        }
    )
    out = clv_by_segment(seg).set_index("segment")
    assert out.loc["key", "expected_lifetime_years"] == pytest.approx(9.0)
    assert out.loc["key", "clv_total"] == pytest.approx(10 * 500 * 0.9 / 0.2)
    assert out.loc["other", "status"] == "no data" and np.isnan(out.loc["other", "clv"])


def test_it_rejects_impossible_inputs() -> None:
    with pytest.raises(InputError, match="Retention rates"):
        retention_clv(10, 1.0)
    with pytest.raises(InputError, match="discount rate"):
        retention_clv(10, 0.5, discount=1.5)
    with pytest.raises(InputError, match="t_x"):
        BetaGeoFitter().fit([1] * 10, [5] * 10, [4] * 10)
    with pytest.raises(InputError, match="at least 10"):
        BetaGeoFitter().fit([1, 0], [2, 0], [4, 4])
    with pytest.raises(InputError, match="must be positive"):
        GammaGammaFitter().fit([1] * 12, [5] * 11 + [-1])


def test_purchase_value_matches_the_lifetimes_worked_example(cdnow: pd.DataFrame) -> None:
    # lifetimes README ("Estimating customer lifetime value using the Gamma-Gamma model"),
    # ggf.conditional_expected_average_profit on the CDNOW summary, customers 1, 2, 3, 6:
    # 24.658619, 18.911489, 35.170981 (no repeat purchase: the population mean), 71.462843.
    gg = GammaGammaFitter().fit(cdnow["x"], cdnow["zbar"])
    rows = cdnow.set_index("ID").loc[[1, 2, 3, 6]]
    got = purchase_value(gg, rows["x"], rows["zbar"])
    assert got == pytest.approx([24.658619, 18.911489, 35.170981, 71.462843], abs=2e-4)
    p, q, g = gg.params_["p"], gg.params_["q"], gg.params_["gamma"]
    assert got[2] == pytest.approx(p * g / (q - 1))  # the documented population mean


def test_a_customer_who_loses_money_never_has_a_positive_clv(cdnow: pd.DataFrame) -> None:
    summary = cdnow.rename(columns={"ID": "customer_id", "zbar": "monetary"}).copy()
    summary["mean_value"] = np.where(summary["x"] > 0, summary["monetary"], 20.0)
    losers = summary.index[:40]
    # 20 repeat buyers whose purchases lose 5 on average, 20 one-time buyers who lost 5.
    summary.loc[losers, "mean_value"] = -5.0
    summary.loc[losers, "monetary"] = np.where(summary.loc[losers, "x"] > 0, -5.0, 0.0)
    out, _bg, gg = probabilistic_clv(summary, months=12)
    lost = out.loc[losers]
    assert (lost["clv"] <= 0).all() and (lost["expected_value"] == -5.0).all()
    repeat = lost[summary.loc[losers, "x"].to_numpy() > 0]
    assert (repeat["clv"] < 0).all()
    others = out.drop(index=losers)
    assert (others["clv"] > 0).all()
    # Not the population mean, nor p·γ/(px+q−1) of a zeroed mean: the customer's own loss.
    assert not np.isclose(lost["expected_value"], gg.expected_value(0, 0)).any()
