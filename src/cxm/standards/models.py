"""Tables of service standards: the standards, the measurable fields they read, the records'
field values, mystery-shopping visits and answers, and the stored defect counts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cxm.store.base import Base, TimestampMixin, json_type, utcnow

__all__ = [
    "ChartLimitsRecord",
    "ImprovementProject",
    "ProjectChange",
    "Recognition",
    "RecordFields",
    "ShoppingAnswer",
    "ShoppingVisit",
    "Standard",
    "StandardDefects",
    "StandardField",
]


class Standard(TimestampMixin, Base):
    """One measurable standard of one journey stage.

    ``stage`` is the journey-stage code as a string (the shared journey table owns the list).
    ``source`` is where its opportunities come from: ``touchpoints``, ``purchases`` or
    ``shopping`` (a mystery-shopping checklist line, judged by the shopper). ``rule`` says when
    an opportunity is met (see :mod:`cxm.standards.rules`); ``applies`` narrows which records
    are opportunities. ``target`` is the share met the firm promises at this stage.
    """

    __tablename__ = "standards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    stage: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str | None] = mapped_column(Text)
    applies: Mapped[str | None] = mapped_column(Text)
    target: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class StandardField(Base):
    """A measurable field a source records (``wait_seconds`` of a touchpoint: number)."""

    __tablename__ = "standard_fields"
    __table_args__ = (UniqueConstraint("source", "name", name="uq_standard_fields_source_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(16))


class RecordFields(Base):
    """The measured field values of one touchpoint or purchase (``record_id`` is its id)."""

    __tablename__ = "standard_record_fields"
    __table_args__ = (
        UniqueConstraint("source", "record_id", name="uq_standard_record_fields_source_record"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(Integer)
    values: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)


class ShoppingVisit(TimestampMixin, Base):
    """One mystery-shopping visit: where and when, by whom, at which stage."""

    __tablename__ = "shopping_visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    location: Mapped[str] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(100))
    shopper: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)


class ShoppingAnswer(Base):
    """Whether a visit met one checklist line (a people standard)."""

    __tablename__ = "shopping_answers"
    __table_args__ = (
        UniqueConstraint("visit_id", "standard_id", name="uq_shopping_answers_visit_standard"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("shopping_visits.id", ondelete="CASCADE"))
    standard_id: Mapped[int] = mapped_column(
        ForeignKey("standards.id", ondelete="CASCADE"), index=True
    )
    met: Mapped[bool] = mapped_column(Boolean)


class StandardDefects(Base):
    """Opportunities and defects of one standard in one period, stage, team and segment, as
    computed by ``cxm standards check``; ``weighted_defects`` weighs each defect by the
    customer's value (revenue, or profit where costs are known)."""

    __tablename__ = "standard_defects"
    __table_args__ = (Index("ix_standard_defects_standard_period", "standard_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7))
    stage: Mapped[str] = mapped_column(String(40))
    team: Mapped[str] = mapped_column(String(100))
    segment: Mapped[str] = mapped_column(String(100))
    opportunities: Mapped[int] = mapped_column(Integer)
    defects: Mapped[int] = mapped_column(Integer)
    weighted_defects: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ImprovementProject(TimestampMixin, Base):
    """An improvement team's project (DMAIC). ``problem_kind`` is ``standard`` or ``stage``
    and ``problem_ref`` its code. The metric (``defect_rate`` or ``field_mean`` of ``field``),
    the test and both windows are fixed when the project enters Measure (``frozen_at``); a
    later change needs a reason (:class:`ProjectChange`). ``result`` holds the last measured
    effect; ``status`` is ``open``, ``improved`` or ``not_improved``."""

    __tablename__ = "improvement_projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    team: Mapped[str] = mapped_column(String(100))
    problem_kind: Mapped[str] = mapped_column(String(16))
    problem_ref: Mapped[str] = mapped_column(String(100))
    phase: Mapped[str] = mapped_column(String(16), default="define")
    metric: Mapped[str] = mapped_column(String(20))
    field: Mapped[str | None] = mapped_column(String(100))
    test: Mapped[str] = mapped_column(String(20))
    lower_is_better: Mapped[bool] = mapped_column(Boolean, default=True)
    baseline_start: Mapped[date] = mapped_column(Date)
    baseline_end: Mapped[date] = mapped_column(Date)
    after_start: Mapped[date] = mapped_column(Date)
    after_end: Mapped[date] = mapped_column(Date)
    cost: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="open")
    frozen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[dict[str, Any] | None] = mapped_column(json_type())


class ProjectChange(Base):
    """A change to a frozen project setting, with who, when and why."""

    __tablename__ = "project_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("improvement_projects.id", ondelete="CASCADE"), index=True
    )
    setting: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str | None] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Recognition(Base):
    """Who was rewarded for what (a project's measured result)."""

    __tablename__ = "project_recognitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("improvement_projects.id", ondelete="CASCADE"), index=True
    )
    person: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    awarded_on: Mapped[date] = mapped_column(Date)


class ChartLimitsRecord(Base):
    """The frozen centre and limits of one standard's control chart (set once from a base
    period; later points are judged against them)."""

    __tablename__ = "standard_chart_limits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    standard_id: Mapped[int] = mapped_column(
        ForeignKey("standards.id", ondelete="CASCADE"), unique=True
    )
    limits: Mapped[dict[str, Any]] = mapped_column(json_type())
    base_from: Mapped[str] = mapped_column(String(7))
    base_to: Mapped[str] = mapped_column(String(7))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
