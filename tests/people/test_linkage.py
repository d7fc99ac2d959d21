"""Linkage analytics: recovery of a simulated effect, the false-positive rate under the
null, and agreement with independent implementations (scipy, statsmodels)."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from cxm.analytics.linkage import (
    bootstrap_correlations,
    conclusion,
    correlate,
    lagged_pairs,
    linkage,
    mixed_model,
    team_outcomes,
)
from cxm.errors import InputError


def _simulate(
    rng: np.random.Generator,
    *,
    teams: int = 60,
    per_team: int = 150,
    slope: float = 0.4,
    team_sd: float = 0.5,
    periods: tuple[str, ...] = ("2025",),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Employee index per team (mean 70, sd 10) and customers whose CSAT rises by
    ``slope`` points per 10 index points, with a team effect and customer noise."""
    emp_rows = []
    cust = []
    for period in periods:
        index = rng.normal(70, 10, teams)
        team_effect = rng.normal(0, team_sd, teams)
        for t in range(teams):
            emp_rows.append({"team_id": t, "period": period, "employee_index": index[t]})
            mean = 7 + slope * (index[t] - 70) / 10 + team_effect[t]
            csat = mean + rng.normal(0, 1, per_team)
            cust.append(
                pd.DataFrame(
                    {
                        "team_id": t,
                        "period": period,
                        "csat": csat,
                        "nps": np.clip(np.round(csat + 1), 0, 10),
                        "churned": rng.random(per_team) < 0.1,
                        "complaints": rng.poisson(0.05, per_team),
                        "profit": rng.normal(100, 30, per_team),
                    }
                )
            )
    return pd.DataFrame(emp_rows), pd.concat(cust, ignore_index=True)


def test_team_outcomes_by_hand() -> None:
    customers = pd.DataFrame(
        {
            "team_id": [1, 1, 1, 1, 2, 2],
            "period": ["p"] * 6,
            "csat": [4, 5, np.nan, 3, 2, 2],
            "nps": [10, 9, 6, np.nan, 7, 0],
            "churned": [True, False, False, False, True, True],
            "complaints": [1, 0, 0, 1, 0, 0],
            "profit": [10.0, 20.0, 30.0, 40.0, -5.0, 5.0],
        }
    )
    out = team_outcomes(customers).set_index("team_id")
    assert out.loc[1, "customers"] == 4
    assert out.loc[1, "csat"] == pytest.approx(4.0)
    assert out.loc[1, "csat_n"] == 3
    assert out.loc[1, "nps"] == pytest.approx(100 * (2 - 1) / 3)  # 2 promoters, 1 detractor
    assert out.loc[2, "nps"] == pytest.approx(-50.0)  # 7 passive, 0 detractor
    assert out.loc[1, "churn_rate"] == pytest.approx(0.25)
    assert out.loc[1, "complaints_per_1000"] == pytest.approx(500.0)
    assert out.loc[2, "profit_per_customer"] == pytest.approx(0.0)


