"""Moment-of-truth surveys: each recorded touchpoint can get a short (1–3 question)
survey, linked to that touchpoint, its employee and team (DOMAIN.md §2)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from cxm.customers.codes import JourneyStage
from cxm.customers.models import Employee, Touchpoint
from cxm.errors import InputError, NotFound
from cxm.i18n import _
from cxm.surveys.models import Invitation, InvitationKind, Questionnaire
from cxm.surveys.questionnaires import install_template, latest_version, load_version

__all__ = [
    "MAX_MOMENT_QUESTIONS",
    "MOMENT_TEMPLATE",
    "invite_for_touchpoints",
    "moment_questionnaire_id",
    "record_touchpoint",
]

MOMENT_TEMPLATE = "moment_of_truth"
MAX_MOMENT_QUESTIONS = 3


def moment_questionnaire_id(session: Session, *, code: str = MOMENT_TEMPLATE) -> int:
    """The id of the short questionnaire ``code``; the shipped one is installed on first use."""
    qid = session.scalar(select(Questionnaire.id).where(Questionnaire.code == code))
    if qid is None:
        if code != MOMENT_TEMPLATE:
            raise NotFound(_("No questionnaire with code {code}.", code=code))
        qid = install_template(session, name=MOMENT_TEMPLATE).questionnaire_id
    n = len(load_version(latest_version(session, questionnaire_id=qid)).questions())
    if not 1 <= n <= MAX_MOMENT_QUESTIONS:
        raise InputError(
            _(
                "A moment-of-truth survey has 1 to {max} questions; {code} has {n}.",
                max=MAX_MOMENT_QUESTIONS,
                code=code,
                n=n,
            )
        )
    return qid


def invite_for_touchpoints(
    session: Session,
    *,
    touchpoint_ids: Sequence[int],
    questionnaire_code: str = MOMENT_TEMPLATE,
    valid_days: int = 14,
) -> dict[int, int]:
    """Make one invitation per touchpoint (skipping those that have one): touchpoint id →
    invitation id. The hook the customer-file import calls after adding touchpoints."""
    if not touchpoint_ids:
        return {}
    qid = moment_questionnaire_id(session, code=questionnaire_code)
    have = set(
        session.scalars(
            select(Invitation.touchpoint_id).where(Invitation.touchpoint_id.in_(touchpoint_ids))
        )
    )
    rows: list[dict[str, Any]] = []
    for tp, emp_team in session.execute(
        select(Touchpoint, Employee.team_id)
        .outerjoin(Employee, Employee.id == Touchpoint.employee_id)
        .where(Touchpoint.id.in_(touchpoint_ids))
        .order_by(Touchpoint.id)
    ):
        if tp.id in have:
            continue
        occurred = tp.occurred_at if tp.occurred_at.tzinfo else tp.occurred_at.replace(tzinfo=UTC)
        rows.append(
            {
                "kind": InvitationKind.TOUCHPOINT,
                "questionnaire_id": qid,
                "customer_id": tp.customer_id,
                "touchpoint_id": tp.id,
                "employee_id": tp.employee_id,
                "team_id": tp.team_id if tp.team_id is not None else emp_team,
                "stratum": str(tp.stage),
                "expires_at": occurred + timedelta(days=valid_days),
            }
        )
    if not rows:
        return {}
    ids = list(session.scalars(insert(Invitation).returning(Invitation.id), rows))
    return {row["touchpoint_id"]: iid for row, iid in zip(rows, ids, strict=True)}


def record_touchpoint(
    session: Session,
    *,
    customer_id: int,
    external_id: str,
    occurred_at: datetime,
    stage: JourneyStage | str | None = None,
    channel: str | None = None,
    employee_id: int | None = None,
    team_id: int | None = None,
    note: str | None = None,
    survey: bool = True,
    questionnaire_code: str = MOMENT_TEMPLATE,
    valid_days: int = 14,
    touchpoint_type: str | None = None,
) -> tuple[Touchpoint, int | None]:
    """Record a touchpoint and (unless ``survey=False``) invite the customer to rate it.
    Returns the touchpoint and the invitation id. The team defaults to the employee's. The
    stage is a stage of the active journey, or follows from ``touchpoint_type``."""
    from cxm.journey.service import check_stage, stage_for_type

    if touchpoint_type is not None:
        typed = stage_for_type(session, touchpoint_type)
        if stage is not None and str(stage) != typed:
            raise InputError(
                _(
                    "Touchpoint type {type} belongs to stage {typed}, not {stage}.",
                    type=touchpoint_type,
                    typed=typed,
                    stage=str(stage),
                )
            )
        stage = typed
    if stage is None:
        raise InputError(_("A touchpoint needs a journey stage or a touchpoint type."))
    stage = check_stage(session, str(stage))
    if team_id is None and employee_id is not None:
        team_id = session.scalar(select(Employee.team_id).where(Employee.id == employee_id))
    tp = Touchpoint(
        external_id=external_id,
        customer_id=customer_id,
        occurred_at=occurred_at,
        stage=stage,
        touchpoint_type=touchpoint_type,
        channel=channel,
        employee_id=employee_id,
        team_id=team_id,
        note=note,
    )
    session.add(tp)
    session.flush()
    invitation_id = None
    if survey:
        made = invite_for_touchpoints(
            session,
            touchpoint_ids=[tp.id],
            questionnaire_code=questionnaire_code,
            valid_days=valid_days,
        )
        invitation_id = made.get(tp.id)
    return tp, invitation_id
