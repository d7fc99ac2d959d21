"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: the database is
reachable and its schema is the one this version needs). A load balancer sends traffic
on ``/readyz``; an orchestrator restarts on ``/healthz``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from cxm import __version__
from cxm.errors import CXMError
from cxm.store import Store

__all__ = ["router"]

router = APIRouter(tags=["system"])


class Health(BaseModel):
    status: str
    version: str


class Readiness(BaseModel):
    status: str
    database: str
    migrations: str
    message: str = ""


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    return Health(status="ok", version=__version__)


def _readiness(store: Store) -> Readiness:
    from cxm.store.migrate import current_revisions, head_revisions

    try:
        store.check_reachable()
    except CXMError as exc:
        return Readiness(
            status="fail", database="unreachable", migrations="unknown", message=exc.message
        )
    current = current_revisions(store.engine)
    heads = head_revisions(store.engine)
    if current != heads:
        return Readiness(
            status="fail",
            database="ok",
            migrations="behind",
            message="schema at "
            + (", ".join(sorted(current)) or "none")
            + "; needs "
            + ", ".join(sorted(heads)),
        )
    return Readiness(status="ok", database="ok", migrations="current")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(request: Request) -> JSONResponse:
    result = await run_in_threadpool(_readiness, request.app.state.store)
    return JSONResponse(result.model_dump(), status_code=200 if result.status == "ok" else 503)
