"""The team-level service–profit chain (PLS) and its team-cluster bootstrap.

Independent implementation: the seminr port from PyPI (``seminr.estimate_pls`` with mode A
composites, as tests/test_pls_reference.py). Point estimates must agree to 1e-9, and every
cluster-bootstrap replicate must equal seminr re-estimated on the same resampled teams."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import seminr
from seminr.specify.constructs import composite, constructs, mode_A
from seminr.specify.relationships import SMRow

from cxm.analytics.pls import PLSPM, bootstrap
from cxm.people.path_model import (
    CONSTRUCT_ITEMS,
    MIN_TEAMS,
    MODEL,
    cluster_indices,
    minimum_teams,
    team_path_model,
)


def _teams(seed: int, teams: int = 60, periods: int = 2, link: float = 0.6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(teams):
        base = rng.normal()
        for p in range(periods):
            es = 0.7 * base + 0.7 * rng.normal()
            sq = link * es + rng.normal(0, 0.8)
            cs = link * sq + rng.normal(0, 0.8)
            loy = link * cs + rng.normal(0, 0.8)
            rows.append(
                {
                    "team_id": t + 1,
                    "period": f"2026-0{p + 1}",
                    "job_satisfaction": 60 + 8 * (es + rng.normal(0, 0.5)),
                    "engagement": 65 + 8 * (es + rng.normal(0, 0.5)),
                    "enablement": 55 + 8 * (es + rng.normal(0, 0.6)),
                    "intent_to_stay": 70 + 8 * (es + rng.normal(0, 0.7)),
                    "service_csat": 4 + 0.3 * sq,
                    "csat": 4 + 0.3 * cs,
                    "nps": 30 + 10 * (loy + rng.normal(0, 0.5)),
                    "retention": 0.9 + 0.02 * (loy + rng.normal(0, 0.5)),
                }
            )
    return pd.DataFrame(rows)


def _seminr(df: pd.DataFrame) -> seminr.PlsModel:
    """seminr.estimate_pls(df, constructs(composite("ES", [...], mode_A), …), [SMRow…])"""
    mm = constructs(
        composite("ES", list(CONSTRUCT_ITEMS[:4]), mode_A),
        composite("SQ", ["service_csat"], mode_A),
        composite("CS", ["csat"], mode_A),
        composite("LOY", ["nps", "retention"], mode_A),
    )
    sm = [
        SMRow(source="ES", target="SQ"),
        SMRow(source="SQ", target="CS"),
        SMRow(source="CS", target="LOY"),
    ]
    return seminr.estimate_pls(df[list(CONSTRUCT_ITEMS)].reset_index(drop=True), mm, sm)


def test_point_estimates_match_seminr() -> None:
    data = _teams(1)
    result = team_path_model(data, resamples=200, seed=3)
    reference = _seminr(data.sort_values(["team_id", "period"]))
    assert result.estimated and result.teams == 60 and result.rows == 120
    for p in result.paths:
        assert p.estimate == pytest.approx(reference.path_coef.get(p.source, p.target), abs=1e-9)
        assert p.low < p.estimate < p.high
    assert result.r2["LOY"] == pytest.approx(reference.r_squared.get("Rsq", "LOY"), abs=1e-9)
    assert result.total_es_loy is not None and result.total_es_loy.excludes_zero
    assert "through service quality" in result.conclusion


def test_cluster_bootstrap_replicates_equal_seminr_on_resampled_teams() -> None:
    data = _teams(2, teams=45).sort_values(["team_id", "period"]).reset_index(drop=True)
    idx = cluster_indices(data["team_id"], 25, np.random.default_rng(5))
    # Each resample is whole teams: rows come in pairs of one team's two periods.
    for row in idx:
        pairs = row.reshape(-1, 2)
        assert (
            data.loc[pairs[:, 0], "team_id"].to_numpy()
            == data.loc[pairs[:, 1], "team_id"].to_numpy()
        ).all()
    model = PLSPM(MODEL).fit(data[list(CONSTRUCT_ITEMS)])
    boot = bootstrap(model, 25, indices=idx, bca=False)
    names = [f"{r.source}->{r.target}" for r in boot.paths.itertuples()]
    params = boot.parameters.reset_index(drop=True)
    for b in range(25):
        reference = _seminr(data.iloc[idx[b]])
        for name in names:
            source, target = name.split("->")
            j = params.index[
                (params["kind"] == "path") & (params["a"] == source) & (params["b"] == target)
            ][0]
            assert boot.draws[b, j] == pytest.approx(
                reference.path_coef.get(source, target), abs=1e-8
            )


def test_too_few_teams_says_how_many_and_why() -> None:
    assert minimum_teams(0.4) == MIN_TEAMS == 39
    assert minimum_teams(0.2) == 155
    result = team_path_model(_teams(3, teams=20), resamples=50)
    assert not result.estimated and result.paths == []
    assert result.reason is not None and "39" in result.reason and "20" in result.reason


def test_teams_missing_a_period_are_left_out() -> None:
    data = _teams(4, teams=45)
    data = data[~((data["team_id"] <= 3) & (data["period"] == "2026-02"))]
    result = team_path_model(data, resamples=50)
    assert result.teams == 42 and result.rows == 84
