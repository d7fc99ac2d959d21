"""Honest figures: the quality of every estimate, in words a manager understands.

A number printed without its quality reads as strong. Each check here compares one figure
with the threshold the literature uses and, when it falls short, returns a :class:`Flag`
whose ``message`` says what it means for a decision ("too weak to act on"). The same flags
go to the CLI, ``--json`` and the report.

Thresholds
----------
- AUC < 0.65: a risk score barely better than chance (Hosmer, Lemeshow & Sturdivant 2013
  call 0.7–0.8 acceptable; below 0.65 the ranking is too weak to act on).
- AVE < 0.5: a construct explains less than half of its items' variance (Fornell & Larcker
  1981).
- ρA, ρc or a loading outside [0, 1]: an improper solution (Dijkstra & Henseler 2015).
- HTMT > 0.9: two constructs are not told apart (Henseler, Ringle & Sarstedt 2015).
- R² < 0.1: the drivers explain almost nothing of the outcome (Cohen 1988: small effect).
- A group below the minimum size (``CXM_MIN_N``): its figure is suppressed or flagged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from cxm.i18n import _

__all__ = [
    "AUC_MIN",
    "AVE_MIN",
    "HTMT_MAX",
    "R2_MIN",
    "Flag",
    "auc_flags",
    "group_flags",
    "pls_flags",
    "r2_flags",
]

AUC_MIN = 0.65
AVE_MIN = 0.5
HTMT_MAX = 0.9
R2_MIN = 0.1


@dataclass(frozen=True)
class Flag:
    """A weak estimate: ``estimate`` names it (e.g. ``AVE Loyalty``), ``value`` is the figure,
    ``limit`` the threshold it misses, ``message`` the sentence for a manager."""

    check: str
    estimate: str
    value: float
    limit: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def auc_flags(auc: Any, *, what: str | None = None) -> list[Flag]:
    """AUC below 0.65: the risk score ranks customers hardly better than chance."""
    v = _num(auc)
    if v is None or v >= AUC_MIN:
        return []
    name = what or _("churn-risk model")
    return [
        Flag(
            "auc",
            name,
            v,
            f"≥ {AUC_MIN}",
            _(
                "The {what} is too weak to act on: on customers it has not seen it ranks "
                "those who leave above those who stay only {pct:.0f} % of the time (50 % is "
                "chance; at least 65 % is needed). Use it to look, not to decide.",
                what=name,
                pct=100 * v,
            ),
        )
    ]


def r2_flags(r2: Mapping[str, Any] | Any, *, what: str | None = None) -> list[Flag]:
    """R² below 0.1: the drivers explain almost nothing of the outcome."""
    items = r2.items() if isinstance(r2, Mapping) else [(what or _("the outcome"), r2)]
    out = []
    for name, value in items:
        v = _num(value)
        if v is None or v >= R2_MIN:
            continue
        out.append(
            Flag(
                "r2",
                str(name),
                v,
                f"≥ {R2_MIN}",
                _(
                    "The drivers explain only {pct:.0f} % of {name} (R² {value:.2f}; under "
                    "10 % is too weak to act on): look for what else moves it before "
                    "spending on these drivers.",
                    pct=100 * v,
                    name=name,
                    value=v,
                ),
            )
        )
    return out


def group_flags(groups: Iterable[tuple[str, Any]], *, min_n: int) -> list[Flag]:
    """Groups with fewer than ``min_n`` customers or answers."""
    out = []
    for name, n in groups:
        v = _num(n)
        if v is None or v >= min_n:
            continue
        out.append(
            Flag(
                "group_size",
                str(name),
                v,
                f"≥ {min_n}",
                _(
                    "{name} has only {n:.0f} customers (fewer than {min_n}): its figures "
                    "are too uncertain to compare and are not to be acted on alone.",
                    name=name,
                    n=v,
                    min_n=min_n,
                ),
            )
        )
    return out


def pls_flags(document: Mapping[str, Any]) -> list[Flag]:
    """Flags of a PLS result document (:func:`cxm.analytics.pls.result_document`): AVE,
    ρA/ρc and loadings outside [0, 1], HTMT above 0.9, R² below 0.1."""
    out: list[Flag] = []
    for row in document.get("reliability") or []:
        name = str(row.get("construct"))
        ave = _num(row.get("ave"))
        if ave is not None and ave < AVE_MIN:
            out.append(
                Flag(
                    "ave",
                    f"AVE {name}",
                    ave,
                    f"≥ {AVE_MIN}",
                    _(
                        "{name} is measured weakly: its questions share only {pct:.0f} % of "
                        "their variance with it (AVE {value:.2f}; at least 50 % is needed). "
                        "Its index and effects are too weak to act on.",
                        name=name,
                        pct=100 * ave,
                        value=ave,
                    ),
                )
            )
        for key, label in (("rho_a", "ρA"), ("rho_c", "ρc")):
            v = _num(row.get(key))
            if v is not None and not 0 <= v <= 1:
                out.append(_improper(f"{label} {name}", v))
    for row in document.get("loadings") or []:
        v = _num(row.get("estimate"))
        if v is not None and not 0 <= v <= 1:
            out.append(_improper(f"{row.get('construct')} ← {row.get('indicator')}", v))
    for row in document.get("htmt") or []:
        v = _num(row.get("htmt"))
        if v is not None and v > HTMT_MAX:
            a, b = row.get("construct_a"), row.get("construct_b")
            out.append(
                Flag(
                    "htmt",
                    f"HTMT {a}–{b}",
                    v,
                    f"≤ {HTMT_MAX}",
                    _(
                        "{a} and {b} are not told apart by the answers (HTMT {value:.2f} "
                        "above 0.90): customers answer them as one thing, so their separate "
                        "effects are too weak to act on.",
                        a=a,
                        b=b,
                        value=v,
                    ),
                )
            )
    out += r2_flags(document.get("r2") or {})
    return out


def _improper(name: str, value: float) -> Flag:
    return Flag(
        "range",
        name,
        value,
        "[0, 1]",
        _(
            "{name} is {value:.3f}, outside 0…1: the model's solution is improper (too few "
            "answers or badly fitting questions) and its figures are not to be trusted.",
            name=name,
            value=value,
        ),
    )
