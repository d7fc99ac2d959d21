"""The staff JSON API (``/api/v1``): one router per resource, every route behind a bearer
token or a staff session."""

from __future__ import annotations

from fastapi import APIRouter

from cxm.web.api import (
    cases,
    journey_steps,
    moments,
    operations,
    org,
    people,
    privacy,
    questionnaires,
    responses,
    standards,
    text,
    users,
    waves,
)

__all__ = ["api_router"]

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(questionnaires.router)
api_router.include_router(waves.router)
api_router.include_router(responses.router)
api_router.include_router(users.router)
api_router.include_router(org.router)
api_router.include_router(cases.router)
api_router.include_router(privacy.router)
api_router.include_router(operations.router)
api_router.include_router(journey_steps.router)
api_router.include_router(standards.router)
api_router.include_router(text.router)
api_router.include_router(moments.router)
api_router.include_router(people.router)
