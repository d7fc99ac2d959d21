"""The demo company carries the documents' structure, for any seed (generator only, no
database: these checks are about the data, and fast)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr

from cxm.customers.codes import CHURN_REASON_BENCHMARK, ChurnReason
from cxm.demo import top_share, truth
from cxm.demo.activity import draw_purchases, draw_touchpoints
from cxm.demo.company import CHURN_SHARE, draw_customers, exact_counts
from cxm.demo.vocabulary import END, START

SIZE = 3_000
SEEDS = (0, 1, 2, 3, 4)


def _profit_per_customer(seed: int, n: int = SIZE) -> np.ndarray:
    t = truth(seed, n)
    customers = draw_customers(t)
    p = draw_purchases(t, customers)
    return np.bincount(p["customer"], weights=p["revenue"] - p["cost"], minlength=n)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_top_fifth_of_customers_brings_about_80_percent_of_profit(seed: int) -> None:
    share = top_share(_profit_per_customer(seed))
    assert 0.75 <= share <= 0.85


def test_some_customers_are_unprofitable() -> None:
    profit = _profit_per_customer(7)
    assert 0.01 < (profit < 0).mean() < 0.15


@pytest.mark.parametrize("seed", SEEDS)
def test_churn_reasons_are_sampled_not_copied_from_the_benchmark(seed: int) -> None:
    from scipy.stats import chisquare

    from cxm.demo.company import _OWN_REASON_SHARES

    customers = draw_customers(truth(seed, SIZE))
    churned = customers["status"] == "churned"
    assert churned.mean() == pytest.approx(CHURN_SHARE, abs=0.005)
    counts = customers.loc[churned, "churn_reason"].value_counts()
    n = int(churned.sum())
    codes = list(CHURN_REASON_BENCHMARK)
    observed = [int(counts.get(c.value, 0)) for c in codes]
    # The firm's own split, sampled: it fits its own shares and not the documents' benchmark.
    own = [_OWN_REASON_SHARES[c] * n for c in codes]
    bench = [CHURN_REASON_BENCHMARK[c] * n for c in codes]
    assert chisquare(observed, own).pvalue > 0.001
    assert chisquare(observed, bench).pvalue < 1e-6
    assert counts.index[0] == "staff_indifference"  # still the largest, as documented
    assert customers.loc[~churned, "churn_reason"].isna().all()
    assert customers.loc[churned, "churned_on"].notna().all()
    assert (customers.loc[churned, "churned_on"] > customers.loc[churned, "acquired_on"]).all()


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_poorer_teams_lose_more_customers_and_more_through_indifference(seed: int) -> None:
    t = truth(seed, SIZE)
    customers = draw_customers(t)
    churned = (customers["status"] == "churned").to_numpy()
    rate = np.array([churned[t.team == k].mean() for k in range(len(t.team_names))])
    assert spearmanr(t.team_quality, rate).statistic < -0.7
    poor = t.team_quality[t.team] < 0
    staff = (customers["churn_reason"] == ChurnReason.STAFF_INDIFFERENCE.value).to_numpy()
    assert staff[poor & churned].mean() > staff[~poor & churned].mean() + 0.15


def test_poorer_teams_get_more_complaints() -> None:
    t = truth(5, SIZE)
    customers = draw_customers(t)
    tp = draw_touchpoints(t, customers, draw_purchases(t, customers))
    complaints = tp[tp["stage"] == "complaint"]
    per_team = np.bincount(complaints["team"], minlength=len(t.team_names))
    served = np.bincount(tp["team"], minlength=len(t.team_names))
    assert spearmanr(t.team_quality, per_team / served).statistic < -0.7


def test_the_less_satisfied_churn_more() -> None:
    t = truth(11, SIZE)
    churned = (draw_customers(t)["status"] == "churned").to_numpy()
    low = t.satisfaction < np.quantile(t.satisfaction, 0.25)
    high = t.satisfaction > np.quantile(t.satisfaction, 0.75)
    assert churned[low].mean() > 2 * churned[high].mean()


def test_the_hidden_truth_is_reproducible_from_the_seed() -> None:
    a, b, c = truth(3, 500), truth(3, 500), truth(4, 500)
    assert np.array_equal(a.satisfaction, b.satisfaction)
    assert np.array_equal(a.team_quality, b.team_quality)
    assert not np.array_equal(a.satisfaction, c.satisfaction)
    frame = a.customers_frame()
    assert frame["external_id"].iloc[0] == "C000001"
    assert set(frame.columns) >= {"team", "satisfaction", "loyalty", "people", "product"}
    assert len(a.teams_frame()) == 8


def test_the_generator_is_deterministic() -> None:
    def draw(seed: int) -> tuple[object, ...]:
        t = truth(seed, 400)
        c = draw_customers(t)
        p = draw_purchases(t, c)
        tp = draw_touchpoints(t, c, p)
        return (c.drop(columns="attributes"), c["attributes"].tolist(), p, tp)

    first, again = draw(9), draw(9)
    for x, y in zip(first, again, strict=True):
        if isinstance(x, list):
            assert x == y
        else:
            assert x.equals(y)  # type: ignore[attr-defined]


def test_employee_satisfaction_goes_with_the_service_they_give() -> None:
    staff = truth(2, 100).employees_frame()
    assert len(staff) == 60 and staff["external_id"].iloc[0] == "E001"
    assert staff["quality"].corr(staff["satisfaction"]) > 0.3


@settings(max_examples=25, deadline=None)
@given(
    shares=st.lists(st.floats(0.01, 1.0), min_size=1, max_size=8),
    total=st.integers(0, 10_000),
)
def test_exact_counts_split_a_total_without_losing_any(shares: list[float], total: int) -> None:
    w = np.asarray(shares)
    counts = exact_counts(w, total)
    assert counts.sum() == total
    assert np.all(np.abs(counts - w / w.sum() * total) < 1.0)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(50, 400))
def test_every_churned_customer_has_one_reason_and_a_date_in_the_window(seed: int, n: int) -> None:
    customers = draw_customers(truth(seed, n))
    churned = customers["status"] == "churned"
    assert customers.loc[churned, "churn_reason"].notna().all()
    days = customers.loc[churned, "churned_on"]
    assert ((days >= START) & (days <= END)).all()
