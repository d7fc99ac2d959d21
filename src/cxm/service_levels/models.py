"""Service levels: what a segment is promised (case clocks) and what serving it costs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxm.store.base import Base, TimestampMixin, json_type

__all__ = ["ServiceClock", "ServiceLevel"]


class ServiceLevel(TimestampMixin, Base):
    """The service level of one segment (``definition_id`` + ``segment``), or a named level
    not yet tied to a segment (labels carried over from targets). ``cost_to_serve`` is per
    customer and year; ``standards`` holds the thresholds of service standards."""

    __tablename__ = "service_levels"
    __table_args__ = (UniqueConstraint("definition_id", "segment"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    definition_id: Mapped[int | None] = mapped_column(
        ForeignKey("segment_definitions.id", ondelete="SET NULL")
    )
    segment: Mapped[str | None] = mapped_column(String(100))
    key_account: Mapped[bool] = mapped_column(Boolean, default=False)
    cost_to_serve: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    standards: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    description: Mapped[str | None] = mapped_column(Text)

    clocks: Mapped[list[ServiceClock]] = relationship(
        back_populates="service_level", cascade="all, delete-orphan", order_by="ServiceClock.id"
    )


class ServiceClock(Base):
    """The case clocks of a service level for one case type (``default``: any other type).
    Hours are calendar hours unless ``business_hours``."""

    __tablename__ = "service_level_clocks"
    __table_args__ = (UniqueConstraint("service_level_id", "case_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_level_id: Mapped[int] = mapped_column(
        ForeignKey("service_levels.id", ondelete="CASCADE")
    )
    case_type: Mapped[str] = mapped_column(String(50))
    first_response_hours: Mapped[float] = mapped_column(Float)
    resolution_hours: Mapped[float] = mapped_column(Float)
    business_hours: Mapped[bool] = mapped_column(Boolean, default=False)

    service_level: Mapped[ServiceLevel] = relationship(back_populates="clocks")
