"""The service–profit chain as a team-level PLS path model.

    employee satisfaction (ES) → service quality (SQ) → customer satisfaction (CS) → loyalty (LOY)

One row per team and employee-survey period (only teams whose employee result is shown —
small and complementary-suppressed teams never enter):

* ES =~ the team's means of the employee constructs (job satisfaction, engagement,
  enablement, intent to stay; 0–100);
* SQ =~ the team's moments-of-truth CSAT (``MOT_SAT``) over the touchpoints it handled;
* CS =~ the team's customers' CSAT (the relationship question, as in the linkage);
* LOY =~ the customers' net promoter score and retention (1 − churn rate).

Estimated with :class:`cxm.analytics.pls.PLSPM` (seminr's algorithm, pinned to the seminr
port in tests/test_pls_reference.py). Teams, not team-periods, are the independent units,
so the bootstrap draws whole **teams** with all their periods (only teams present in every
period take part, which keeps every resample the same size).

**How many teams.** The inverse square root method (Kock & Hadaya 2018, *Information
Systems Journal* 28:227) gives the sample a PLS path needs to be found at 5 % with 80 %
power: ``n > (2.486 / |β_min|)²``. For a moderate path of 0.4 that is 39 teams —
:data:`MIN_TEAMS`. Below it the model is not estimated and the reason is said; the
correlations and the mixed model of the linkage still are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from cxm.customers.models import Touchpoint
from cxm.errors import InputError
from cxm.i18n import _
from cxm.surveys.models import Answer, Response

__all__ = [
    "CONSTRUCT_ITEMS",
    "MIN_TEAMS",
    "MODEL",
    "PathEstimate",
    "TeamPathModel",
    "cluster_indices",
    "minimum_teams",
    "team_path_frame",
    "team_path_model",
]

#: The model in lavaan syntax (mode A composites).
MODEL = """
ES =~ job_satisfaction + engagement + enablement + intent_to_stay
SQ =~ service_csat
CS =~ csat
LOY =~ nps + retention
SQ ~ ES
CS ~ SQ
LOY ~ CS
"""

CONSTRUCT_ITEMS = (
    "job_satisfaction",
    "engagement",
    "enablement",
    "intent_to_stay",
    "service_csat",
    "csat",
    "nps",
    "retention",
)


def minimum_teams(smallest_path: float = 0.4, *, z_alpha_power: float = 2.486) -> int:
    """Kock & Hadaya's inverse square root minimum: ``(2.486 / |β|)²`` rounded up (2.486 =
    z₀.₉₇₅ + z₀.₈ for 5 % significance and 80 % power)."""
    return math.ceil((z_alpha_power / abs(smallest_path)) ** 2)


MIN_TEAMS = minimum_teams(0.4)  # 39


@dataclass(frozen=True)
class PathEstimate:
    source: str
    target: str
    estimate: float
    se: float
    low: float
    high: float

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


@dataclass(frozen=True)
class TeamPathModel:
    teams: int
    periods: int
    rows: int
    estimated: bool
    reason: str | None
    paths: list[PathEstimate]
    total_es_loy: PathEstimate | None
    r2: dict[str, float]
    resamples: int
    failed: int
    conclusion: str

    def document(self) -> dict[str, Any]:
        def one(p: PathEstimate) -> dict[str, Any]:
            return {**p.__dict__, "excludes_zero": p.excludes_zero}

        return {
            "teams": self.teams,
            "periods": self.periods,
            "rows": self.rows,
            "minimum_teams": MIN_TEAMS,
            "estimated": self.estimated,
            "reason": self.reason,
            "paths": [one(p) for p in self.paths],
            "total_es_loy": None if self.total_es_loy is None else one(self.total_es_loy),
            "r2": self.r2,
            "resamples": self.resamples,
            "failed": self.failed,
            "conclusion": self.conclusion,
        }


def cluster_indices(teams: pd.Series, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Resample × row indices drawing whole teams with replacement: resample b takes G
    teams (``rng.integers(0, G, G)``) and all their rows, team by team in row order. Every
    team must have the same number of rows."""
    codes, uniques = pd.factorize(teams, sort=True)
    rows_of = [np.flatnonzero(codes == g) for g in range(len(uniques))]
    sizes = {len(r) for r in rows_of}
    if len(sizes) != 1:
        raise InputError(_("A team-cluster bootstrap needs every team in every period."))
    per = np.array(rows_of)  # G × P
    draws = rng.integers(0, len(uniques), (resamples, len(uniques)))
    return per[draws].reshape(resamples, -1)


