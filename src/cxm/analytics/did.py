"""Difference in differences for a training's effect on teams' customer outcomes.

Panel: one row per team and period with the outcome (e.g. the mean moment-of-truth CSAT of
the team's customers). A team is *treated* from the first period in which one of its
members completed the course (its *cohort*); never-treated teams are the comparison.

* :func:`did` — the two-way fixed-effects regression
  ``y_it = α_i + γ_t + β·D_it + ε_it`` (team and period dummies, ``D`` = 1 from the team's
  cohort on) with cluster-robust standard errors by team (Liang–Zeger sandwich with the
  small-sample factor ``G/(G−1)·(N−1)/(N−K)``, Stata's and statsmodels' default) and a
  t interval with ``G − 1`` degrees of freedom.
* :func:`event_study` — the same with one dummy per period relative to the cohort
  (``e = t − g``; ``e = −1`` is the reference, the ends binned at ``±window``), and a
  cluster-robust Wald test that every pre-period coefficient is zero: the parallel-trends
  check. A small p-value there means the treated teams were already moving apart before the
  course, and β should not be read as its effect.

With staggered cohorts and effects that change over time, the two-way estimate is a
weighted average that may even weight some effects negatively (Goodman-Bacon 2021); the
event study shows the effects by distance from the course, which is why both are reported.

Verified in ``tests/people/test_training_did.py`` against a direct statsmodels
``OLS(...).fit(cov_type="cluster")`` on the same dummies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["DidResult", "EventStudy", "EventTerm", "design", "did", "event_study"]

Array = npt.NDArray[np.float64]

#: Fewest treated and comparison teams for an estimate.
MIN_TEAMS = 2


@dataclass(frozen=True)
class DidResult:
    effect: float
    se: float
    low: float
    high: float
    p_value: float
    treated_teams: int
    control_teams: int
    periods: int
    observations: int


@dataclass(frozen=True)
class EventTerm:
    offset: int  # periods since the cohort; −1 is the reference (0 by construction)
    effect: float
    se: float
    low: float
    high: float


@dataclass(frozen=True)
class EventStudy:
    terms: list[EventTerm]
    pretrend_f: float | None
    pretrend_p: float | None
    pretrend_df: tuple[int, int] | None


def _check(panel: pd.DataFrame) -> pd.DataFrame:
    for column in ("team", "period", "y", "cohort"):
        if column not in panel.columns:
            raise InputError(_("The panel needs the column {column}.").format(column=column))
    data = panel.dropna(subset=["y"]).copy()
    treated = data.loc[data["cohort"].notna(), "team"].nunique()
    control = data.loc[data["cohort"].isna(), "team"].nunique()
    if treated < MIN_TEAMS or control < MIN_TEAMS:
        raise InputError(
            _(
                "Difference in differences needs at least {n} trained and {n} untrained teams "
                "with outcomes (found {treated} and {control})."
            ).format(n=MIN_TEAMS, treated=treated, control=control)
        )
    return data


def design(
    panel: pd.DataFrame, extra: pd.DataFrame
) -> tuple[Array, Array, npt.NDArray[np.int_], list[str]]:
    """``y``, the design matrix (``extra`` columns, then team dummies, then period dummies
    but the first) and the team codes of each row for clustering; column names."""
    teams = pd.Categorical(panel["team"])
    periods = pd.Categorical(panel["period"])
    team_dummies = np.eye(len(teams.categories))[teams.codes]
    period_dummies = np.eye(len(periods.categories))[periods.codes][:, 1:]
    x = np.hstack([extra.to_numpy(dtype=float), team_dummies, period_dummies])
    names = (
        list(extra.columns)
        + [f"team[{c}]" for c in teams.categories]
        + [f"period[{c}]" for c in periods.categories[1:]]
    )
    return panel["y"].to_numpy(dtype=float), x, teams.codes.astype(int), names


def _cluster_ols(y: Array, x: Array, groups: npt.NDArray[np.int_]) -> tuple[Array, Array]:
    """OLS coefficients and their cluster-robust covariance (CR1, as Stata and statsmodels)."""
    # Drop dummy columns that are all zero or collinear would make X'X singular: use pinv
    # of the Gram matrix, which equals the inverse whenever the design has full rank.
    xtx_inv = np.linalg.pinv(x.T @ x)
    beta = xtx_inv @ (x.T @ y)
    resid = y - x @ beta
    n, k = x.shape
    k = int(np.linalg.matrix_rank(x))
    scores = x * resid[:, None]
    g_count = int(groups.max()) + 1
    summed = np.zeros((g_count, x.shape[1]))
    np.add.at(summed, groups, scores)
    meat = summed.T @ summed
    g = len(np.unique(groups))
    factor = g / (g - 1) * (n - 1) / (n - k)
    return beta, factor * xtx_inv @ meat @ xtx_inv


def did(panel: pd.DataFrame, *, confidence: float = 0.95) -> DidResult:
    """Two-way fixed-effects difference in differences (see the module docstring).

    ``panel``: ``team``, ``period`` (sortable), ``y`` and ``cohort`` (the first treated
    period, NaN/None for a team never treated)."""
    from scipy import stats

    data = _check(panel)
    treated_now = (data["cohort"].notna() & (data["period"] >= data["cohort"])).astype(float)
    y, x, groups, _names = design(data, pd.DataFrame({"treated": treated_now}))
    beta, cov = _cluster_ols(y, x, groups)
    se = float(np.sqrt(cov[0, 0]))
    g = len(np.unique(groups))
    t = float(stats.t.ppf(0.5 + confidence / 2, g - 1))
    p = float(2 * stats.t.sf(abs(beta[0] / se), g - 1)) if se > 0 else float("nan")
    return DidResult(
        effect=float(beta[0]),
        se=se,
        low=float(beta[0] - t * se),
        high=float(beta[0] + t * se),
        p_value=p,
        treated_teams=int(data.loc[data["cohort"].notna(), "team"].nunique()),
        control_teams=int(data.loc[data["cohort"].isna(), "team"].nunique()),
        periods=int(data["period"].nunique()),
        observations=len(data),
    )


def event_study(panel: pd.DataFrame, *, window: int = 4, confidence: float = 0.95) -> EventStudy:
    """Effects by periods since the cohort and the pre-trend test (module docstring).

    ``period`` and ``cohort`` must be integers here (period numbers), so that distances
    can be counted."""
    from scipy import stats

    data = _check(panel)
    offsets = (data["period"] - data["cohort"]).clip(-window, window)
    columns: dict[str, npt.NDArray[np.float64]] = {}
    kept: list[int] = []
    for e in range(-window, window + 1):
        if e == -1:
            continue
        column = np.asarray((offsets == e) & data["cohort"].notna(), dtype=np.float64)
        if column.any():
            columns[f"e{e}"] = column
            kept.append(e)
    y, x, groups, _names = design(data, pd.DataFrame(columns, index=data.index))
    beta, cov = _cluster_ols(y, x, groups)
    g = len(np.unique(groups))
    t = float(stats.t.ppf(0.5 + confidence / 2, g - 1))
    terms = []
    for j, e in enumerate(kept):
        se = float(np.sqrt(cov[j, j]))
        terms.append(
            EventTerm(
                offset=e, effect=float(beta[j]), se=se, low=beta[j] - t * se, high=beta[j] + t * se
            )
        )
    terms.append(EventTerm(offset=-1, effect=0.0, se=0.0, low=0.0, high=0.0))
    terms.sort(key=lambda term: term.offset)
    pre = [j for j, e in enumerate(kept) if e < -1]
    if not pre:
        return EventStudy(terms=terms, pretrend_f=None, pretrend_p=None, pretrend_df=None)
    b = beta[pre]
    v = cov[np.ix_(pre, pre)]
    wald = float(b @ np.linalg.pinv(v) @ b)
    q = len(pre)
    f = wald / q
    p = float(stats.f.sf(f, q, g - 1))
    return EventStudy(terms=terms, pretrend_f=f, pretrend_p=p, pretrend_df=(q, g - 1))
