"""The customer journey as data: versions of a journey, their stages in order, and the
touchpoint types that map to each stage."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxm.store.base import Base, TimestampMixin, json_type

__all__ = ["Journey", "JourneyStageRow", "ProcessStep", "TouchpointType"]


class Journey(TimestampMixin, Base):
    """One loaded version of a journey; exactly one version is ``active``. ``source`` keeps
    the YAML it was loaded from."""

    __tablename__ = "journeys"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    loaded_by: Mapped[str | None] = mapped_column(String(200))

    stages: Mapped[list[JourneyStageRow]] = relationship(
        cascade="all, delete-orphan", order_by="JourneyStageRow.position"
    )
    touchpoint_types: Mapped[list[TouchpointType]] = relationship(
        cascade="all, delete-orphan", order_by="TouchpointType.id"
    )


class JourneyStageRow(Base):
    __tablename__ = "journey_stages"
    __table_args__ = (UniqueConstraint("journey_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)
    #: Label per language, e.g. ``{"en": "pre-sale", "zh-CN": "售前"}``.
    label: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    description: Mapped[str | None] = mapped_column(Text)


class TouchpointType(Base):
    __tablename__ = "journey_touchpoint_types"
    __table_args__ = (UniqueConstraint("journey_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(50))
    stage_code: Mapped[str] = mapped_column(String(32))
    label: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)


class ProcessStep(TimestampMixin, Base):
    """One step of the service process inside a journey stage, with the answers to the
    flow-chart questions of the source documents (who owns it, which rule blocks service,
    whether it is redundant, could run in parallel, contradicts another step or could be
    automated). Steps are loaded as a whole map (``cxm journey steps load``); a stage code
    refers to the active journey's stages."""

    __tablename__ = "journey_steps"
    __table_args__ = (UniqueConstraint("code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(32), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    owner: Mapped[str] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(100))
    #: The touchpoint type whose records show the step happening (for waiting times).
    touchpoint_type: Mapped[str | None] = mapped_column(String(50))
    #: Codes of the standards measured at this step (their defects point at the step).
    standards: Mapped[list[str]] = mapped_column(json_type(), default=list)
    blocking_rule: Mapped[str | None] = mapped_column(Text)
    redundant: Mapped[str | None] = mapped_column(Text)
    parallel_with: Mapped[str | None] = mapped_column(String(40))
    inconsistency: Mapped[str | None] = mapped_column(Text)
    automation: Mapped[str | None] = mapped_column(Text)
    #: The longest wait before this step the firm accepts, in hours.
    max_wait_hours: Mapped[float | None] = mapped_column(Float)
