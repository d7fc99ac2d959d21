"""``/api/v1/people``: the employee index of a wave per team (small groups withheld, the
same suppression for every reader, so nobody can difference two answers they are allowed
to see) and the linkage with customers' results."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from cxm.accounts.permissions import Capability
from cxm.people.linkage_report import linkage_document
from cxm.people.surveys import attribute_cuts, employee_index
from cxm.web.deps import AppSettings, DbSession
from cxm.web.permissions import Grant, Require

__all__ = ["router"]

router = APIRouter(tags=["people"])

Results = Annotated[Grant, Require(Capability.SEE_EMPLOYEE_RESULTS, filters=True)]
CompanyResults = Annotated[Grant, Require(Capability.SEE_EMPLOYEE_RESULTS)]


class TeamIndexOut(BaseModel):
    team_id: int
    name: str
    parent_id: int | None
    invited: int
    respondents: int | None
    shown: bool
    withheld: str | None
    index: float | None
    low: float | None
    high: float | None
    enps: float | None
    constructs: dict[str, float]


class WaveIndexOut(BaseModel):
    wave_id: int
    wave: str
    minimum: int
    company: TeamIndexOut | None
    teams: list[TeamIndexOut]


class LinkageOut(BaseModel):
    teams: int
    waves: list[str]
    links: list[dict[str, Any]]
    #: The team-level PLS path model (ES → SQ → CS → LOY), or why it was not estimated.
    path_model: dict[str, Any] | None = None


class CutCellOut(BaseModel):
    band: str
    shown: bool
    withheld: str | None
    respondents: int | None
    index: float | None
    low: float | None
    high: float | None
    enps: float | None


class AttributeCutOut(BaseModel):
    wave: str
    attribute: str
    team_id: int
    name: str
    minimum: int
    cells: list[CutCellOut]


def _out(t: Any) -> TeamIndexOut:
    return TeamIndexOut(
        team_id=t.team_id,
        name=t.name,
        parent_id=t.parent_id,
        invited=t.invited,
        respondents=t.respondents,
        shown=t.shown,
        withheld=None if t.withheld is None else str(t.withheld),
        index=t.index,
        low=t.low,
        high=t.high,
        enps=t.enps,
        constructs=t.constructs,
    )


@router.get("/people/waves/{wave_id}/index", response_model=WaveIndexOut)
def wave_index(wave_id: int, db: DbSession, settings: AppSettings, grant: Results) -> WaveIndexOut:
    """The employee index per team of one wave, for the teams in the caller's scope; the
    company figure only for whole-company readers. Suppression is computed over the whole
    company before the teams are filtered."""
    result = employee_index(db, wave=wave_id, minimum=settings.employee_min_group)
    allowed = grant.team_ids  # None: the whole company
    return WaveIndexOut(
        wave_id=result.wave_id,
        wave=result.wave,
        minimum=result.minimum,
        company=_out(result.company) if allowed is None else None,
        teams=[_out(t) for t in result.teams if allowed is None or t.team_id in allowed],
    )


@router.get("/people/linkage", response_model=LinkageOut)
def linkage(
    db: DbSession,
    settings: AppSettings,
    grant: CompanyResults,
    resamples: Annotated[int, Query(ge=200, le=10_000)] = 2000,
) -> LinkageOut:
    """What ``cxm people linkage --json`` prints (company-wide readers only)."""
    doc = linkage_document(db, resamples=resamples, minimum=settings.employee_min_group)
    return LinkageOut.model_validate(doc)


@router.get("/people/waves/{wave_id}/cuts/{attribute}", response_model=AttributeCutOut)
def wave_cuts(
    wave_id: int,
    attribute: str,
    db: DbSession,
    settings: AppSettings,
    grant: CompanyResults,
    team_id: Annotated[int, Query(ge=0)] = 0,
) -> AttributeCutOut:
    """The employee index of the company (``team_id`` 0) or a team by the bands of one
    declared attribute (company-wide readers only). Bands below the minimum, and any band
    that would let a small group be worked out from other published figures, are withheld
    — the same plan for every page, export and reader of the wave."""
    cut = attribute_cuts(
        db, wave=wave_id, attribute=attribute, team_id=team_id, minimum=settings.employee_min_group
    )
    return AttributeCutOut(
        wave=cut.wave,
        attribute=cut.attribute,
        team_id=cut.team_id,
        name=cut.name,
        minimum=cut.minimum,
        cells=[
            CutCellOut(
                band=c.band,
                shown=c.shown,
                withheld=None if c.withheld is None else str(c.withheld),
                respondents=c.respondents,
                index=c.index,
                low=c.low,
                high=c.high,
                enps=c.enps,
            )
            for c in cut.cells
        ],
    )