def _model_without(constant: list[str]) -> tuple[str, str | None]:
    """:data:`MODEL` without indicators that do not vary (a PLS block cannot use them), and
    the first construct left with none."""
    lines = []
    for line in MODEL.strip().splitlines():
        if "=~" in line:
            name, items = (part.strip() for part in line.split("=~"))
            kept = [i.strip() for i in items.split("+") if i.strip() not in constant]
            if not kept:
                return "", name
            line = f"{name} =~ {' + '.join(kept)}"
        lines.append(line)
    return "\n".join(lines), None


def team_path_model(
    frame: pd.DataFrame,
    *,
    resamples: int = 2000,
    seed: int | None = 0,
    level: float = 0.95,
    min_teams: int = MIN_TEAMS,
) -> TeamPathModel:
    """Fit :data:`MODEL` on ``frame`` (``team_id``, ``period`` and :data:`CONSTRUCT_ITEMS`)
    with the team-cluster bootstrap; below ``min_teams`` teams nothing is estimated. An
    indicator that is the same for every team (e.g. no team lost a customer) is left out
    of its block; a construct left with none stops the estimate, with the reason."""
    from cxm.analytics.pls import PLSPM, bootstrap

    data = frame.dropna(subset=list(CONSTRUCT_ITEMS))
    periods = data["period"].nunique()
    counts = data.groupby("team_id")["period"].nunique()
    complete = counts[counts == periods].index
    data = data[data["team_id"].isin(complete)].sort_values(["team_id", "period"])
    teams = int(data["team_id"].nunique())
    if teams < min_teams:
        reason = _(
            "The path model needs at least {minimum} teams with every figure in every period "
            "(inverse square root method for a path of 0.4 at 5 % and 80 % power); there are "
            "{teams}."
        ).format(minimum=min_teams, teams=teams)
        return TeamPathModel(
            teams=teams,
            periods=int(periods),
            rows=len(data),
            estimated=False,
            reason=reason,
            paths=[],
            total_es_loy=None,
            r2={},
            resamples=0,
            failed=0,
            conclusion=reason,
        )
    data = data.reset_index(drop=True)
    spread = data[list(CONSTRUCT_ITEMS)].std(ddof=0)
    constant = [c for c in CONSTRUCT_ITEMS if not spread[c] > 1e-12]
    text, empty = _model_without(constant)
    if empty:
        reason = _(
            "The path model cannot be estimated: {construct} has no indicator that varies "
            "between teams."
        ).format(construct=empty)
        return TeamPathModel(
            teams=teams,
            periods=int(periods),
            rows=len(data),
            estimated=False,
            reason=reason,
            paths=[],
            total_es_loy=None,
            r2={},
            resamples=0,
            failed=0,
            conclusion=reason,
        )
    items = [c for c in CONSTRUCT_ITEMS if c not in constant]
    model = PLSPM(text).fit(data[items])
    rng = np.random.default_rng(seed)
    idx = cluster_indices(data["team_id"], resamples, rng)
    boot = bootstrap(model, resamples, indices=idx, bca=False, level=level, seed=seed)
    paths = [
        PathEstimate(
            source=str(r["source"]),
            target=str(r["target"]),
            estimate=float(r["estimate"]),
            se=float(r["se"]),
            low=float(r["ci_low"]),
            high=float(r["ci_high"]),
        )
        for r in boot.paths.to_dict("records")
    ]
    total_row: Any = boot.total_effects[
        (boot.total_effects["source"] == "ES") & (boot.total_effects["target"] == "LOY")
    ].iloc[0]
    total = PathEstimate(
        source="ES",
        target="LOY",
        estimate=float(total_row["estimate"]),
        se=float(total_row["se"]),
        low=float(total_row["ci_low"]),
        high=float(total_row["ci_high"]),
    )
    r2 = {str(k): float(v) for k, v in model.r2_.items()}
    if total.excludes_zero:
        conclusion = _(
            "Across {teams} teams, employee satisfaction goes with loyalty through service "
            "quality and customer satisfaction: total effect {effect:.2f} "
            "[{low:.2f}, {high:.2f}] (standardised; bootstrap over teams). A link, not proof "
            "of cause."
        )
    else:
        conclusion = _(
            "Across {teams} teams the chain from employee satisfaction to loyalty is not "
            "clear: total effect {effect:.2f} [{low:.2f}, {high:.2f}] includes zero."
        )
    return TeamPathModel(
        teams=teams,
        periods=int(periods),
        rows=len(data),
        estimated=True,
        reason=None,
        paths=paths,
        total_es_loy=total,
        r2=r2,
        resamples=boot.n_boot,
        failed=boot.n_failed,
        conclusion=conclusion.format(
            teams=teams, effect=total.estimate, low=total.low, high=total.high
        ),
    )


