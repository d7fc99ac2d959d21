"""What the people workspace page (``/staff/people``) shows a given reader, gathered in one
place so the page stays thin and the rules are tested here:

* everyone who reaches the page sees **their own** service scorecard (when their account
  is linked to an employee);
* team scorecards (moments-of-truth CSAT, case outcomes, mystery shopping, recognitions)
  for the teams in the reader's scope — not for agents, who see only their own;
* per-employee scorecards and the employee survey results (small groups withheld, cuts by
  the declared attributes with complementary suppression) only for readers who may see
  employee results, within their scope;
* the linkage with customers' results (and the team-level path model) only for
  whole-company readers of employee results, and profit per customer only for readers who
  may see money.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.people.models import EmployeeWave

__all__ = ["people_workspace"]


def _employee_of(session: Session, user_id: int) -> tuple[int, str] | None:
    from cxm.org.models import Employee

    row = session.execute(
        select(Employee.id, Employee.external_id).where(Employee.staff_user_id == user_id)
    ).first()
    return None if row is None else (int(row[0]), str(row[1]))


def people_workspace(
    session: Session,
    *,
    user_id: int,
    team_ids: Collection[int] | None,
    employee_team_ids: Collection[int] | None,
    own_only: bool,
    employee_results: bool,
    employee_results_company: bool,
    money: bool,
    since: date,
    until: date,
    minimum: int,
    with_linkage: bool = False,
) -> dict[str, Any]:
    """The page's data for one reader (see the module docstring). ``team_ids`` limit the
    team scorecards, ``employee_team_ids`` the employee results (None: the whole company)."""
    from cxm.people.outcomes import card_document, outcome_cards
    from cxm.people.scorecard import employee_scorecard, team_scorecard
    from cxm.people.surveys import attribute_cuts, employee_index

    def in_scope(team_id: int | None) -> bool:
        return team_ids is None or (team_id is not None and team_id in team_ids)

    def in_employee_scope(team_id: int | None) -> bool:
        if employee_team_ids is None:
            return True
        return team_id is not None and team_id in employee_team_ids

    out: dict[str, Any] = {"since": since.isoformat(), "until": until.isoformat()}
    me = _employee_of(session, user_id)
    out["me"] = None
    if me is not None:
        employee_id, external = me
        mine = [
            p
            for p in employee_scorecard(session, since=since, until=until)
            if p.employee_id == employee_id
        ]
        outcomes = [
            c
            for c in outcome_cards(session, since=since, until=until, level="employee")
            if c.key == employee_id
        ]
        out["me"] = {
            "employee": external,
            "csat": asdict(mine[0]) if mine else None,
            "outcomes": card_document(outcomes[0]) if outcomes else None,
        }
    out["teams"] = []
    out["employees"] = []
    out["survey"] = None
    out["cuts"] = []
    out["linkage"] = None
    if own_only:
        return out
    cards = {c.team_id: asdict(c) for c in team_scorecard(session, since=since, until=until)}
    outcome_by_team = {
        c.key: card_document(c)
        for c in outcome_cards(session, since=since, until=until, level="team")
    }
    out["teams"] = [
        {**card, "outcomes": outcome_by_team.get(team_id)}
        for team_id, card in cards.items()
        if in_scope(team_id)
    ]
    if not employee_results:
        return out
    from cxm.org.models import Employee

    team_of = {int(e): t for e, t in session.execute(select(Employee.id, Employee.team_id))}
    out["employees"] = [
        asdict(p)
        for p in employee_scorecard(session, since=since, until=until)
        if in_employee_scope(team_of.get(p.employee_id))
    ]
    wave = session.scalars(select(EmployeeWave).order_by(EmployeeWave.opens_on.desc())).first()
    if wave is None:
        return out
    result = employee_index(session, wave=wave.id, minimum=minimum)
    out["survey"] = {
        "wave": result.wave,
        "minimum": result.minimum,
        "company": asdict(result.company) if employee_results_company else None,
        "teams": [asdict(t) for t in result.teams if in_employee_scope(t.team_id)],
    }
    if employee_results_company:
        out["cuts"] = [
            asdict(attribute_cuts(session, wave=wave.id, attribute=a, minimum=minimum))
            for a in (wave.attributes or [] if result.company.shown else [])
        ]
        if with_linkage:
            from cxm.errors import InputError
            from cxm.people.linkage_report import linkage_document

            try:
                doc = linkage_document(session, resamples=1000, minimum=minimum)
            except InputError as exc:
                out["linkage"] = {"error": exc.message, "links": [], "path_model": None}
                return out
            if not money:
                doc["links"] = [
                    link for link in doc["links"] if link["outcome"] != "profit_per_customer"
                ]
            out["linkage"] = doc
    return out
