"""``/api/v1`` service standards, sigma and improvement projects.

Reading needs any staff login; checking standards, recording visits and closing projects
need the analyst role (a mystery-shopping visit: any staff login). Each route parses, calls
one service, and returns a declared response model (NaN → null).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from cxm.accounts.permissions import Capability
from cxm.standards import checking, definitions, projects, recording, reporting
from cxm.web.api.schemas import Instant
from cxm.web.deps import DbSession
from cxm.web.permissions import Grant, Require

#: Standards, sigma, charts and projects of the whole company.
Reports = Annotated[Grant, Require(Capability.VIEW_REPORTS)]
Configure = Annotated[Grant, Require(Capability.CONFIGURE)]
#: The standards themselves (what is measured, who owns it) belong to no team.
Catalogue = Annotated[Grant, Require(Capability.VIEW_REPORTS, shared=True)]
#: A mystery shopper records their own visits.
Visits = Annotated[Grant, Require(Capability.RECORD_VISITS, shared=True)]

__all__ = ["router"]

router = APIRouter(tags=["standards"])  # mounted under /api/v1 by cxm.web.api


def _clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


class StandardOut(BaseModel):
    code: str
    name: str
    stage: str
    kind: str
    owner: str
    unit: str
    source: str
    rule: str | None
    applies: str | None
    target: float | None


class CheckOut(BaseModel):
    standards: int
    opportunities: int
    defects: int


class SigmaRow(BaseModel):
    model_config = ConfigDict(extra="allow")

    units: int
    defects: float
    opportunities: float
    dpmo: float
    yield_: float | None = Field(alias="yield")
    sigma_level: float | None
    share_of_defects: float | None = None


class PromiseRow(BaseModel):
    stage: str
    promised: float
    delivered: float
    gap: float
    flagged: bool


class ReportOut(BaseModel):
    by: str
    overall: list[SigmaRow]
    groups: list[SigmaRow]
    worst_stage: str | None
    promise_vs_delivery: list[PromiseRow]


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visited_at: Instant
    stage: str = Field(min_length=1, max_length=40)
    location: str = Field(min_length=1, max_length=200)
    team: str | None = Field(default=None, max_length=100)
    answers: dict[str, bool]
    note: str | None = Field(default=None, max_length=2000)


class VisitOut(BaseModel):
    id: int


class ProjectOut(BaseModel):
    name: str
    team: str
    problem: str
    phase: str
    status: str
    metric: str
    test: str
    baseline: float | None
    after: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    cost: float | None


class LeagueRow(BaseModel):
    rank: int
    team: str
    projects: int
    improved: int
    improvement: float


class EffectOut(BaseModel):
    test: str
    baseline: float
    after: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool
    improved: bool


@router.get("/standards", response_model=list[StandardOut])
def list_standards(
    db: DbSession,
    grant: Catalogue,
    stage: str | None = Query(default=None, max_length=40),
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = _clean(
        definitions.list_standards(db, stage=stage).to_dict("records")
    )
    return rows


@router.post("/standards/check", response_model=CheckOut)
def check_standards(
    db: DbSession,
    grant: Configure,
    segments: str | None = Query(default=None, max_length=100),
) -> dict[str, Any]:
    result = checking.check_standards(db, segments=segments)
    return {
        "standards": result.standards,
        "opportunities": result.opportunities,
        "defects": result.defects,
    }


@router.get("/standards/report", response_model=ReportOut)
def standards_report(
    db: DbSession,
    grant: Reports,
    by: str = Query(default="stage", max_length=20),
) -> dict[str, Any]:
    out: dict[str, Any] = _clean(reporting.report(db, by=by).to_dict())
    return out


class ChartPoint(BaseModel):
    point: int
    period: str
    value: float
    size: float
    centre: float
    lcl: float
    ucl: float
    out_of_control: bool
    rules: str


class ChartViolation(BaseModel):
    point: int
    value: float
    rule: str
    description: str


class ChartOut(BaseModel):
    standard: str
    kind: str
    rules: str
    limits: dict[str, Any]
    points: list[ChartPoint]
    out_of_control: list[ChartViolation]


@router.get("/standards/{code}/chart", response_model=ChartOut)
def standard_chart(
    code: str,
    db: DbSession,
    grant: Reports,
    base: int | None = Query(default=None, ge=2, le=1000),
    rules: str = Query(default="nelson", max_length=20),
) -> dict[str, Any]:
    from cxm.standards.charts import standard_chart as build

    result, counts = build(db, code, base=base, rules=rules)
    doc = result.to_dict()
    doc["points"] = result.points.assign(period=counts["period"].to_numpy()).to_dict("records")
    out: dict[str, Any] = _clean({"standard": code, **doc})
    return out


@router.post("/shopping/visits", response_model=VisitOut, status_code=201)
def record_visit(body: VisitIn, db: DbSession, grant: Visits) -> dict[str, Any]:
    visit_id = recording.record_visit(
        db,
        recording.VisitInput(
            body.visited_at, body.stage, body.location, body.team, grant.user.name, body.answers,
            body.note,
        ),
    )  # fmt: skip
    return {"id": visit_id}


@router.get("/projects", response_model=list[ProjectOut])
def list_projects(db: DbSession, grant: Reports) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = _clean(projects.list_projects(db).to_dict("records"))
    return rows


@router.get("/projects/league", response_model=list[LeagueRow])
def project_league(db: DbSession, grant: Reports) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = _clean(projects.league(db).to_dict("records"))
    return rows


@router.post("/projects/{name}/measure", response_model=EffectOut)
def measure_project(name: str, db: DbSession, grant: Configure) -> dict[str, Any]:
    out: dict[str, Any] = _clean(projects.measure_project(db, name).to_dict())
    return out


@router.post("/projects/{name}/close", response_model=EffectOut)
def close_project(name: str, db: DbSession, grant: Configure) -> dict[str, Any]:
    out: dict[str, Any] = _clean(projects.close_project(db, name).to_dict())
    return out
