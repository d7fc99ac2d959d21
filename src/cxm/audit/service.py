"""Writing and reading the audit log. There is no function to change or delete an entry,
and the model refuses both (see :mod:`cxm.audit.models`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxm.audit.models import AuditEntry
from cxm.jsonable import to_jsonable

__all__ = ["AuditPage", "entities", "list_entries", "record", "search_entries", "snapshot"]


def snapshot(obj: object, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of ``obj`` as plain JSON values (for ``before``/``after``)."""
    return {f: to_jsonable(getattr(obj, f)) for f in fields}


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: object,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (so it commits with the change, or not
    at all). ``actor_id`` is a staff user's id (None: the system or the command line run by
    an operator); ``before``/``after`` must name people by id, never by name."""
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=to_jsonable(dict(before)) if before is not None else None,
        after=to_jsonable(dict(after)) if after is not None else None,
    )
    session.add(entry)
    session.flush()
    return entry


def list_entries(
    session: Session,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    actor_id: int | None = None,
    limit: int = 1000,
) -> list[AuditEntry]:
    """Entries, newest first, optionally of one entity (and id) or one actor."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    return list(session.scalars(query))


@dataclass(frozen=True)
class AuditPage:
    """One page of entries, newest first, and how many match in all."""

    entries: list[AuditEntry]
    total: int


def search_entries(
    session: Session,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    actor_id: int | None = None,
    system: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
    offset: int = 0,
    limit: int = 50,
) -> AuditPage:
    """Entries matching every filter given (``system``: those with no actor; ``since``
    inclusive, ``until`` exclusive), newest first, ``limit`` from ``offset``."""
    conditions = []
    if entity:
        conditions.append(AuditEntry.entity == entity)
    if entity_id:
        conditions.append(AuditEntry.entity_id == entity_id)
    if system:
        conditions.append(AuditEntry.actor_id.is_(None))
    elif actor_id is not None:
        conditions.append(AuditEntry.actor_id == actor_id)
    if since is not None:
        conditions.append(AuditEntry.at >= since)
    if until is not None:
        conditions.append(AuditEntry.at < until)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
    rows = session.scalars(
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.id.desc())
        .offset(max(offset, 0))
        .limit(limit)
    )
    return AuditPage(list(rows), int(total or 0))


def entities(session: Session) -> list[str]:
    """The kinds of thing the log has entries about."""
    return list(session.scalars(select(AuditEntry.entity).distinct().order_by(AuditEntry.entity)))
