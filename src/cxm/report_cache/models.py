"""Tables of kept reports, delivery schedules and deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cxm.store.base import Base, TimestampMixin, json_type, utcnow

__all__ = ["ReportDelivery", "ReportSchedule", "ReportSnapshot"]


class ReportSnapshot(Base):
    """One built report for a wave, a segment ("" = every customer), a language and a
    visibility (which of the money and verbatim sections it holds: ``full``, ``money``,
    ``verbatim`` or ``plain``). ``html`` is the page's report part, zlib-compressed; ``pdf``
    is made on the first download and kept until the next build. ``answers`` and
    ``last_answer_at`` are the wave's completed responses when it was built: the page
    counts the newer ones against them."""

    __tablename__ = "report_snapshots"
    __table_args__ = (UniqueConstraint("wave_id", "segment", "lang", "visibility"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The wave's id (0: the store had no wave when it was built).
    wave_id: Mapped[int] = mapped_column(Integer)
    segment: Mapped[str] = mapped_column(String(200), default="")
    lang: Mapped[str] = mapped_column(String(16))
    visibility: Mapped[str] = mapped_column(String(16))
    html: Mapped[bytes] = mapped_column(LargeBinary)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: Someone downloaded the PDF: the next build makes it too.
    pdf_wanted: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Headline figures for deliveries: ``[[label, text], …]`` and the wave's name.
    summary: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    last_answer_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    build_seconds: Mapped[float] = mapped_column(Float, default=0.0)


class ReportSchedule(TimestampMixin, Base):
    """Send the report of ``segment`` (the latest wave, or ``wave_id``) every day or week
    through ``channel`` (``email``: to ``recipients``' addresses; ``wecom``/``dingtalk``:
    the configured group robot) in ``lang``."""

    __tablename__ = "report_schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    wave_id: Mapped[int | None] = mapped_column(Integer)
    segment: Mapped[str] = mapped_column(String(200), default="")
    lang: Mapped[str] = mapped_column(String(16), default="zh-CN")
    frequency: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(32))
    #: ``[{"user": name, "address": e-mail}, …]`` (e-mail) or ``[]`` (a robot's group).
    recipients: Mapped[list[dict[str, str]]] = mapped_column(json_type(), default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(200))


class ReportDelivery(Base):
    """One period's delivery of a schedule: the unique ``(schedule_id, period)`` makes a
    second run of the same period (a retried job, two workers) send nothing."""

    __tablename__ = "report_deliveries"
    __table_args__ = (UniqueConstraint("schedule_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("report_schedules.id", ondelete="CASCADE"), index=True
    )
    #: ``2026-12-06`` (daily) or ``2026-W49`` (weekly), on the company's clock.
    period: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="sending")
    sent: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
