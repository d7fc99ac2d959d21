"""Tables of segments: definitions and memberships over time."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cxm.store.base import Base, TimestampMixin, code_enum, json_type, utcnow

__all__ = ["SegmentDefinition", "SegmentKind", "SegmentMembership"]


class SegmentKind(StrEnum):
    PARETO = "pareto"
    RFM = "rfm"
    RULE = "rule"


class SegmentDefinition(TimestampMixin, Base):
    """A saved way of splitting the customer file; ``parameters`` hold the cut points, RFM
    settings or rules (see :mod:`cxm.segments.definitions`)."""

    __tablename__ = "segment_definitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[SegmentKind] = mapped_column(code_enum(SegmentKind, "segment_kind", length=16))
    parameters: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    exclusive: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(200))
    computed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SegmentMembership(Base):
    """Customer ``customer_id`` was in ``segment`` of a definition from ``valid_from`` until
    ``valid_to`` (open while NULL): recomputing closes changed rows instead of overwriting,
    so "who was in which segment when" is kept."""

    __tablename__ = "segment_memberships"
    __table_args__ = (
        Index("ix_segment_memberships_definition_open", "definition_id", "valid_to"),
        Index("ix_segment_memberships_customer", "customer_id", "valid_from"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int] = mapped_column(
        ForeignKey("segment_definitions.id", ondelete="CASCADE")
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    segment: Mapped[str] = mapped_column(String(100))
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
