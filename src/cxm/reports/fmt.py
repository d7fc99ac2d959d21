"""How numbers are written in a report (one place, so every section agrees)."""

from __future__ import annotations

import math
from typing import Any

from cxm.i18n import _

__all__ = ["ci_text", "is_num", "money", "num", "p_text", "pct", "signed"]


def is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def pct(v: Any, digits: int = 1) -> str:
    """A share 0–1 as a percentage; missing → an em dash."""
    return f"{v * 100:.{digits}f}%" if is_num(v) else "—"


def num(v: Any, digits: int = 1) -> str:
    return f"{v:,.{digits}f}" if is_num(v) else "—"


def money(v: Any) -> str:
    return f"{v:,.0f}" if is_num(v) else "—"


def signed(v: Any, digits: int = 1, *, percent: bool = False) -> str:
    if not is_num(v):
        return "—"
    if percent:
        return f"{v * 100:+.{digits}f} " + _("pts")
    return f"{v:+.{digits}f}"


def ci_text(low: Any, high: Any, *, percent: bool = False, digits: int = 1) -> str:
    if not (is_num(low) and is_num(high)):
        return ""
    f = pct if percent else num
    return _("95% CI {low} – {high}", low=f(low, digits), high=f(high, digits))


def p_text(p: Any) -> str:
    if not is_num(p):
        return ""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
