"""``/api/v1/cases``: complaint and follow-up cases — list, open, act, note, hand over,
resolve with recovery — and the loop's report. Every change carries the version the client
saw; a stale one is answered 409 and changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from cxm.accounts.permissions import Capability
from cxm.cases.access import check_visible
from cxm.cases.codes import CaseStatus, CaseType, Emotion, Priority, ServiceFault
from cxm.cases.listing import find_cases
from cxm.cases.models import Case
from cxm.cases.recovery import RecoverySpec, resolve_case
from cxm.cases.service import act, add_note, case_summary, get_case, hand_over, open_case
from cxm.cases.states import Action
from cxm.web.api.schemas import Instant
from cxm.web.deps import DbSession
from cxm.web.permissions import Grant, Require

__all__ = ["router"]

router = APIRouter(prefix="/cases", tags=["cases"])

CaseId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Case id.")]
#: Agents act on their team's cases, leads on the teams they lead, managers in their unit.
ActOnCases = Annotated[Grant, Require(Capability.ACT_ON_CASES, filters=True)]
Reports = Annotated[Grant, Require(Capability.VIEW_REPORTS)]


class CaseOut(BaseModel):
    id: int
    customer_id: int
    type: CaseType
    status: CaseStatus
    priority: Priority
    subject: str
    text: str | None
    channel: str | None
    stage: str | None
    emotion_in: Emotion | None
    emotion_out: Emotion | None
    faults: list[ServiceFault]
    team_id: int | None
    owner_user_id: int | None
    tier: str
    opened_at: Instant
    first_response_due: Instant
    first_response_at: Instant | None
    resolution_due: Instant
    resolved_at: Instant | None
    closed_at: Instant | None
    handoffs: int
    reopened: int
    needed_supervisor: bool
    first_response_clock: str
    resolution_clock: str
    version: int
    source: str


class EventOut(BaseModel):
    at: Instant
    kind: str
    actor_user_id: int | None
    from_status: str | None
    to_status: str | None
    note: str | None
    data: dict[str, Any]


class CaseDetail(CaseOut):
    history: list[EventOut]


class CaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer: str = Field(min_length=1, max_length=100, description="Customer external id.")
    type: CaseType = CaseType.COMPLAINT
    subject: str = Field(min_length=1, max_length=300)
    text: str | None = Field(default=None, max_length=20_000)
    channel: str | None = Field(default=None, max_length=50)
    emotion: Emotion | None = None
    faults: list[ServiceFault] = Field(default_factory=list, max_length=7)
    stage: str | None = Field(default=None, max_length=50)
    team_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    owner_user_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    priority: Priority = Priority.NORMAL


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["acknowledge", "start", "wait", "resume", "close", "reopen"]
    version: int = Field(ge=1, le=2**31 - 1)
    note: str | None = Field(default=None, max_length=5000)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=20_000)
    contact: bool = False


class HandoverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=2**31 - 1)
    reason: str = Field(min_length=1, max_length=2000)
    to_user_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    to_team_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class RecoveryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["apology", "correction", "compensation", "do_more"]
    description: str | None = Field(default=None, max_length=2000)
    amount: Decimal | None = Field(default=None, ge=0, le=Decimal("1e9"), decimal_places=2)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    compensation_kind: str | None = Field(default=None, max_length=50)
    cost: Decimal | None = Field(default=None, ge=0, le=Decimal("1e9"), decimal_places=2)
    exception_rule: str | None = Field(default=None, max_length=200)
    exception_reason: str | None = Field(default=None, max_length=2000)


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=2**31 - 1)
    recovery: list[RecoveryIn] = Field(default_factory=list, max_length=20)
    note: str | None = Field(default=None, max_length=5000)
    emotion_out: Emotion | None = None
    approved_by_user_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    outcome: Literal["adopted", "not_adopted"] | None = None
    outcome_note: str | None = Field(default=None, max_length=5000)


class LoopReportOut(BaseModel):
    as_of: date
    summary: dict[str, Any]
    by_type: list[dict[str, Any]]
    by_fault: list[dict[str, Any]]
    by_emotion: list[dict[str, Any]]
    sla: list[dict[str, Any]]
    churn_after_complaint: list[dict[str, Any]] | None
    logrank_p: float | None
    faults_and_churn: list[dict[str, Any]]


def _out(case: Case) -> CaseOut:
    return CaseOut.model_validate(case_summary(case))


@router.get("", response_model=list[CaseOut])
def list_cases(
    db: DbSession,
    grant: ActOnCases,
    status: Annotated[list[CaseStatus] | None, Query()] = None,
    owner_user_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    team_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    mine: bool = False,
    breaching: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[CaseOut]:
    """Cases, the nearest resolution deadline first."""
    user = grant.user
    if mine and owner_user_id not in (None, user.id):
        return []  # mine and another owner: none
    rows = find_cases(
        db,
        viewer=(user.id, grant.team_ids),
        statuses=status,
        owner_user_id=user.id if mine else owner_user_id,
        team_id=team_id,
        breaching=breaching,
        limit=limit,
        offset=offset,
    )
    return [_out(c) for c in rows]


@router.post("", response_model=CaseOut, status_code=201)
def create_case(body: CaseIn, db: DbSession, grant: ActOnCases) -> CaseOut:
    """Open a case; whoever opens it owns it unless another owner is named."""
    user = grant.user
    if body.team_id is not None:
        grant.check_team(body.team_id, what=f"team {body.team_id}")
    case, _new = open_case(
        db,
        customer=body.customer,
        type=body.type,
        subject=body.subject,
        text=body.text,
        channel=body.channel,
        emotion=body.emotion,
        faults=[f.value for f in body.faults],
        stage=body.stage,
        team_id=body.team_id,
        owner_user_id=body.owner_user_id or user.id,
        priority=body.priority,
        actor_user_id=user.id,
    )
    return _out(case)


@router.get("/report", response_model=LoopReportOut)
def report(db: DbSession, grant: Reports, as_of: date | None = None) -> LoopReportOut:
    """What the loop achieved (the same figures as ``cxm cases report --json``)."""
    from dataclasses import asdict

    from cxm.cases.report import loop_report
    from cxm.jsonable import to_jsonable

    rep = loop_report(db, as_of=as_of)
    data = {
        "as_of": rep.as_of,
        "summary": asdict(rep.summary),
        "by_type": rep.by_type.to_dict("records"),
        "by_fault": rep.by_fault.to_dict("records"),
        "by_emotion": rep.by_emotion.to_dict("records"),
        "sla": rep.sla.to_dict("records"),
        "churn_after_complaint": None
        if rep.survival is None
        else rep.survival.summary.to_dict("records"),
        "logrank_p": None if rep.survival is None else rep.survival.logrank_p,
        "faults_and_churn": rep.faults_and_churn.to_dict("records"),
    }
    return LoopReportOut.model_validate(to_jsonable(data))


@router.get("/{case_id}", response_model=CaseDetail)
def show(case_id: CaseId, db: DbSession, grant: ActOnCases) -> CaseDetail:
    check_visible(db, case_id, user_id=grant.user.id, team_ids=grant.team_ids)
    case = get_case(db, case_id)
    history = [
        EventOut(
            at=e.at,
            kind=e.kind.value,
            actor_user_id=e.actor_user_id,
            from_status=e.from_status,
            to_status=e.to_status,
            note=e.note,
            data=e.data,
        )
        for e in case.events
    ]
    return CaseDetail(**_out(case).model_dump(), history=history)


@router.post("/{case_id}/actions", response_model=CaseOut)
def move(case_id: CaseId, body: ActionIn, db: DbSession, grant: ActOnCases) -> CaseOut:
    """acknowledge, start, wait, resume, close or reopen (resolve has its own route)."""
    check_visible(db, case_id, user_id=grant.user.id, team_ids=grant.team_ids)
    user = grant.user
    case = act(
        db,
        case_id=case_id,
        action=Action(body.action),
        version=body.version,
        actor_user_id=user.id,
        note=body.note,
    )
    return _out(case)


@router.post("/{case_id}/notes", response_model=CaseOut)
def note(case_id: CaseId, body: NoteIn, db: DbSession, grant: ActOnCases) -> CaseOut:
    check_visible(db, case_id, user_id=grant.user.id, team_ids=grant.team_ids)
    user = grant.user
    return _out(
        add_note(db, case_id=case_id, actor_user_id=user.id, note=body.note, contact=body.contact)
    )


@router.post("/{case_id}/handover", response_model=CaseOut)
def handover(case_id: CaseId, body: HandoverIn, db: DbSession, grant: ActOnCases) -> CaseOut:
    check_visible(db, case_id, user_id=grant.user.id, team_ids=grant.team_ids)
    user = grant.user
    return _out(
        hand_over(
            db,
            case_id=case_id,
            version=body.version,
            actor_user_id=user.id,
            reason=body.reason,
            to_user_id=body.to_user_id,
            to_team_id=body.to_team_id,
        )
    )


@router.post("/{case_id}/resolve", response_model=CaseOut)
def resolve(case_id: CaseId, body: ResolveIn, db: DbSession, grant: ActOnCases) -> CaseOut:
    """Resolve with recovery actions; the follow-up survey is prepared in the same
    transaction."""
    check_visible(db, case_id, user_id=grant.user.id, team_ids=grant.team_ids)
    user = grant.user
    case = resolve_case(
        db,
        case_id=case_id,
        version=body.version,
        actor_user_id=user.id,
        recovery=[RecoverySpec(**r.model_dump()) for r in body.recovery],
        note=body.note,
        emotion_out=body.emotion_out,
        approved_by_user_id=body.approved_by_user_id,
        outcome=body.outcome,
        outcome_note=body.outcome_note,
    )
    return _out(case)
