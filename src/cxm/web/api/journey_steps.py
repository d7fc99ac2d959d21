"""``/api/v1/journey/steps``: the process steps of each stage, and the flow-chart questions
answered from the data. Reading needs the reports capability (the steps belong to no team);
replacing the process map is configuration."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from cxm.accounts.permissions import Capability
from cxm.web.deps import DbSession
from cxm.web.permissions import Grant, Require

Reader = Annotated[Grant, Require(Capability.VIEW_REPORTS, shared=True)]
Configure = Annotated[Grant, Require(Capability.CONFIGURE)]

__all__ = ["router"]

router = APIRouter(tags=["operations"])


class StepOut(BaseModel):
    order: int
    stage: str
    position: int
    code: str
    name: dict[str, str]
    owner: str
    team: str | None
    touchpoint_type: str | None
    standards: list[str]
    blocking_rule: str | None
    redundant: str | None
    parallel_with: str | None
    inconsistency: str | None
    automation: str | None
    max_wait_hours: float | None


class StepsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: The steps file (YAML), as ``cxm journey steps load`` reads it.
    yaml: str = Field(min_length=1, max_length=1_000_000)


class StepsLoaded(BaseModel):
    steps: int


class StepFindingOut(BaseModel):
    order: int
    rank: int
    stage: str
    code: str
    name: str
    owner: str
    team: str | None
    handoff_in: bool
    waits: int
    wait_median_hours: float | None
    wait_p90_hours: float | None
    wait_over_limit_share: float | None
    repeat_share: float | None
    stage_cases: int
    stage_handed_over_share: float | None
    stage_blocked_by_rules: int
    opportunities: int
    defects: int
    weighted_defects: float
    dpmo: float | None
    findings: list[str]


class StageHandoffsOut(BaseModel):
    stage: str
    cases: int
    handed_over: int
    handed_over_share: float | None
    ci_low: float | None
    ci_high: float | None
    handoffs: int
    cross_department: int
    blocked_by_rules: int
    passed_the_buck: int
    median_hours_handed: float | None
    median_hours_direct: float | None


class FlowOut(BaseModel):
    steps: list[StepFindingOut]
    stages: list[StageHandoffsOut]


def _clean(records: list[dict[Any, Any]]) -> list[dict[str, Any]]:
    """NaN (a measure without data) becomes null."""
    return [{str(k): (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
            for r in records]  # fmt: skip


@router.get("/journey/steps", response_model=list[StepOut])
def list_steps(db: DbSession, grant: Reader) -> list[dict[str, Any]]:
    from cxm.standards.steps import list_steps as run

    return _clean(run(db).to_dict("records"))


@router.put("/journey/steps", response_model=StepsLoaded)
def load_steps(body: StepsIn, db: DbSession, grant: Configure) -> dict[str, Any]:
    from cxm.standards.steps import load_steps as run

    return {"steps": run(db, body.yaml, actor_id=grant.user.id)}


@router.get("/journey/steps/analysis", response_model=FlowOut)
def analyse_steps(db: DbSession, grant: Reader) -> dict[str, Any]:
    from cxm.standards.flow import analyse_steps as run

    flow = run(db)
    return {
        "steps": _clean(flow.steps.to_dict("records")),
        "stages": _clean(flow.stages.to_dict("records")),
    }
