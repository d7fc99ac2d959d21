"""Writing jobs: :func:`enqueue` adds an outbox row inside the caller's transaction, so the
job exists exactly when the change that triggers it is committed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cxm.errors import InputError
from cxm.i18n import _
from cxm.jobs.models import Job, JobStatus
from cxm.jobs.registry import get_job
from cxm.store.base import utcnow

__all__ = ["ANSWER_COMPLETED", "answer_completed", "answer_completed_key", "enqueue"]

#: The outbox row of a completed survey answer (payload ``response_id``), written in the
#: answer's own transaction; its job is registered by :mod:`cxm.cases.jobs`.
ANSWER_COMPLETED = "responses.completed"


def _checked_payload(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    try:
        return dict(json.loads(json.dumps(payload, allow_nan=False)))
    except (TypeError, ValueError) as exc:
        raise InputError(
            _("The payload of job {name} is not JSON: {reason}", name=name, reason=str(exc))
        ) from None


def enqueue(
    session: Session | Connection,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    run_at: datetime | None = None,
) -> int:
    """Add job ``name`` to the outbox in ``session``'s transaction and return its id. With
    ``key``, a second enqueue of the same key (even a concurrent one) adds nothing and
    returns the first job's id."""
    spec = get_job(name)
    when = run_at or utcnow()
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    values = {
        "name": name,
        "payload": _checked_payload(name, payload or {}),
        "key": key,
        "status": JobStatus.QUEUED,
        "run_at": when,
        "attempts": 0,
        "max_attempts": spec.max_attempts,
        "created_at": utcnow(),
        "updated_at": utcnow(),
    }
    if key is None:
        stmt: Any = insert(Job).values(values).returning(Job.id)
        return int(session.execute(stmt).scalar_one())
    bind = session.get_bind() if isinstance(session, Session) else session
    dialect = bind.dialect.name
    ins = postgresql.insert(Job) if dialect == "postgresql" else sqlite.insert(Job)
    stmt = ins.values(values).on_conflict_do_nothing(index_elements=["key"]).returning(Job.id)
    new_id = session.execute(stmt).scalar()
    if new_id is not None:
        return int(new_id)
    return int(session.execute(select(Job.id).where(Job.key == key)).scalar_one())


def answer_completed_key(response_id: int) -> str:
    return f"{ANSWER_COMPLETED}:{response_id}"


def answer_completed(session: Session | Connection, response_id: int) -> int:
    """The outbox row of answer ``response_id``, completed in ``session``'s transaction
    (once per answer: the key makes a repeat add nothing)."""
    return enqueue(
        session,
        ANSWER_COMPLETED,
        {"response_id": int(response_id)},
        key=answer_completed_key(response_id),
    )
