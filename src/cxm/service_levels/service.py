"""Setting, listing and resolving service levels; the cost to serve per segment that
``targets propose`` uses."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cxm.errors import InputError, NotFound
from cxm.i18n import _
from cxm.service_levels.models import ServiceClock, ServiceLevel

__all__ = [
    "DEFAULT_CASE_TYPE",
    "ClockSpec",
    "clock_for",
    "costs_to_serve",
    "default_clock",
    "get_service_level",
    "list_service_levels",
    "parse_clock",
    "resolve_service_level",
    "service_level_names",
    "service_level_of",
    "set_service_level",
]

#: The clock row that applies to case types without their own.
DEFAULT_CASE_TYPE = "default"


@dataclass(frozen=True, slots=True)
class ClockSpec:
    case_type: str
    first_response_hours: float
    resolution_hours: float
    business_hours: bool = False


def default_clock(*, key_account: bool, case_type: str = DEFAULT_CASE_TYPE) -> ClockSpec:
    """CXM's defaults: key accounts first response in 4 h and resolution in 24 h, others
    24 h and 72 h, in calendar hours (the survey promises "answered within 24 hours")."""
    if key_account:
        return ClockSpec(case_type, 4.0, 24.0, False)
    return ClockSpec(case_type, 24.0, 72.0, False)


def parse_clock(text: str) -> ClockSpec:
    """``TYPE=FIRST/RESOLUTION[/business]`` in hours, e.g. ``complaint=4/24`` or
    ``inquiry=8/40/business``."""
    case_type, sep, rest = text.partition("=")
    parts = rest.split("/")
    ok = bool(sep and case_type.strip()) and len(parts) in (2, 3)
    business = len(parts) == 3 and parts[2].strip().lower() in ("business", "b")
    calendar = len(parts) == 3 and parts[2].strip().lower() in ("calendar", "c")
    if ok and len(parts) == 3 and not (business or calendar):
        ok = False
    try:
        first, resolution = (float(p) for p in parts[:2]) if ok else (math.nan, math.nan)
    except ValueError:
        ok = False
        first = resolution = math.nan
    if not ok or not (0 < first <= resolution < 10_000):
        raise InputError(
            _(
                "Clock {value}: write TYPE=FIRST/RESOLUTION (or TYPE=FIRST/RESOLUTION/business) "
                "in hours, with 0 < first response <= resolution, e.g. complaint=4/24.",
                value=text,
            )
        )
    return ClockSpec(case_type.strip(), first, resolution, business)


def _cost(value: float | Decimal | str) -> Decimal:
    try:
        cost = Decimal(str(value))
    except InvalidOperation:
        cost = Decimal("NaN")
    if not cost.is_finite() or cost < 0:
        raise InputError(
            _(
                "Cost to serve {value}: give a number of at least 0 (per customer and year).",
                value=str(value),
            )
        )
    return cost.quantize(Decimal("0.01"))


def _check_segment(session: Session, definition: str, segment: str) -> int:
    from cxm.segments.definitions import get_definition, segment_labels
    from cxm.segments.membership import members

    d = get_definition(session, definition)
    labels = segment_labels(d) or list(members(session, definition)["segment"].unique())
    if segment not in labels:
        raise InputError(
            _(
                "{name} has no segment {segment}; it has: {labels}",
                name=definition,
                segment=segment,
                labels=", ".join(map(str, labels)),
            )
        )
    return d.id


def set_service_level(
    session: Session,
    *,
    name: str,
    definition: str | None = None,
    segment: str | None = None,
    key_account: bool | None = None,
    cost_to_serve: float | Decimal | str | None = None,
    clocks: list[ClockSpec] | None = None,
    standards: dict[str, Any] | None = None,
    description: str | None = None,
) -> ServiceLevel:
    """Create or update the service level ``name``. Given, ``definition`` and ``segment``
    tie it to that segment (one level per segment); ``clocks`` replace those of the case
    types they name; a new level gets the default clock for its kind of account."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InputError(_("A service level needs a name of 1 to 100 characters."))
    if (definition is None) != (segment is None):
        raise InputError(_("Give both --definition and --segment, or neither."))
    level = session.scalars(
        select(ServiceLevel)
        .where(ServiceLevel.name == name)
        .options(selectinload(ServiceLevel.clocks))
    ).first()
    if level is None:
        level = ServiceLevel(name=name, key_account=bool(key_account), cost_to_serve=Decimal(0))
        level.standards = {}
        session.add(level)
        new = True
    else:
        new = False
    if definition is not None and segment is not None:
        def_id = _check_segment(session, definition, segment)
        taken = session.scalars(
            select(ServiceLevel.name).where(
                ServiceLevel.definition_id == def_id,
                ServiceLevel.segment == segment,
                ServiceLevel.name != name,
            )
        ).first()
        if taken is not None:
            raise InputError(
                _(
                    "Segment {segment} of {definition} already has the service level {other}.",
                    segment=segment,
                    definition=definition,
                    other=taken,
                )
            )
        level.definition_id, level.segment = def_id, segment
    if key_account is not None:
        level.key_account = key_account
    if cost_to_serve is not None:
        level.cost_to_serve = _cost(cost_to_serve)
    if standards is not None:
        if not isinstance(standards, dict):
            raise InputError(_("Service standards must be a JSON object."))
        level.standards = dict(standards)
    if description is not None:
        level.description = description
    given = {c.case_type: c for c in clocks or []}
    if new and DEFAULT_CASE_TYPE not in given:
        given[DEFAULT_CASE_TYPE] = default_clock(key_account=level.key_account)
    existing = {c.case_type: c for c in level.clocks}
    for case_type, spec in given.items():
        row = existing.get(case_type) or ServiceClock(case_type=case_type)
        row.first_response_hours = spec.first_response_hours
        row.resolution_hours = spec.resolution_hours
        row.business_hours = spec.business_hours
        if case_type not in existing:
            level.clocks.append(row)
    session.flush()
    from cxm.audit import record

    record(
        session,
        actor_id=None,
        action="set",
        entity="service_level",
        entity_id=level.id,
        after={
            "name": level.name,
            "segment": level.segment,
            "cost_to_serve": level.cost_to_serve,
            "key_account": level.key_account,
            "clocks": [
                (c.case_type, c.first_response_hours, c.resolution_hours, c.business_hours)
                for c in level.clocks
            ],
        },
    )
    return level


