"""``/api/v1/moments``: CSAT per moment of truth (touchpoint type) and journey stage, and
each moment's weight in overall satisfaction — what ``cxm moments --json`` prints."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Query
from pydantic import BaseModel

from cxm.accounts.permissions import Capability
from cxm.management.moments import moments_of_truth
from cxm.web.deps import DbSession
from cxm.web.permissions import Grant, Require

__all__ = ["MomentsOut", "router"]

router = APIRouter(tags=["moments"])


class MomentsOut(BaseModel):
    responses: int
    by_moment: list[dict[str, Any]]
    by_stage: list[dict[str, Any]]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", date_format="iso"))
    return out


@router.get("/moments", response_model=MomentsOut)
def moments(
    db: DbSession,
    grant: Annotated[Grant, Require(Capability.VIEW_REPORTS)],
    as_of: Annotated[str | None, Query(max_length=10, pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
    min_n: Annotated[int, Query(ge=1, le=100000)] = 30,
) -> MomentsOut:
    result = moments_of_truth(db, as_of=as_of, min_n=min_n)
    return MomentsOut(
        responses=result.responses,
        by_moment=_records(result.by_moment),
        by_stage=_records(result.by_stage),
    )
