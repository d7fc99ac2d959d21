"""The Jinja2 environment of the web app: autoescaped, with ``_`` and the language."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path

from fastapi.templating import Jinja2Templates

from cxm.i18n import _, current_language

__all__ = ["TEMPLATES_DIR", "templates"]

TEMPLATES_DIR = Path(__file__).parent / "templates"


def local_time(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) time as the company's wall clock (``CXM_TIMEZONE``), for pages."""
    from cxm.clock import shown_time

    return shown_time(moment, fmt)


@cache
def templates() -> Jinja2Templates:
    """One environment for every page; ``.html`` templates are autoescaped."""
    t = Jinja2Templates(directory=str(TEMPLATES_DIR))
    t.env.globals["_"] = _
    t.env.globals["current_language"] = current_language
    t.env.filters["local"] = local_time
    return t