def get_service_level(session: Session, name: str) -> ServiceLevel:
    level = session.scalars(select(ServiceLevel).where(ServiceLevel.name == name)).first()
    if level is None:
        raise NotFound(_("No service level named {name}.", name=name))
    return level


def resolve_service_level(session: Session, name: str | None) -> int | None:
    """The id of the service level ``name`` (a target's ``--service-level``); a name not
    yet known becomes a level of its own with the default clocks and no cost, so a label
    given with a target is kept as before and can be completed later."""
    if name is None or not name.strip():
        return None
    found = session.scalar(select(ServiceLevel.id).where(ServiceLevel.name == name.strip()))
    if found is not None:
        return int(found)
    return set_service_level(session, name=name).id


def service_level_of(session: Session, *, definition_id: int, segment: str) -> ServiceLevel | None:
    return session.scalars(
        select(ServiceLevel).where(
            ServiceLevel.definition_id == definition_id, ServiceLevel.segment == segment
        )
    ).first()


def costs_to_serve(session: Session, *, definition: str) -> dict[str, float]:
    """Cost to serve per customer-year of each segment of ``definition`` that has a service
    level (what ``targets propose`` uses)."""
    from cxm.segments.models import SegmentDefinition

    rows = session.execute(
        select(ServiceLevel.segment, ServiceLevel.cost_to_serve)
        .join(SegmentDefinition, SegmentDefinition.id == ServiceLevel.definition_id)
        .where(SegmentDefinition.name == definition)
    ).all()
    return {str(seg): float(cost) for seg, cost in rows if seg is not None}


def service_level_names(session: Session, *, definition: str) -> dict[str, str]:
    """Name of the service level of each segment of ``definition`` that has one."""
    from cxm.segments.models import SegmentDefinition

    rows = session.execute(
        select(ServiceLevel.segment, ServiceLevel.name)
        .join(SegmentDefinition, SegmentDefinition.id == ServiceLevel.definition_id)
        .where(SegmentDefinition.name == definition)
    ).all()
    return {str(seg): str(name) for seg, name in rows if seg is not None}


def clock_for(session: Session, *, service_level_id: int, case_type: str) -> ClockSpec:
    """The clocks for ``case_type`` under a service level: its own row, else ``default``."""
    rows = {
        c.case_type: c
        for c in session.scalars(
            select(ServiceClock).where(
                ServiceClock.service_level_id == service_level_id,
                ServiceClock.case_type.in_([case_type, DEFAULT_CASE_TYPE]),
            )
        )
    }
    row = rows.get(case_type) or rows.get(DEFAULT_CASE_TYPE)
    if row is None:
        level = session.get(ServiceLevel, service_level_id)
        if level is None:
            raise NotFound(_("No service level with id {id}.", id=service_level_id))
        return default_clock(key_account=level.key_account, case_type=case_type)
    return ClockSpec(case_type, row.first_response_hours, row.resolution_hours, row.business_hours)


def list_service_levels(session: Session) -> list[dict[str, Any]]:
    from cxm.segments.models import SegmentDefinition

    names = dict(session.execute(select(SegmentDefinition.id, SegmentDefinition.name)).all())
    levels = session.scalars(
        select(ServiceLevel).options(selectinload(ServiceLevel.clocks)).order_by(ServiceLevel.name)
    )
    return [
        {
            "id": level.id,
            "name": level.name,
            "definition": names.get(level.definition_id) if level.definition_id else None,
            "segment": level.segment,
            "key_account": level.key_account,
            "cost_to_serve": float(level.cost_to_serve),
            "clocks": [
                {
                    "case_type": c.case_type,
                    "first_response_hours": c.first_response_hours,
                    "resolution_hours": c.resolution_hours,
                    "business_hours": c.business_hours,
                }
                for c in level.clocks
            ],
            "standards": dict(level.standards or {}),
            "description": level.description,
        }
        for level in levels
    ]
