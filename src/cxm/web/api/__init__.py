"""The staff JSON API (``/api/v1``): one router per resource, every route behind a bearer
token or a staff session."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["api_router"]

api_router = APIRouter(prefix="/api/v1")
