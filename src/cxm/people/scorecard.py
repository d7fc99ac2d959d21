"""Service scorecard per team, from the data: moments-of-truth CSAT of the customers a team
served and complaints, with comparisons adjusted for the mix of customers.

A team serving harder customers (a segment that rates everyone lower) would look worse on
a raw average although it serves each kind of customer better. :func:`standardise` removes
that by *direct standardisation*: each team's stratum means are weighted by one standard
mix — the strata's shares among all teams' observations — instead of the team's own mix.
Its standard error is ``√(Σ w_s² · v_s / n_ts)`` with ``v_s`` the pooled within-stratum
variance (a team's cell of one answer still gets a variance). A team with no observation in
a stratum of the standard mix is adjusted over the strata it has (weights renormalised) and
flagged ``partial``; fewer than ``min_n`` observations is flagged ``small``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from cxm.customers.codes import JourneyStage
from cxm.customers.models import Customer, Touchpoint
from cxm.errors import InputError
from cxm.i18n import _
from cxm.org.models import CustomerAssignment, Employee, Team
from cxm.surveys.models import Answer, Response

__all__ = [
    "STRATA",
    "EmployeeScore",
    "TeamScore",
    "employee_scorecard",
    "standardise",
    "team_scorecard",
]

#: Customer columns a scorecard can be adjusted by.
STRATA = ("channel", "region")


def standardise(
    frame: pd.DataFrame,
    *,
    group: str = "team_id",
    stratum: str = "stratum",
    value: str = "value",
    min_n: int = 30,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Crude and directly standardised means per group.

    Returns one row per group: ``n``, ``crude``, ``adjusted``, ``low``, ``high`` (normal
    interval of the adjusted mean), ``partial`` and ``small``.
    """
    data = frame[[group, stratum, value]].dropna()
    if data.empty:
        return pd.DataFrame(
            columns=[group, "n", "crude", "adjusted", "low", "high", "partial", "small"]
        )
    weights = data[stratum].value_counts(normalize=True)
    pooled_var = data.groupby(stratum)[value].var(ddof=1).fillna(0.0)
    cells = data.groupby([group, stratum])[value].agg(["mean", "count"]).reset_index()
    cells["w"] = cells[stratum].map(weights)
    cells["v"] = cells[stratum].map(pooled_var)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    rows = []
    for key, part in cells.groupby(group, sort=True):
        w = part["w"].to_numpy(dtype=float)
        coverage = float(w.sum())
        w = w / coverage
        adjusted = float((w * part["mean"].to_numpy(dtype=float)).sum())
        se = float(
            np.sqrt((w**2 * part["v"].to_numpy(dtype=float) / part["count"].to_numpy()).sum())
        )
        n = int(part["count"].sum())
        crude = float((part["mean"] * part["count"]).sum() / n)
        rows.append(
            {
                group: key,
                "n": n,
                "crude": crude,
                "adjusted": adjusted,
                "low": adjusted - z * se,
                "high": adjusted + z * se,
                "partial": coverage < 1 - 1e-9,
                "small": n < min_n,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class TeamScore:
    team_id: int
    team: str
    customers: int
    answers: int
    csat: float | None
    csat_adjusted: float | None
    low: float | None
    high: float | None
    complaints: int
    complaints_per_1000: float | None
    partial: bool
    small: bool


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def team_scorecard(
    session: Session,
    *,
    since: date,
    until: date,
    by: str = "channel",
    min_n: int | None = None,
    question: str = "MOT_SAT",
) -> list[TeamScore]:
    """The scorecard of every team for touchpoints from ``since`` to ``until`` (inclusive).

    CSAT is the mean of the moment-of-truth question ``question`` (1–5) over the answers
    about the team's touchpoints, adjusted by the customers' ``by`` (``channel`` or
    ``region``; a missing value is its own stratum). Complaints are touchpoints at the
    complaint stage handled by the team, per 1,000 customers the team served in the period.
    """
    if by not in STRATA:
        raise InputError(
            _("Cannot adjust by {by}: use one of {allowed}.").format(
                by=by, allowed=", ".join(STRATA)
            )
        )
    if until < since:
        raise InputError(
            _("The period ends on {until} before it starts on {since}.").format(
                until=until.isoformat(), since=since.isoformat()
            )
        )
    if min_n is None:
        from cxm.config import load_settings

        min_n = load_settings().min_n
    start, end = _day_start(since), _day_start(date.fromordinal(until.toordinal() + 1))
    column = getattr(Customer, by)
    team_of = func.coalesce(Response.team_id, Touchpoint.team_id)
    answers = session.execute(
        select(team_of.label("team_id"), column.label("stratum"), Answer.number.label("value"))
        .select_from(Response)
        .join(Touchpoint, Touchpoint.id == Response.touchpoint_id)
        .join(Customer, Customer.id == Touchpoint.customer_id)
        .join(
            Answer,
            and_(Answer.response_id == Response.id, Answer.question_code == question),
        )
        .where(
            Response.completed_at.is_not(None),
            Touchpoint.occurred_at >= start,
            Touchpoint.occurred_at < end,
            Answer.number.is_not(None),
            team_of.is_not(None),
        )
    ).all()
    frame = pd.DataFrame(answers, columns=["team_id", "stratum", "value"])
    frame["stratum"] = frame["stratum"].fillna("—")
    scores: dict[int, dict[Any, Any]] = {
        int(r["team_id"]): r for r in standardise(frame, min_n=min_n).to_dict("records")
    }
    complaints = dict(
        session.execute(
            select(Touchpoint.team_id, func.count())
            .where(
                Touchpoint.stage == JourneyStage.COMPLAINT,
                Touchpoint.occurred_at >= start,
                Touchpoint.occurred_at < end,
                Touchpoint.team_id.is_not(None),
            )
            .group_by(Touchpoint.team_id)
        ).all()
    )
    served = dict(
        session.execute(
            select(
                CustomerAssignment.team_id,
                func.count(func.distinct(CustomerAssignment.customer_id)),
            )
            .where(
                CustomerAssignment.starts_on <= until,
                or_(CustomerAssignment.ends_on.is_(None), CustomerAssignment.ends_on >= since),
            )
            .group_by(CustomerAssignment.team_id)
        ).all()
    )
    out = []
    for team in session.scalars(select(Team).order_by(Team.name)):
        row = scores.get(team.id)
        customers = int(served.get(team.id, 0))
        count = int(complaints.get(team.id, 0))
        out.append(
            TeamScore(
                team_id=team.id,
                team=team.name,
                customers=customers,
                answers=int(row["n"]) if row is not None else 0,
                csat=round(float(row["crude"]), 3) if row is not None else None,
                csat_adjusted=round(float(row["adjusted"]), 3) if row is not None else None,
                low=round(float(row["low"]), 3) if row is not None else None,
                high=round(float(row["high"]), 3) if row is not None else None,
                complaints=count,
                complaints_per_1000=round(count / customers * 1000, 2) if customers else None,
                partial=bool(row["partial"]) if row is not None else False,
                small=bool(row["small"]) if row is not None else True,
            )
        )
    return out


@dataclass(frozen=True)
class EmployeeScore:
    employee_id: int
    employee: str
    team: str | None
    answers: int
    csat: float | None
    csat_adjusted: float | None
    low: float | None
    high: float | None
    complaints: int
    partial: bool
    small: bool


def employee_scorecard(
    session: Session,
    *,
    since: date,
    until: date,
    by: str = "channel",
    min_n: int | None = None,
    question: str = "MOT_SAT",
) -> list[EmployeeScore]:
    """As :func:`team_scorecard`, per employee who served the touchpoints (the touchpoint's
    ``employee_id``): moments-of-truth CSAT raw and adjusted to the mix of all employees'
    customers, and complaints handled (a count: customers are served by teams). Employees
    with no rated contact in the period are left out."""
    if by not in STRATA:
        raise InputError(
            _("Cannot adjust by {by}: use one of {allowed}.").format(
                by=by, allowed=", ".join(STRATA)
            )
        )
    if until < since:
        raise InputError(
            _("The period ends on {until} before it starts on {since}.").format(
                until=until.isoformat(), since=since.isoformat()
            )
        )
    if min_n is None:
        from cxm.config import load_settings

        min_n = load_settings().min_n
    start, end = _day_start(since), _day_start(date.fromordinal(until.toordinal() + 1))
    column = getattr(Customer, by)
    in_period = and_(Touchpoint.occurred_at >= start, Touchpoint.occurred_at < end)
    answers = session.execute(
        select(Touchpoint.employee_id, column, Answer.number)
        .select_from(Response)
        .join(Touchpoint, Touchpoint.id == Response.touchpoint_id)
        .join(Customer, Customer.id == Touchpoint.customer_id)
        .join(Answer, and_(Answer.response_id == Response.id, Answer.question_code == question))
        .where(
            Response.completed_at.is_not(None),
            in_period,
            Answer.number.is_not(None),
            Touchpoint.employee_id.is_not(None),
        )
    ).all()
    frame = pd.DataFrame(answers, columns=["team_id", "stratum", "value"])
    frame["stratum"] = frame["stratum"].fillna("—")
    scores: dict[int, dict[Any, Any]] = {
        int(r["team_id"]): r for r in standardise(frame, min_n=min_n).to_dict("records")
    }
    complaints = {
        r[0]: int(r[1])
        for r in session.execute(
            select(Touchpoint.employee_id, func.count())
            .where(
                Touchpoint.stage == JourneyStage.COMPLAINT,
                in_period,
                Touchpoint.employee_id.is_not(None),
            )
            .group_by(Touchpoint.employee_id)
        )
    }
    names = {r[0]: r[1] for r in session.execute(select(Team.id, Team.name))}
    people = {
        r[0]: (r[1], r[2])
        for r in session.execute(
            select(Employee.id, Employee.external_id, Employee.team_id).where(
                Employee.id.in_(list(scores))
            )
        )
    }
    out = []
    for employee_id in sorted(scores, key=lambda e: people.get(e, (str(e), None))[0]):
        row = scores[employee_id]
        external, team_id = people.get(employee_id, (str(employee_id), None))
        out.append(
            EmployeeScore(
                employee_id=employee_id,
                employee=external,
                team=None if team_id is None else names.get(team_id),
                answers=int(row["n"]),
                csat=round(float(row["crude"]), 3),
                csat_adjusted=round(float(row["adjusted"]), 3),
                low=round(float(row["low"]), 3),
                high=round(float(row["high"]), 3),
                complaints=complaints.get(employee_id, 0),
                partial=bool(row["partial"]),
                small=bool(row["small"]),
            )
        )
    return out
