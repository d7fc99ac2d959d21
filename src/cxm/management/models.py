"""Tables of differentiated management: segment definitions, memberships over time, targets."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from cxm.store.base import Base, TimestampMixin, code_enum, json_type, utcnow

__all__ = ["SegmentDefinition", "SegmentKind", "SegmentMembership", "Target"]


class SegmentKind(StrEnum):
    PARETO = "pareto"
    RFM = "rfm"
    RULE = "rule"


class SegmentDefinition(TimestampMixin, Base):
    """A saved way of splitting the customer file; ``parameters`` hold the cut points, RFM
    settings or rules (see :mod:`cxm.management.definitions`)."""

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


class Target(TimestampMixin, Base):
    """A KPI target and service level for one segment, for all waves (``wave_id`` NULL) or
    one wave / period. ``wave_id`` names a survey wave without a foreign key: the surveys
    schema is a separate migration branch."""

    __tablename__ = "segment_targets"
    __table_args__ = (Index("ix_segment_targets_definition_kpi", "definition_id", "kpi"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int] = mapped_column(
        ForeignKey("segment_definitions.id", ondelete="CASCADE")
    )
    segment: Mapped[str] = mapped_column(String(100))
    kpi: Mapped[str] = mapped_column(String(32))
    wave_id: Mapped[int | None] = mapped_column(Integer)
    period: Mapped[str | None] = mapped_column(String(20))
    value: Mapped[float] = mapped_column(Float)
    #: The segment's service level (``cxm service-levels``); was a free-text label.
    service_level_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_levels.id", ondelete="SET NULL")
    )
    set_by: Mapped[str | None] = mapped_column(String(200))
    #: What ``targets propose --save`` proposed, and the rule behind it; a target set to
    #: another value carries the manager's reason (required, audited).
    proposed_value: Mapped[float | None] = mapped_column(Float)
    proposal_rule: Mapped[str | None] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text)
