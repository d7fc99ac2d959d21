"""A small organisation for the people tests, built through the org import service.

    HQ ─ B1: alpha (6 people) ─ alpha-night (3, sub-team); beta (8); gamma (4)

plus one person who left before the waves and one hired after them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from cxm.org.models import Team
from cxm.people.organisation import import_org_file
from cxm.store import Store

UNITS = "code,name,kind,parent\nHQ,Company,company,\nB1,Branch one,branch,HQ\n"
TEAMS = "team,unit,parent,lead\nalpha,B1,,\nalpha-night,B1,alpha,\nbeta,B1,,\ngamma,B1,,\n"
SIZES = {"alpha": 6, "alpha-night": 3, "beta": 8, "gamma": 4}


def build_people(store: Store, folder: Path) -> dict[str, int]:
    lines = ["external_id,name,team,unit,job,hired_on,left_on,staff_user"]
    n = 0
    for team, size in SIZES.items():
        for _ in range(size):
            n += 1
            lines.append(f"P{n},Person {n},{team},,agent,2020-01-01,,")
    lines.append("GONE,Gone,alpha,,agent,2019-01-01,2024-12-31,")
    lines.append("LATE,Late,beta,,agent,2026-06-01,,")
    files = {
        "units": UNITS,
        "teams": TEAMS,
        "employees": "\n".join(lines) + "\n",
    }
    with store.session() as s:
        for kind, text in files.items():
            path = folder / f"{kind}.csv"
            path.write_text(text, encoding="utf-8")
            import_org_file(s, kind=kind, path=path)
        return {t.name: t.id for t in s.scalars(select(Team))}


def rate(
    session: Any,
    *,
    n: int,
    team_id: int,
    employee_id: int | None,
    when: Any,
    score: float,
    channel: str = "branch",
    stage: Any = None,
) -> int:
    """One customer with one touchpoint handled by the team (and employee) at ``when``,
    rated ``score`` on the moment-of-truth question; returns the customer's id."""
    from datetime import date, timedelta

    from cxm.customers.codes import JourneyStage
    from cxm.customers.models import Customer, Touchpoint
    from cxm.org.models import CustomerAssignment
    from cxm.surveys.models import Answer, Invitation, InvitationKind, InvitationStatus, Response
    from cxm.surveys.moments import moment_questionnaire_id
    from cxm.surveys.questionnaires import latest_version

    qid = moment_questionnaire_id(session)
    vid = latest_version(session, questionnaire_id=qid).id
    c = Customer(external_id=f"C{n}", channel=channel, acquired_on=date(2024, 1, 1))
    session.add(c)
    session.flush()
    session.add(CustomerAssignment(customer_id=c.id, team_id=team_id, starts_on=date(2024, 1, 1)))
    tp = Touchpoint(
        external_id=f"T{n}",
        customer_id=c.id,
        occurred_at=when,
        stage=stage or JourneyStage.AFTER_SALE,
        team_id=team_id,
        employee_id=employee_id,
    )
    session.add(tp)
    session.flush()
    inv = Invitation(
        kind=InvitationKind.TOUCHPOINT,
        questionnaire_id=qid,
        customer_id=c.id,
        touchpoint_id=tp.id,
        team_id=team_id,
        status=InvitationStatus.COMPLETED,
        expires_at=when + timedelta(days=14),
    )
    session.add(inv)
    session.flush()
    r = Response(
        invitation_id=inv.id,
        version_id=vid,
        questionnaire_id=qid,
        customer_id=c.id,
        touchpoint_id=tp.id,
        team_id=team_id,
        completed_at=when + timedelta(hours=1),
    )
    session.add(r)
    session.flush()
    session.add(Answer(response_id=r.id, question_code="MOT_SAT", number=score))
    return c.id
