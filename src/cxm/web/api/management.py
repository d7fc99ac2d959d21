"""``/api/v1`` differentiated management: segments, targets, churn, CLV, retention, invest.

Reading needs any staff login; defining segments, recomputing them and setting targets needs
the analyst role. Every route parses, calls one service, and returns JSON (NaN → null).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from cxm.accounts.permissions import Capability
from cxm.management import churn as churn_service
from cxm.management import definitions, economics, segments
from cxm.management import targets as targets_service
from cxm.web.api.schemas import (
    ChurnReportOut,
    ChurnRiskOut,
    ChurnSurvivalOut,
    ClvOut,
    InvestOut,
    SegmentDefinedOut,
    SegmentDefinitionOut,
    SegmentsOut,
    SegmentsRecomputedOut,
    SimulateOut,
    TargetOut,
    TargetProposalOut,
    TargetReportOut,
    TargetRowOut,
)
from cxm.web.deps import AppSettings, DbSession
from cxm.web.permissions import Grant, Require

__all__ = ["SegmentDefinitionIn", "TargetIn", "router"]

router = APIRouter(prefix="/api/v1", tags=["management"])

Configure = Annotated[Grant, Require(Capability.CONFIGURE)]
#: Segment definitions and targets are company settings, not any team's data.
CompanySettings = Annotated[Grant, Require(Capability.VIEW_REPORTS, shared=True)]
Reports = Annotated[Grant, Require(Capability.VIEW_REPORTS)]
People = Annotated[Grant, Require(Capability.SEE_PERSONAL_DATA)]
Money = Annotated[Grant, Require(Capability.SEE_MONEY)]

Segments = Annotated[str, Query(max_length=100, description="Segment definition name.")]
AsOf = Annotated[
    str | None,
    Query(
        max_length=10,
        pattern=r"^\d{4}-\d{2}-\d{2}$",
        description="Analyse as of this date (default: the last date in the data).",
    ),
]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", date_format="iso"))
    return out


class SegmentDefinitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    kind: str = Field(pattern="^(pareto|rfm|rule)$")
    parameters: dict[str, Any] = Field(default_factory=dict)
    exclusive: bool = True
    description: str | None = Field(default=None, max_length=2000)
    replace: bool = False


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    segment: str = Field(min_length=1, max_length=100)
    kpi: str = Field(max_length=32)
    value: float
    wave_id: int | None = None
    period: str | None = Field(default=None, max_length=20)
    service_level: str | None = Field(default=None, max_length=2000)


@router.get("/segments", response_model=list[SegmentDefinitionOut])
def list_segments(db: DbSession, grant: CompanySettings) -> list[dict[str, Any]]:
    return [
        {
            "name": d.name,
            "kind": d.kind.value,
            "parameters": d.parameters,
            "exclusive": d.exclusive,
            "computed_at": d.computed_at.isoformat() if d.computed_at else None,
        }
        for d in definitions.list_definitions(db)
    ]


@router.post("/segments", status_code=201, response_model=SegmentDefinedOut)
def define_segments(body: SegmentDefinitionIn, db: DbSession, grant: Configure) -> dict[str, Any]:
    d = definitions.define_segments(
        db,
        name=body.name,
        kind=body.kind,
        parameters=body.parameters,
        exclusive=body.exclusive,
        description=body.description,
        created_by=grant.user.name,
        replace=body.replace,
        actor_id=grant.user.id,
    )
    return {"name": d.name, "kind": d.kind.value, "parameters": d.parameters}


@router.post("/segments/{name}/recompute", response_model=SegmentsRecomputedOut)
def recompute_segments(name: str, db: DbSession, grant: Configure) -> dict[str, Any]:
    r = segments.recompute(db, name, actor_id=grant.user.id)
    return {
        "definition": r.definition,
        "computed_at": r.computed_at.isoformat(),
        "customers": r.customers,
        "started": r.started,
        "ended": r.ended,
        "segments": _records(r.summary),
    }


@router.get("/segments/{name}", response_model=SegmentsOut)
def show_segments(name: str, db: DbSession, grant: Money, at: str | None = None) -> dict[str, Any]:
    return {"definition": name, "at": at, "segments": _records(segments.summary(db, name, at=at))}


@router.get("/segments/{name}/targets", response_model=list[TargetRowOut])
def list_targets(name: str, db: DbSession, grant: CompanySettings) -> list[dict[str, Any]]:
    return _records(targets_service.targets_frame(db, name))


@router.post("/segments/{name}/targets", status_code=201, response_model=TargetOut)
def set_target(name: str, body: TargetIn, db: DbSession, grant: Configure) -> dict[str, Any]:
    t = targets_service.set_target(
        db,
        name,
        segment=body.segment,
        kpi=body.kpi,
        value=body.value,
        wave_id=body.wave_id,
        period=body.period,
        service_level=body.service_level,
        set_by=grant.user.name,
        actor_id=grant.user.id,
    )
    return {"segment": t.segment, "kpi": t.kpi, "value": t.value, "set_by": t.set_by}


@router.get("/segments/{name}/targets/proposal", response_model=TargetProposalOut)
def propose_targets(
    name: str,
    db: DbSession,
    grant: Configure,
    kpi: str = "csat",
    cost_per_contact: Annotated[float, Query(ge=0)] = 0.0,
) -> dict[str, Any]:
    proposal = targets_service.propose(db, name, kpi, cost_per_contact=cost_per_contact)
    return {"kpi": kpi, "current": proposal.current, "proposals": _records(proposal.table)}


@router.get("/segments/{name}/targets/report", response_model=TargetReportOut)
def target_report(
    name: str,
    db: DbSession,
    grant: Reports,
    settings: AppSettings,
    kpi: Annotated[list[str] | None, Query()] = None,
    wave: Annotated[list[int] | None, Query()] = None,
    min_n: Annotated[int | None, Query(ge=1, description="Default: CXM_MIN_N.")] = None,
) -> dict[str, Any]:
    table = targets_service.report(db, name, kpis=kpi, wave_ids=wave, min_n=min_n or settings.min_n)
    return {"definition": name, "rows": _records(table)}


@router.get("/churn", response_model=ChurnReportOut)
def churn_report(
    db: DbSession,
    grant: Reports,
    segments: Segments | None = None,
    freq: str = "Y",
    as_of: AsOf = None,
) -> dict[str, Any]:
    report = churn_service.churn_report(db, name=segments, freq=freq, as_of=as_of)
    return {
        "as_of": str(report.basis.as_of),
        "churn_rule": report.basis.churn_rule,
        "quality": report.quality,
        "rates": _records(report.rates),
        "reasons": _records(report.reasons.table),
    }


@router.get("/churn/survival", response_model=ChurnSurvivalOut)
def churn_survival(
    db: DbSession,
    grant: Reports,
    segments: Segments | None = None,
    by: str = "segment",
    as_of: AsOf = None,
) -> dict[str, Any]:
    found = churn_service.survival(db, by=by, name=segments, as_of=as_of)
    return {
        "summary": _records(found.summary),
        "logrank_p": found.logrank_p,
        "curves": _records(found.curves),
    }


@router.get("/churn/risk", response_model=ChurnRiskOut)
def churn_risk(
    db: DbSession,
    grant: People,
    horizon_days: Annotated[int, Query(ge=30, le=3650)] = 180,
    top: Annotated[int, Query(ge=1, le=1000)] = 20,
    as_of: AsOf = None,
) -> dict[str, Any]:
    r = churn_service.risk_model(db, horizon_days=horizon_days, top=top, as_of=as_of)
    return {
        "quality": r.quality,
        "auc": r.auc,
        "brier": r.brier,
        "base_rate": r.base_rate,
        "n_train": r.n_train,
        "n_test": r.n_test,
        "coefficients": _records(r.coefficients),
        "reliability": _records(r.reliability),
        "at_risk": _records(r.at_risk),
    }


@router.get("/clv", response_model=ClvOut)
def clv(
    db: DbSession,
    grant: Money,
    segments: Segments,
    discount: Annotated[float, Query(ge=0, lt=1)] = 0.1,
    horizon: Annotated[int | None, Query(ge=1, le=100)] = None,
    as_of: AsOf = None,
) -> dict[str, Any]:
    econ = economics.segment_economics(
        db, segments, discount=discount, horizon=horizon, as_of=as_of
    )
    return {"quality": econ.quality, "segments": _records(econ.table)}


@router.get("/retention/simulate", response_model=SimulateOut)
def simulate(
    db: DbSession,
    grant: Money,
    segments: Segments,
    cut: Annotated[float, Query(gt=0, lt=1)] = 0.05,
    years: Annotated[int, Query(ge=1, le=50)] = 5,
    cost_ratio: Annotated[float, Query(gt=0)] = 5.0,
    segment: str | None = None,
) -> dict[str, Any]:
    table = economics.simulate(
        db, segments, cut=cut, horizon_years=years, cost_ratio=cost_ratio, segment=segment
    )
    return {"segments": _records(table)}


@router.get("/invest", response_model=InvestOut)
def invest(
    db: DbSession,
    grant: Money,
    segments: Segments,
    budget: Annotated[float | None, Query(ge=0)] = None,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """The one costed fix-first list (what ``cxm invest --json`` prints)."""
    from cxm.management.priorities import priority_list

    r = priority_list(db, segments, budget=budget, as_of=as_of)
    out = r.to_dict()
    out["items"] = _records(r.items)
    return out
