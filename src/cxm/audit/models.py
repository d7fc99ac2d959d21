"""The audit log's one table: append-only, people named by id only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from cxm.store.base import Base, json_type, utcnow

__all__ = ["AuditEntry", "AuditLogIsAppendOnly"]


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


class AuditEntry(Base):
    """One change: who (a staff user id, or None for the system), what, to which entity,
    when (UTC), and the entity before and after (JSON; ids, never names of people)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    #: No foreign key on purpose: erasing a person later must never rewrite history.
    actor_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(100))
    before: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    after: Mapped[dict[str, Any] | None] = mapped_column(json_type())


def _refuse(*_args: object) -> None:
    raise AuditLogIsAppendOnly("the audit log is append-only")


event.listen(AuditEntry, "before_update", _refuse)
event.listen(AuditEntry, "before_delete", _refuse)


def _refuse_bulk(state: ORMExecuteState) -> None:
    """``session.execute(update(AuditEntry))`` skips the mapper events: refuse it here."""
    if (
        (state.is_update or state.is_delete)
        and state.bind_mapper is not None
        and state.bind_mapper.class_ is AuditEntry
    ):
        _refuse()


event.listen(Session, "do_orm_execute", _refuse_bulk)
