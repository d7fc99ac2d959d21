"""The web app: thin FastAPI routers over the domain services."""

from __future__ import annotations

from cxm.web.app import create_app

__all__ = ["create_app"]