def team_path_frame(
    session: Session, *, minimum: int | None = None, csat_question: str = "CUSA1"
) -> pd.DataFrame:
    """One row per shown team and employee-survey period with :data:`CONSTRUCT_ITEMS`."""
    from cxm.analytics.linkage import team_outcomes
    from cxm.people.linkage_data import linkage_frames
    from cxm.people.models import EmployeeWave
    from cxm.people.surveys import employee_index

    frames = linkage_frames(session, csat_question=csat_question, minimum=minimum)
    outcomes = team_outcomes(frames.customers)
    rows = []
    waves = list(session.scalars(select(EmployeeWave).order_by(EmployeeWave.opens_on)))
    for wave, (_name, start, end) in zip(waves, frames.periods, strict=True):
        result = employee_index(session, wave=wave.id, minimum=minimum)
        lo = datetime.combine(start, time.min, tzinfo=UTC)
        hi = datetime.combine(end, time.min, tzinfo=UTC)
        team_of = func.coalesce(Response.team_id, Touchpoint.team_id)
        service: dict[int, float] = dict(
            session.execute(
                select(team_of, func.avg(Answer.number))
                .select_from(Response)
                .join(Touchpoint, Touchpoint.id == Response.touchpoint_id)
                .join(
                    Answer,
                    and_(Answer.response_id == Response.id, Answer.question_code == "MOT_SAT"),
                )
                .where(
                    Touchpoint.occurred_at >= lo,
                    Touchpoint.occurred_at < hi,
                    Answer.number.is_not(None),
                    team_of.is_not(None),
                )
                .group_by(team_of)
            ).all()
        )
        for t in result.teams:
            if not t.shown:
                continue
            rows.append(
                {
                    "team_id": t.team_id,
                    "period": start.isoformat(),
                    **{c: t.constructs.get(c) for c in CONSTRUCT_ITEMS[:4]},
                    "service_csat": None
                    if service.get(t.team_id) is None
                    else float(service[t.team_id]),
                }
            )
    frame = pd.DataFrame(rows, columns=["team_id", "period", *CONSTRUCT_ITEMS[:5]])
    if frame.empty:
        raise InputError(_("No team's employee result is shown yet."))
    out = outcomes.rename(columns={"churn_rate": "churn"})
    out["retention"] = 1.0 - out["churn"]
    merged = frame.merge(
        out[["team_id", "period", "csat", "nps", "retention"]], on=["team_id", "period"], how="left"
    )
    return merged[["team_id", "period", *CONSTRUCT_ITEMS]]