def test_correlations_equal_scipy() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=40)
    y = 0.5 * x + rng.normal(size=40)
    y[3] = y[4]  # a tie for the ranks
    p = correlate(x, y, method="pearson", resamples=500)
    s = correlate(x, y, method="spearman", resamples=500)
    assert p.r == pytest.approx(stats.pearsonr(x, y).statistic, abs=1e-12)
    assert s.r == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_bca_interval_agrees_with_scipy_bootstrap(method: str) -> None:
    """Independent implementation: scipy.stats.bootstrap(method="BCa", paired)."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=50)
    y = 0.4 * x + rng.normal(size=50)
    ours = correlate(x, y, method=method, resamples=20_000, seed=3)  # type: ignore[arg-type]
    fn = stats.pearsonr if method == "pearson" else stats.spearmanr

    def statistic(a: np.ndarray, b: np.ndarray) -> float:
        return float(fn(a, b).statistic)

    ref = stats.bootstrap(
        (x, y),
        statistic,
        paired=True,
        vectorized=False,
        n_resamples=5000,
        method="BCa",
        random_state=np.random.default_rng(4),
    ).confidence_interval
    assert ours.low == pytest.approx(ref.low, abs=0.03)
    assert ours.high == pytest.approx(ref.high, abs=0.03)


def test_recovers_a_simulated_effect_within_its_interval() -> None:
    rng = np.random.default_rng(2026)
    slope, team_sd, per_team = 0.4, 0.5, 150
    employee, customers = _simulate(rng, slope=slope, team_sd=team_sd, per_team=per_team)
    result = linkage(employee, customers, outcomes=("csat",), mixed=True, resamples=2000)
    link = result.links[0]
    assert link.pearson is not None and link.mixed is not None
    # Population correlation of employee index and team mean CSAT.
    rho = slope / np.sqrt(slope**2 + team_sd**2 + 1 / per_team)
    assert link.pearson.low < rho < link.pearson.high
    assert link.pearson.excludes_zero
    # MixedLM slope is per index point: slope / 10.
    assert link.mixed.low < slope / 10 < link.mixed.high
    assert link.mixed.teams == 60 and link.mixed.customers == 60 * per_team
    assert "moderate" in link.conclusion or "strong" in link.conclusion
    assert "not proof of cause" in link.conclusion


def test_null_false_positive_rate_within_bounds() -> None:
    """500 null data sets of 50 teams, 999 BCa resamples each; α = 0.05."""
    started = time.perf_counter()
    rng = np.random.default_rng(20260101)
    sets, teams = 500, 50
    x = rng.normal(size=(sets, teams))
    y = rng.normal(size=(sets, teams))
    hits = 0
    for start in range(0, sets, 50):  # 50 sets × 999 resamples per array operation
        _, low, high = bootstrap_correlations(
            x[start : start + 50], y[start : start + 50], resamples=999, rng=rng
        )
        hits += int(((low > 0) | (high < 0)).sum())
    rate = hits / sets
    assert 0.03 <= rate <= 0.075, rate
    assert time.perf_counter() - started < 60


def test_mixed_model_equals_a_direct_statsmodels_call() -> None:
    rng = np.random.default_rng(11)
    employee, customers = _simulate(rng, teams=30, per_team=40)
    data = customers.merge(employee[["team_id", "employee_index"]], on="team_id")
    ours = mixed_model(data, outcome="csat")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels warns on its way through the optimiser
        direct = smf.mixedlm("csat ~ employee_index", data, groups=data["team_id"]).fit(reml=True)
    assert ours.slope == pytest.approx(direct.fe_params["employee_index"], rel=1e-4)
    assert ours.se == pytest.approx(direct.bse_fe["employee_index"], rel=1e-3)
    assert ours.intercept == pytest.approx(direct.fe_params["Intercept"], rel=1e-4)
    assert ours.team_variance == pytest.approx(float(direct.cov_re.iloc[0, 0]), rel=1e-3)
    assert ours.residual_variance == pytest.approx(direct.scale, rel=1e-4)
    assert ours.p_value == pytest.approx(direct.pvalues["employee_index"], rel=1e-3)


def test_lagged_view_pairs_t_with_t_plus_one() -> None:
    employee = pd.DataFrame(
        {
            "team_id": [1, 1, 2],
            "period": ["2025-H1", "2025-H2", "2025-H1"],
            "employee_index": [60.0, 70.0, 80.0],
        }
    )
    outcomes = pd.DataFrame(
        {
            "team_id": [1, 1, 2, 2],
            "period": ["2025-H1", "2025-H2", "2025-H1", "2025-H2"],
            "csat": [1.0, 2.0, 3.0, 4.0],
        }
    )
    pairs = lagged_pairs(employee, outcomes).sort_values("team_id")
    assert pairs[["team_id", "employee_index", "csat"]].to_numpy().tolist() == [
        [1, 60.0, 2.0],
        [2, 80.0, 4.0],
    ]


def test_lagged_link_found_when_employees_lead() -> None:
    rng = np.random.default_rng(5)
    teams, per_team = 60, 100
    index_t = rng.normal(70, 10, teams)
    index_t1 = rng.normal(70, 10, teams)  # unrelated to what follows
    rows = []
    for period, driver in (("t", rng.normal(70, 10, teams)), ("t+1", index_t)):
        for team in range(teams):
            mean = 7 + 0.5 * (driver[team] - 70) / 10
            rows.append(
                pd.DataFrame(
                    {"team_id": team, "period": period, "csat": mean + rng.normal(0, 1, per_team)}
                )
            )
    customers = pd.concat(rows, ignore_index=True)
    employee = pd.DataFrame(
        {
            "team_id": list(range(teams)) * 2,
            "period": ["t"] * teams + ["t+1"] * teams,
            "employee_index": np.concatenate([index_t, index_t1]),
        }
    )
    link = linkage(employee, customers, outcomes=("csat",), resamples=1000).links[0]
    assert link.lagged is not None and link.lagged.excludes_zero and link.lagged.r > 0.5
    assert link.lagged.teams == teams


def test_too_few_teams_is_an_input_error() -> None:
    with pytest.raises(InputError, match="at least 8 teams"):
        correlate([1.0, 2.0, 3.0], [1.0, 3.0, 2.0])


def test_conclusion_when_the_interval_spans_zero() -> None:
    rng = np.random.default_rng(3)
    corr = correlate(rng.normal(size=20), rng.normal(size=20), resamples=500)
    if corr.excludes_zero:  # pragma: no cover - seed chosen so it does not
        pytest.fail("seed gives a chance finding")
    words = conclusion("NPS", corr)
    assert words.startswith("No link between the employee index and NPS is shown")
    assert "includes zero" in words


def test_weighted_ranks_equal_ranking_the_repeated_data() -> None:
    from cxm.analytics.linkage import _weighted_ranks

    values = np.array([3.0, 1.0, 3.0, 2.0, 5.0])
    counts = np.array([2.0, 1.0, 0.0, 3.0, 1.0])
    ours = _weighted_ranks(values, counts[None, :])[0]
    repeated = np.repeat(values, counts.astype(int))
    reference = stats.rankdata(repeated)
    for i, v in enumerate(values):
        if counts[i]:
            assert ours[i] == pytest.approx(reference[repeated == v][0])


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_a_team_seen_twice_is_drawn_as_one_team(method: str) -> None:
    rng = np.random.default_rng(8)
    x = rng.normal(size=20)
    y = 0.5 * x + rng.normal(size=20)
    once = correlate(x, y, method=method, resamples=1000, seed=5)  # type: ignore[arg-type]
    # Every row its own cluster is the plain bootstrap.
    same = correlate(x, y, method=method, resamples=1000, seed=5, clusters=range(20))  # type: ignore[arg-type]
    assert (same.r, same.low, same.high) == pytest.approx((once.r, once.low, once.high))
    # The same 20 teams in two identical periods: drawing teams gives the same interval;
    # treating the 40 rows as independent would make it narrower.
    twice = correlate(
        np.tile(x, 2), np.tile(y, 2), method=method, resamples=1000, seed=5,  # type: ignore[arg-type]
        clusters=np.tile(np.arange(20), 2),
    )  # fmt: skip
    assert twice.teams == 20 and twice.pairs == 40
    assert (twice.r, twice.low, twice.high) == pytest.approx((once.r, once.low, once.high))
    naive = correlate(np.tile(x, 2), np.tile(y, 2), method=method, resamples=1000, seed=5)  # type: ignore[arg-type]
    assert naive.high - naive.low < 0.8 * (once.high - once.low)
