"""The Jinja2 environment of the web app: autoescaped, with ``_`` and the language."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi.templating import Jinja2Templates

from cxm.i18n import _, current_language

__all__ = ["TEMPLATES_DIR", "templates"]

TEMPLATES_DIR = Path(__file__).parent / "templates"


@cache
def templates() -> Jinja2Templates:
    """One environment for every page; ``.html`` templates are autoescaped."""
    t = Jinja2Templates(directory=str(TEMPLATES_DIR))
    t.env.globals["_"] = _
    t.env.globals["current_language"] = current_language
    return t
