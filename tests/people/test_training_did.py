"""Trainings and their effect by difference in differences.

Verified against an independent implementation: statsmodels ``OLS`` on the same team and
period dummies, ``fit(cov_type="cluster", groups=team, use_t=True)`` — coefficients,
cluster-robust standard errors and the pre-trend F test must agree to 1e-8. The store
path is checked on SQLite and PostgreSQL with a simulated +0.5 effect."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from cxm.analytics.did import design, did, event_study
from cxm.errors import InputError, ValidationFailed
from cxm.org.models import Employee
from cxm.people.training import import_trainings, list_trainings, training_effect, training_panel
from cxm.store import Store
from tests.people.factories import build_people, rate


def _panel(
    seed: int, *, effect: float = 0.3, pretrend: float = 0.0, teams: int = 40, months: int = 18
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    team_level = rng.normal(0, 0.5, teams)
    month_level = rng.normal(0, 0.2, months)
    cohorts = [float(rng.integers(6, 13)) if i < teams // 2 else np.nan for i in range(teams)]
    for i in range(teams):
        for t in range(months):
            if rng.random() < 0.05:
                continue  # an unbalanced panel: some team-months have no rated contact
            treated = not np.isnan(cohorts[i]) and t >= cohorts[i]
            drift = pretrend * t if not np.isnan(cohorts[i]) else 0.0
            y = 4 + team_level[i] + month_level[t] + effect * treated + drift + rng.normal(0, 0.3)
            rows.append({"team": f"T{i:02d}", "period": t, "y": y, "cohort": cohorts[i]})
    return pd.DataFrame(rows)


def test_did_matches_statsmodels_cluster_ols() -> None:
    import statsmodels.api as sm

    panel = _panel(1)
    result = did(panel)
    treated = (panel["cohort"].notna() & (panel["period"] >= panel["cohort"])).astype(float)
    y, x, groups, _names = design(panel, pd.DataFrame({"treated": treated}))
    reference = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    assert result.effect == pytest.approx(reference.params[0], abs=1e-8)
    assert result.se == pytest.approx(reference.bse[0], rel=1e-8)
    low, high = reference.conf_int()[0]
    assert (result.low, result.high) == pytest.approx((low, high), rel=1e-8)
    assert result.p_value == pytest.approx(reference.pvalues[0], rel=1e-6)
    assert result.low < 0.3 < result.high
    assert (result.treated_teams, result.control_teams) == (20, 20)


def test_event_study_and_pretrend_test_match_statsmodels() -> None:
    import statsmodels.api as sm

    panel = _panel(2)
    study = event_study(panel, window=4)
    offsets = (panel["period"] - panel["cohort"]).clip(-4, 4)
    columns = {
        f"e{e}": ((offsets == e) & panel["cohort"].notna()).astype(float)
        for e in range(-4, 5)
        if e != -1
    }
    y, x, groups, _names = design(panel, pd.DataFrame(columns))
    reference = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    by_offset = {t.offset: t for t in study.terms}
    for j, e in enumerate(e for e in range(-4, 5) if e != -1):
        assert by_offset[e].effect == pytest.approx(reference.params[j], abs=1e-8)
        assert by_offset[e].se == pytest.approx(reference.bse[j], rel=1e-8)
    assert by_offset[-1].effect == 0.0
    restriction = np.zeros((3, x.shape[1]))
    for row, j in enumerate((0, 1, 2)):  # e = −4, −3, −2
        restriction[row, j] = 1.0
    f_test = reference.f_test(restriction)
    assert study.pretrend_f == pytest.approx(float(np.squeeze(f_test.fvalue)), rel=1e-8)
    assert study.pretrend_p == pytest.approx(float(f_test.pvalue), rel=1e-6)
    assert study.pretrend_p > 0.05  # parallel trends were simulated
    assert all(abs(by_offset[e].effect - 0.3) < 0.25 for e in range(0, 5))


def test_a_simulated_pretrend_is_caught() -> None:
    study = event_study(_panel(3, effect=0.0, pretrend=0.08), window=4)
    assert study.pretrend_p is not None and study.pretrend_p < 0.05


def test_coverage_of_the_interval_over_replications() -> None:
    """With a true effect of 0.3, the 95 % interval covers it in about 95 % of 200 panels."""
    results = [did(_panel(100 + i, teams=24, months=10)) for i in range(200)]
    covered = sum(r.low < 0.3 < r.high for r in results)
    assert 180 <= covered <= 198


def test_too_few_teams_is_refused() -> None:
    panel = _panel(4).query("team in ['T00', 'T30', 'T31']")
    with pytest.raises(InputError, match="at least 2 trained and 2 untrained"):
        did(panel)


def test_trainings_in_the_store_and_their_effect(store: Store, tmp_path: Path) -> None:
    teams = build_people(store, tmp_path)
    rng = np.random.default_rng(7)
    with store.session() as s:
        staff = {
            e.team_id: e.external_id
            for e in s.scalars(select(Employee).order_by(Employee.external_id))
        }
        n = 0
        for name in ("alpha", "alpha-night", "beta", "gamma"):
            trained = name in ("alpha", "beta")
            for month in range(1, 11):
                for _ in range(6):
                    n += 1
                    score = 3.5 + 0.1 * month + (0.5 if trained and month >= 5 else 0.0)
                    rate(
                        s,
                        n=n,
                        team_id=teams[name],
                        employee_id=None,
                        when=datetime(2025, month, 10, 9, tzinfo=UTC),
                        score=float(np.clip(score + rng.normal(0, 0.2), 1, 5)),
                    )
    rows = ["employee,course,completed_on"]
    rows.append(f"{staff[teams['alpha']]},服务礼仪,2025-05-03")
    rows.append(f"{staff[teams['beta']]},服务礼仪,2025-05-20")
    path = tmp_path / "trainings.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with store.session() as s:
        assert import_trainings(s, path) == 2
    with store.session() as s:
        assert import_trainings(s, path) == 0  # recorded once
        assert {t["team"] for t in list_trainings(s, course="服务礼仪")} == {"alpha", "beta"}
        panel = training_panel(
            s, course="服务礼仪", since=date(2025, 1, 1), until=date(2025, 10, 31)
        )
        effect = training_effect(
            s, course="服务礼仪", since=date(2025, 1, 1), until=date(2025, 10, 31)
        )
    assert len(panel) == 40 and panel["cohort"].notna().sum() == 20
    assert effect.did["low"] < 0.5 < effect.did["high"]
    assert effect.did["low"] > 0  # clearly positive
    assert effect.did == pytest.approx(did(panel).__dict__)
    assert effect.months[0] == "2025-01" and "moved by" in effect.conclusion


def test_bad_training_rows_are_refused_whole(store: Store, tmp_path: Path) -> None:
    build_people(store, tmp_path)
    path = tmp_path / "bad.csv"
    path.write_text(
        "employee,course,completed_on\nP1,礼仪,2025-05-03\nNOBODY,礼仪,2025-05-03\n"
        "P2,礼仪,2019-01-01\nP3,礼仪,someday\n",
        encoding="utf-8",
    )
    with store.session() as s, pytest.raises(ValidationFailed) as caught:
        import_trainings(s, path)
    problems = {(p.row, p.column) for p in caught.value.problems}
    assert problems == {(2, "employee"), (3, "completed_on"), (4, "completed_on")}
    with store.session() as s:
        assert list_trainings(s) == []
        with pytest.raises(InputError, match="Nobody has taken the course"):
            training_panel(s, course="礼仪", since=date(2025, 1, 1), until=date(2025, 2, 1))
