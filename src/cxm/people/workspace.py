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

The figures themselves are computed once per change of the data for the whole company and
kept (:mod:`cxm.people.kept`); this only takes each reader's part of them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.people.kept import CompanyFigures

__all__ = ["people_workspace"]


def _employee_of(session: Session, user_id: int) -> tuple[int, str] | None:
    from cxm.org.models import Employee

    row = session.execute(
        select(Employee.id, Employee.external_id).where(Employee.staff_user_id == user_id)
    ).first()
    return None if row is None else (int(row[0]), str(row[1]))


def people_workspace(
    session: Session,
    figures: CompanyFigures,
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
    linkage: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The page's data for one reader (see the module docstring), taken from the whole
    company's ``figures`` (:func:`cxm.people.kept.company_figures`, kept). ``team_ids``
    limit the team scorecards, ``employee_team_ids`` the employee results (None: the whole
    company). ``linkage`` is the linkage document when asked for (or ``{"error": …}``)."""

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
        mine = [p for p in figures.employees if p["employee_id"] == employee_id]
        out["me"] = {
            "employee": external,
            "csat": mine[0] if mine else None,
            "outcomes": figures.employee_outcomes.get(employee_id),
        }
    out["teams"] = []
    out["employees"] = []
    out["survey"] = None
    out["cuts"] = []
    out["linkage"] = None
    if own_only:
        return out
    cards = {c["team_id"]: c for c in figures.teams}
    out["teams"] = [
        {**card, "outcomes": figures.team_outcomes.get(team_id)}
        for team_id, card in cards.items()
        if in_scope(team_id)
    ]
    if not employee_results:
        return out
    out["employees"] = [
        p for p in figures.employees if in_employee_scope(figures.team_of.get(p["employee_id"]))
    ]
    survey = figures.survey
    if survey is None:
        return out
    out["survey"] = {
        "wave": survey["wave"],
        "minimum": survey["minimum"],
        "company": survey["company"] if employee_results_company else None,
        "teams": [t for t in survey["teams"] if in_employee_scope(t["team_id"])],
    }
    if employee_results_company:
        out["cuts"] = survey["cuts"]
        if linkage is not None:
            if "error" in linkage:
                out["linkage"] = {"error": linkage["error"], "links": [], "path_model": None}
                return out
            if not money:  # a copy: the kept document is shared by every reader
                links = [x for x in linkage["links"] if x["outcome"] != "profit_per_customer"]
                linkage = {**linkage, "links": links}
            out["linkage"] = linkage
    return out
