"""``/api/v1`` operations: the journey, service levels, background jobs and the send log.

Reading the journey and service levels needs the analyst role; changing service levels,
jobs and the send log need admin. Each route parses, calls one service, returns JSON.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from cxm.accounts.permissions import Capability
from cxm.web.api.schemas import Instant
from cxm.web.deps import DbSession
from cxm.web.permissions import Grant, Require

#: The journey's stages and touchpoint types belong to no team.
Journey = Annotated[Grant, Require(Capability.VIEW_REPORTS, shared=True)]
#: Service levels carry each segment's cost to serve: money.
Money = Annotated[Grant, Require(Capability.SEE_MONEY)]
Configure = Annotated[Grant, Require(Capability.CONFIGURE)]
Operate = Annotated[Grant, Require(Capability.OPERATE)]

__all__ = ["router"]

router = APIRouter(tags=["operations"])


class StageOut(BaseModel):
    position: int
    code: str
    label: dict[str, str]
    description: str | None
    touchpoint_types: list[str]
    touchpoints: int


class TouchpointTypeOut(BaseModel):
    code: str
    stage: str
    label: dict[str, str]


class JourneyOut(BaseModel):
    name: str
    version: int
    versions: list[int]
    description: str | None
    loaded_at: Instant | None
    loaded_by: str | None
    stages: list[StageOut]
    touchpoint_types: list[TouchpointTypeOut]


@router.get("/journey", response_model=JourneyOut)
def journey(db: DbSession, grant: Journey) -> dict[str, Any]:
    from cxm.journey.service import journey_dict

    return journey_dict(db)


class ClockIO(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_type: str = Field(min_length=1, max_length=50)
    first_response_hours: float = Field(gt=0, lt=10_000)
    resolution_hours: float = Field(gt=0, lt=10_000)
    business_hours: bool = False


class ServiceLevelOut(BaseModel):
    id: int
    name: str
    definition: str | None
    segment: str | None
    key_account: bool
    cost_to_serve: float
    clocks: list[ClockIO]
    standards: dict[str, Any]
    description: str | None


class ServiceLevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    definition: str | None = Field(default=None, max_length=100)
    segment: str | None = Field(default=None, max_length=100)
    key_account: bool | None = None
    cost_to_serve: float | None = Field(default=None, ge=0)
    clocks: list[ClockIO] = Field(default_factory=list)
    standards: dict[str, Any] | None = None
    description: str | None = Field(default=None, max_length=2000)


@router.get("/service-levels", response_model=list[ServiceLevelOut])
def list_service_levels(db: DbSession, grant: Money) -> list[dict[str, Any]]:
    from cxm.service_levels.service import list_service_levels as run

    return run(db)


@router.put("/service-levels/{name}", response_model=ServiceLevelOut)
def set_service_level(
    name: str, body: ServiceLevelIn, db: DbSession, grant: Configure
) -> dict[str, Any]:
    from cxm.errors import InputError
    from cxm.i18n import _
    from cxm.service_levels.service import ClockSpec, list_service_levels, set_service_level

    for c in body.clocks:
        if c.first_response_hours > c.resolution_hours:
            raise InputError(
                _(
                    "Clock {value}: the first response ({first} h) comes after the "
                    "resolution ({resolution} h).",
                    value=c.case_type,
                    first=c.first_response_hours,
                    resolution=c.resolution_hours,
                )
            )
    level = set_service_level(
        db,
        name=name,
        definition=body.definition,
        segment=body.segment,
        key_account=body.key_account,
        cost_to_serve=body.cost_to_serve,
        clocks=[
            ClockSpec(c.case_type, c.first_response_hours, c.resolution_hours, c.business_hours)
            for c in body.clocks
        ],
        standards=body.standards,
        description=body.description,
    )
    return next(lv for lv in list_service_levels(db) if lv["id"] == level.id)


class JobOut(BaseModel):
    id: int
    name: str
    status: str
    attempts: int
    max_attempts: int
    run_at: Instant
    leased_by: str | None
    lease_until: Instant | None
    key: str | None
    payload: dict[str, Any]
    last_error: str | None
    finished_at: Instant | None


class JobIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    payload: dict[str, Any] = Field(default_factory=dict)
    key: str | None = Field(default=None, max_length=200)
    run_at: Instant | None = None


def _job_out(j: Any) -> dict[str, Any]:
    return {
        "id": j.id,
        "name": j.name,
        "status": j.status.value,
        "attempts": j.attempts,
        "max_attempts": j.max_attempts,
        "run_at": j.run_at,
        "leased_by": j.leased_by,
        "lease_until": j.lease_until,
        "key": j.key,
        "payload": dict(j.payload or {}),
        "last_error": j.last_error,
        "finished_at": j.finished_at,
    }


@router.get("/jobs", response_model=list[JobOut])
def list_jobs(
    db: DbSession,
    grant: Operate,
    status: str | None = Query(default=None, pattern="^(queued|running|done|dead)$"),
    limit: int = Query(default=50, ge=1, le=1000),
) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from cxm.jobs.models import Job, JobStatus

    q = select(Job).order_by(Job.id.desc()).limit(limit)
    if status:
        q = q.where(Job.status == JobStatus(status))
    return [_job_out(j) for j in db.scalars(q)]


@router.post("/jobs", response_model=JobOut, status_code=201)
def add_job(body: JobIn, db: DbSession, grant: Operate) -> dict[str, Any]:
    from cxm.jobs.models import Job
    from cxm.jobs.outbox import enqueue

    job_id = enqueue(db, body.name, body.payload, key=body.key, run_at=body.run_at)
    return _job_out(db.get(Job, job_id))


class SendOut(BaseModel):
    id: int
    channel: str
    purpose: str | None
    recipient: str
    customer_id: int | None
    reference: str | None
    message_id: str | None
    outcome: str
    detail: str | None
    attempted_at: Instant
    bounced_at: Instant | None


@router.get("/channels/sends", response_model=list[SendOut])
def sends(
    db: DbSession,
    grant: Operate,
    channel: str | None = Query(default=None, max_length=20),
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    from cxm.channels.registry import send_log

    return send_log(db, limit=limit, channel=channel)
