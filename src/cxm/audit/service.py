"""Writing and reading the audit log. There is no function to change or delete an entry,
and the model refuses both (see :mod:`cxm.audit.models`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.audit.models import AuditEntry
from cxm.jsonable import to_jsonable

__all__ = ["list_entries", "record", "snapshot"]


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
