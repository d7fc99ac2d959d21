"""Tables of differentiated management: targets per segment. The segment tables live in
:mod:`cxm.segments.models` and are re-exported here for code written before the move."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cxm.segments.models import SegmentDefinition, SegmentKind, SegmentMembership
from cxm.store.base import Base, TimestampMixin

__all__ = ["SegmentDefinition", "SegmentKind", "SegmentMembership", "Target"]


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
