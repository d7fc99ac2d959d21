"""The staff JSON API (``/api/v1``): one router per resource, every route behind a bearer
token or a staff session."""

from __future__ import annotations

from fastapi import APIRouter

from cxm.web.api import org, people, questionnaires, responses, users, waves

__all__ = ["api_router"]

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(questionnaires.router)
api_router.include_router(waves.router)
api_router.include_router(responses.router)
api_router.include_router(users.router)
api_router.include_router(org.router)
api_router.include_router(people.router)
