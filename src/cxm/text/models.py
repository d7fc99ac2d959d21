"""Texts CXM keeps that are not survey answers: complaint logs, call-centre transcripts,
touchpoint notes and account managers' visit reports, with the staff's coding."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from cxm.store.base import Base, TimestampMixin, code_enum

__all__ = ["TextEntry", "TextSource"]


def _json_or_null() -> TypeEngine[Any]:
    """JSON (JSONB on PostgreSQL) where Python ``None`` is SQL NULL: "not coded"."""
    return JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class TextSource(StrEnum):
    COMPLAINT_LOG = "complaint_log"
    CALL_TRANSCRIPT = "call_transcript"
    TOUCHPOINT_NOTE = "touchpoint_note"
    VISIT_REPORT = "visit_report"
    CASE = "case"


class TextEntry(TimestampMixin, Base):
    """One text about a customer. ``staff_labels`` are the faults and emotions a member of
    staff coded (on the case form or in the coding screen); NULL when nobody coded it."""

    __tablename__ = "text_entries"
    __table_args__ = (
        Index("ix_text_entries_customer_time", "customer_id", "occurred_at"),
        Index("ix_text_entries_case_id", "case_id"),
        Index("ix_text_entries_updated_at", "updated_at"),  # the latest change (store/changes.py)
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[TextSource] = mapped_column(code_enum(TextSource, "text_source", length=32))
    external_id: Mapped[str | None] = mapped_column(String(100))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    touchpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("touchpoints.id", ondelete="SET NULL")
    )
    occurred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)
    staff_labels: Mapped[list[str] | None] = mapped_column(_json_or_null())
    coded_by: Mapped[str | None] = mapped_column(String(200))
    #: The case whose text or note this is (source ``case``).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    #: What the text pipeline read when the text arrived (see :mod:`cxm.cases.texts`);
    #: NULL until a worker read it.
    analysis: Mapped[dict[str, Any] | None] = mapped_column(_json_or_null())
    analysed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
