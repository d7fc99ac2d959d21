"""The web app: thin FastAPI routers over the domain services.

``create_app`` is imported on first use: a lone ``cxm serve`` process loads
:mod:`cxm.web.starting` first, which answers before every route has been imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cxm.web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from cxm.web.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
