"""Loading journeys (a new version each time the content changes), the active journey's
stages and touchpoint types, and moving recorded touchpoints to renamed stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from cxm.customers.models import Touchpoint
from cxm.errors import InputError, NotFound
from cxm.i18n import _
from cxm.journey.models import Journey, JourneyStageRow, TouchpointType
from cxm.journey.spec import JourneySpec, StageSpec, TypeSpec, parse_journey, shipped

__all__ = [
    "LoadResult",
    "active_journey",
    "check_stage",
    "journey_dict",
    "load_journey",
    "stage_codes",
    "stage_for_type",
]


@dataclass(frozen=True, slots=True)
class LoadResult:
    name: str
    version: int
    created: bool
    #: Old stage code → touchpoints moved to its new code.
    moved: dict[str, int] = field(default_factory=dict)


def active_journey(session: Session) -> Journey:
    """The active journey; the shipped default is loaded on first use when none is (as
    migration 0008 does; a database emptied table by table has none)."""
    q = (
        select(Journey)
        .where(Journey.active.is_(True))
        .options(selectinload(Journey.stages), selectinload(Journey.touchpoint_types))
    )
    j = session.scalars(q).first()
    if j is None:
        load_journey(session, shipped("default"), source="default.yaml", loaded_by="cxm")
        j = session.scalars(q).first()
    if j is None:  # pragma: no cover - load_journey just made one
        raise NotFound(_("No journey is loaded: run `cxm journey load FILE`."))
    return j


def _spec_of(j: Journey) -> JourneySpec:
    return JourneySpec(
        j.name,
        j.description,
        tuple(StageSpec(s.code, dict(s.label), s.description) for s in j.stages),
        tuple(TypeSpec(t.code, t.stage_code, dict(t.label)) for t in j.touchpoint_types),
    )


def load_journey(
    session: Session, text: str, *, source: str = "YAML", loaded_by: str | None = None
) -> LoadResult:
    """Load a journey from YAML as the active one. Unchanged content adds no version.
    Touchpoints whose stage the new journey lacks move by its ``moves``; a stage still in
    use and not moved is refused (nothing changes)."""
    spec = parse_journey(text, source=source)
    current = session.scalars(
        select(Journey)
        .where(Journey.active.is_(True))
        .options(selectinload(Journey.stages), selectinload(Journey.touchpoint_types))
    ).first()
    if (
        current is not None
        and current.name == spec.name
        and _spec_of(current).content() == spec.content()
    ):
        return LoadResult(current.name, current.version, False)
    used = dict(
        session.execute(select(Touchpoint.stage, func.count()).group_by(Touchpoint.stage)).all()
    )
    codes = set(spec.codes)
    orphans = {str(c): int(n) for c, n in used.items() if c not in codes and c not in spec.moves}
    if orphans:
        raise InputError(
            _(
                "Journey {name} lacks stages that recorded touchpoints use: {stages}. Add them "
                "to its stages, or say where they go under moves: (old code: new code).",
                name=spec.name,
                stages=", ".join(f"{c} ({n})" for c, n in sorted(orphans.items())),
            )
        )
    moved: dict[str, int] = {}
    for old, new in spec.moves.items():
        if old in used and old != new:
            session.execute(
                update(Touchpoint)
                .where(Touchpoint.stage == old)
                .values(stage=new)
                .execution_options(synchronize_session=False)
            )
            moved[old] = int(used[old])
    last = session.scalar(select(func.max(Journey.version)).where(Journey.name == spec.name))
    session.execute(update(Journey).where(Journey.active.is_(True)).values(active=False))
    j = Journey(
        name=spec.name,
        version=int(last or 0) + 1,
        active=True,
        description=spec.description,
        source=text,
        loaded_by=loaded_by,
    )
    j.stages = [
        JourneyStageRow(code=s.code, position=i, label=s.label, description=s.description)
        for i, s in enumerate(spec.stages, start=1)
    ]
    j.touchpoint_types = [
        TouchpointType(code=t.code, stage_code=t.stage, label=t.label)
        for t in spec.touchpoint_types
    ]
    session.add(j)
    session.flush()
    from cxm.audit import record

    record(
        session,
        actor_id=None,
        action="load",
        entity="journey",
        entity_id=j.id,
        after={"name": j.name, "version": j.version, "moved": moved},
    )
    return LoadResult(j.name, j.version, True, moved)


def stage_codes(session: Session) -> list[str]:
    """The active journey's stage codes, in journey order."""
    return [s.code for s in active_journey(session).stages]


def check_stage(session: Session, code: str) -> str:
    codes = stage_codes(session)
    if code not in codes:
        raise InputError(
            _(
                "Unknown journey stage {value}; use one of: {codes}",
                value=code,
                codes=", ".join(codes),
            )
        )
    return code


def stage_for_type(session: Session, touchpoint_type: str) -> str:
    """The stage a touchpoint of ``touchpoint_type`` belongs to in the active journey."""
    j = active_journey(session)
    for t in j.touchpoint_types:
        if t.code == touchpoint_type:
            return t.stage_code
    raise InputError(
        _(
            "Unknown touchpoint type {value}; use one of: {codes}",
            value=touchpoint_type,
            codes=", ".join(t.code for t in j.touchpoint_types),
        )
    )


def journey_dict(session: Session) -> dict[str, Any]:
    """The active journey with its stages (and touchpoints recorded in each) and types."""
    j = active_journey(session)
    counts = dict(
        session.execute(select(Touchpoint.stage, func.count()).group_by(Touchpoint.stage)).all()
    )
    versions = session.scalars(
        select(Journey.version).where(Journey.name == j.name).order_by(Journey.version)
    ).all()
    return {
        "name": j.name,
        "version": j.version,
        "versions": list(versions),
        "description": j.description,
        "loaded_at": j.created_at,
        "loaded_by": j.loaded_by,
        "stages": [
            {
                "position": s.position,
                "code": s.code,
                "label": dict(s.label),
                "description": s.description,
                "touchpoint_types": [t.code for t in j.touchpoint_types if t.stage_code == s.code],
                "touchpoints": int(counts.get(s.code, 0)),
            }
            for s in j.stages
        ],
        "touchpoint_types": [
            {"code": t.code, "stage": t.stage_code, "label": dict(t.label)}
            for t in j.touchpoint_types
        ],
    }
