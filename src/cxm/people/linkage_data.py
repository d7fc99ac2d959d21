"""Read the frames :func:`cxm.analytics.linkage.linkage` needs from the store (the
document built from them: :mod:`cxm.people.linkage_report`).

Periods are the employee-survey waves in the order they open: wave *i*'s period runs from
its first day to the day before wave *i+1* opens (the last one for a year). Per period:

* the employee index of each team whose result is shown (small and complementary-suppressed
  teams are absent, so linkage never sees them);
* one row per customer served at the period's start, with the team serving them then — or,
  when that team's result is withheld, the nearest ancestor team whose result is shown
  (whose index covers it) — and the customer's results in the period: mean of the CSAT
  question's answers, last NPS answer, churned in the period, complaints (touchpoints at the
  complaint stage) and profit (revenue − cost of the period's purchases).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from cxm.customers.codes import JourneyStage
from cxm.customers.models import Customer, Purchase, Touchpoint
from cxm.errors import InputError
from cxm.i18n import _
from cxm.org.models import CustomerAssignment, Team
from cxm.people.models import EmployeeWave
from cxm.people.surveys import employee_index
from cxm.surveys.models import Answer, Response

__all__ = ["LinkageFrames", "linkage_frames"]


@dataclass(frozen=True)
class LinkageFrames:
    employee: pd.DataFrame  # team_id, period, employee_index, respondents
    customers: pd.DataFrame  # customer_id, team_id, period, csat, nps, churned, complaints, profit
    periods: list[tuple[str, date, date]]  # wave name, first day, day after the last


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def linkage_frames(
    session: Session,
    *,
    csat_question: str = "CUSA1",
    nps_question: str = "NPS",
    minimum: int | None = None,
) -> LinkageFrames:
    waves = list(session.scalars(select(EmployeeWave).order_by(EmployeeWave.opens_on)))
    if not waves:
        raise InputError(
            _("No employee survey wave yet: create one with `cxm people survey create`.")
        )
    periods: list[tuple[str, date, date]] = []
    for i, wave in enumerate(waves):
        end = waves[i + 1].opens_on if i + 1 < len(waves) else wave.opens_on + timedelta(days=365)
        periods.append((wave.name, wave.opens_on, end))  # [start, end)
    parents: dict[int, int | None] = {
        r[0]: r[1] for r in session.execute(select(Team.id, Team.parent_id))
    }
    employee_rows: list[dict[str, object]] = []
    customer_frames: list[pd.DataFrame] = []
    for wave, (_name, start, end) in zip(waves, periods, strict=True):
        result = employee_index(session, wave=wave.id, minimum=minimum)
        shown = {t.team_id: t for t in result.teams if t.shown}
        employee_rows += [
            {
                "team_id": t.team_id,
                "period": start.isoformat(),
                "employee_index": t.index,
                "respondents": t.respondents,
            }
            for t in shown.values()
        ]

        def shown_team(team: int | None, shown: Mapping[int, object] = shown) -> int | None:
            while team is not None and team not in shown:
                team = parents.get(team)
            return team

        lo, hi = _start(start), _start(end)
        serving = session.execute(
            select(CustomerAssignment.customer_id, CustomerAssignment.team_id)
            .join(Customer, Customer.id == CustomerAssignment.customer_id)
            .where(
                CustomerAssignment.starts_on <= start,
                or_(CustomerAssignment.ends_on.is_(None), CustomerAssignment.ends_on >= start),
                or_(Customer.churned_on.is_(None), Customer.churned_on >= start),
            )
        ).all()
        frame = pd.DataFrame(serving, columns=["customer_id", "team_id"])
        frame["team_id"] = [shown_team(t) for t in frame["team_id"]]
        frame = frame.dropna(subset=["team_id"])
        frame["team_id"] = frame["team_id"].astype(int)
        frame["period"] = start.isoformat()

        def per_customer(query: object, column: str) -> pd.Series:
            rows = session.execute(query).all()  # type: ignore[call-overload]
            return pd.Series(dict(rows), name=column, dtype=float)

        in_period = and_(Response.completed_at >= lo, Response.completed_at < hi)
        csat = per_customer(
            select(Response.customer_id, func.avg(Answer.number))
            .join(Answer, Answer.response_id == Response.id)
            .where(Answer.question_code == csat_question, Answer.number.is_not(None), in_period)
            .group_by(Response.customer_id),
            "csat",
        )
        nps = per_customer(
            select(Response.customer_id, func.avg(Answer.number))
            .join(Answer, Answer.response_id == Response.id)
            .where(Answer.question_code == nps_question, Answer.number.is_not(None), in_period)
            .group_by(Response.customer_id),
            "nps",
        )
        complaints = per_customer(
            select(Touchpoint.customer_id, func.count())
            .where(
                Touchpoint.stage == JourneyStage.COMPLAINT,
                Touchpoint.occurred_at >= lo,
                Touchpoint.occurred_at < hi,
            )
            .group_by(Touchpoint.customer_id),
            "complaints",
        )
        profit = per_customer(
            select(
                Purchase.customer_id,
                func.sum(Purchase.revenue - func.coalesce(Purchase.cost, 0)),
            )
            .where(Purchase.purchased_on >= start, Purchase.purchased_on < end)
            .group_by(Purchase.customer_id),
            "profit",
        )
        churned = set(
            session.scalars(
                select(Customer.id).where(Customer.churned_on >= start, Customer.churned_on < end)
            )
        )
        ids = frame["customer_id"]
        frame["csat"] = ids.map(csat).to_numpy()
        frame["nps"] = ids.map(nps).round().to_numpy()
        frame["complaints"] = ids.map(complaints).fillna(0).to_numpy()
        frame["profit"] = ids.map(profit).fillna(0.0).to_numpy()
        frame["churned"] = ids.isin(churned).to_numpy()
        customer_frames.append(frame)
    employee = pd.DataFrame(
        employee_rows, columns=["team_id", "period", "employee_index", "respondents"]
    )
    customers = pd.concat(customer_frames, ignore_index=True)
    return LinkageFrames(employee=employee, customers=customers, periods=periods)
