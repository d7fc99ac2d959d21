"""Saved segment definitions: Pareto value tiers, RFM cells, rule segments.

Parameters per kind (JSON):

- ``pareto``: ``cuts`` (default ``[0.2]``), ``labels`` (default ``["key", "other"]``),
  ``start`` / ``end`` (ISO dates of the profit period; default all history) or ``months``
  (the last N months up to the latest purchase).
- ``rfm``: ``bins`` (default 5), ``months``, ``groups`` (name → list of cell patterns such as
  ``"5*5"``; unmatched cells go to ``default``, "other"); without groups each cell is a
  segment. Customers without a purchase form "no purchases".
- ``rule``: ``segments`` (list of ``{name, conditions: [{field, op, value}]}``), ``default``
  (segment for customers matching none; none = left out).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.analytics.segmentation import RuleSegment, pareto_tiers
from cxm.audit.service import record, snapshot
from cxm.errors import InputError, NotFound
from cxm.i18n import _
from cxm.segments.models import SegmentDefinition, SegmentKind

__all__ = [
    "NO_PURCHASES",
    "Period",
    "define_segments",
    "delete_definition",
    "get_definition",
    "list_definitions",
    "period_of",
    "segment_labels",
]

NO_PURCHASES = "no purchases"
MAX_LABEL = 100


@dataclass(frozen=True)
class Period:
    start: date | None
    end: date | None
    months: int | None


def _date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(
            _("{field} must be a date YYYY-MM-DD, not {value}.", field=field, value=value)
        ) from None


def period_of(params: dict[str, Any]) -> Period:
    start, end = _date(params.get("start"), "start"), _date(params.get("end"), "end")
    months = params.get("months")
    if months is not None and (not isinstance(months, int) or months < 1):
        raise InputError(_("months must be a positive whole number, not {v}.", v=months))
    if start and end and end <= start:
        raise InputError(
            _("The period ends before it starts: {start} to {end}.", start=start, end=end)
        )
    return Period(start, end, months)


def _labels(labels: list[Any]) -> list[str]:
    out = [str(x) for x in labels]
    for label in out:
        if not label.strip() or len(label) > MAX_LABEL:
            raise InputError(_('Segment names must be 1 to 100 characters: "{name}"', name=label))
    return out


def _normalise(kind: SegmentKind, params: dict[str, Any]) -> dict[str, Any]:
    """Check and complete the parameters of a definition (errors name the field)."""
    p = dict(params)
    period_of(p)
    if kind == SegmentKind.PARETO:
        p.setdefault("cuts", [0.2])
        p.setdefault("labels", ["key", "other"] if len(p["cuts"]) == 1 else None)
        if p["labels"] is None:
            p["labels"] = [f"tier {i + 1}" for i in range(len(p["cuts"]) + 1)]
        p["labels"] = _labels(p["labels"])
        pareto_tiers(pd.Series(dtype=float), cuts=p["cuts"], labels=p["labels"])  # validates
    elif kind == SegmentKind.RFM:
        p.setdefault("bins", 5)
        if not isinstance(p["bins"], int) or not 2 <= p["bins"] <= 10:
            raise InputError(_("RFM bins must be between 2 and 10, not {bins}.", bins=p["bins"]))
        groups = p.get("groups") or {}
        if not isinstance(groups, dict) or not all(isinstance(v, list) for v in groups.values()):
            raise InputError(_("RFM groups must map a name to a list of cell patterns."))
        _labels(list(groups))
        p["groups"] = groups
        p.setdefault("default", "other")
    else:
        segs = p.get("segments")
        if not isinstance(segs, list) or not segs:
            raise InputError(_("A rule definition needs a non-empty list of segments."))
        parsed = [RuleSegment.from_dict(s) for s in segs]
        names = _labels([s.name for s in parsed])
        if len(set(names)) != len(names):
            raise InputError(_("Segment names must be distinct: {names}", names=", ".join(names)))
        p.setdefault("default", None)
        if p["default"] is not None:
            _labels([p["default"]])
            if p["default"] in names:
                raise InputError(
                    _("The default segment repeats a rule name: {name}", name=p["default"])
                )
    return p


def define_segments(
    session: Session,
    *,
    name: str,
    kind: str,
    parameters: dict[str, Any] | None = None,
    exclusive: bool = True,
    description: str | None = None,
    created_by: str | None = None,
    replace: bool = False,
    actor_id: int | None = None,
) -> SegmentDefinition:
    """Save a segment definition after checking its parameters."""
    try:
        k = SegmentKind(kind)
    except ValueError:
        raise InputError(
            _("Segment kind must be pareto, rfm or rule, not {kind}.", kind=kind)
        ) from None
    name = name.strip()
    _labels([name])
    params = _normalise(k, parameters or {})
    if k != SegmentKind.RULE:
        exclusive = True
    existing = session.scalars(
        select(SegmentDefinition).where(SegmentDefinition.name == name)
    ).first()
    if existing is not None and not replace:
        raise InputError(
            _("A segment definition named {name} exists; use --replace to redefine it.", name=name)
        )
    d = existing or SegmentDefinition(name=name)
    before = snapshot(d, _AUDITED) if existing is not None else None
    d.kind, d.parameters, d.exclusive = k, params, exclusive
    d.description, d.created_by = description, created_by
    session.add(d)
    session.flush()
    record(
        session,
        actor_id=actor_id,
        action="replace" if existing is not None else "create",
        entity="segment_definition",
        entity_id=d.id,
        before=before,
        after=snapshot(d, _AUDITED),
    )
    return d


_AUDITED = ("name", "kind", "parameters", "exclusive", "description")


def get_definition(session: Session, name: str) -> SegmentDefinition:
    d = session.scalars(select(SegmentDefinition).where(SegmentDefinition.name == name)).first()
    if d is None:
        raise NotFound(_("No segment definition named {name}.", name=name))
    return d


def list_definitions(session: Session) -> list[SegmentDefinition]:
    return list(session.scalars(select(SegmentDefinition).order_by(SegmentDefinition.name)))


def delete_definition(session: Session, name: str, *, actor_id: int | None = None) -> None:
    d = get_definition(session, name)
    record(
        session,
        actor_id=actor_id,
        action="delete",
        entity="segment_definition",
        entity_id=d.id,
        before=snapshot(d, _AUDITED),
    )
    session.delete(d)


def segment_labels(d: SegmentDefinition) -> list[str]:
    """The segments a definition promises (empty ones then show as "no data")."""
    p = d.parameters
    if d.kind == SegmentKind.PARETO:
        return list(p["labels"])
    if d.kind == SegmentKind.RFM:
        return [*p.get("groups", {}), p.get("default", "other")] if p.get("groups") else []
    names = [str(s["name"]) for s in p["segments"]]
    return names + ([p["default"]] if p.get("default") else [])
