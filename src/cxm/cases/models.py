"""Tables of the closed loop: cases, their append-only history, recovery actions,
follow-up surveys and authority limits."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxm.cases.codes import (
    CaseSource,
    CaseStatus,
    CaseType,
    Emotion,
    EventKind,
    Priority,
    RecoveryKind,
    SuggestionOutcome,
)
from cxm.store.base import Base, TimestampMixin, code_enum, json_type, utcnow

__all__ = [
    "AuthorityLimit",
    "Case",
    "CaseEvent",
    "CaseFollowUp",
    "CaseRuleSet",
    "RecoveryAction",
]


class Case(TimestampMixin, Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_due", "status", "resolution_due"),
        Index("ix_cases_owner_status", "owner_user_id", "status"),
        Index("ix_cases_team_status", "team_id", "status"),
        Index("ix_cases_updated_at", "updated_at"),  # the latest change (store/changes.py)
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="SET NULL"), index=True
    )
    touchpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("touchpoints.id", ondelete="SET NULL")
    )
    purchase_id: Mapped[int | None] = mapped_column(ForeignKey("purchases.id", ondelete="SET NULL"))
    type: Mapped[CaseType] = mapped_column(code_enum(CaseType, "case_type"))
    source: Mapped[CaseSource] = mapped_column(code_enum(CaseSource, "case_source"))
    #: What makes a case exactly-once: ``rule:<rule>:response:<id>``, an import's own id…
    source_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    channel: Mapped[str | None] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str | None] = mapped_column(Text)
    emotion_in: Mapped[Emotion | None] = mapped_column(code_enum(Emotion, "case_emotion"))
    emotion_out: Mapped[Emotion | None] = mapped_column(code_enum(Emotion, "case_emotion"))
    #: Codes of :class:`~cxm.cases.codes.ServiceFault`.
    faults: Mapped[list[str]] = mapped_column(json_type(), default=list)
    stage: Mapped[str | None] = mapped_column(String(50))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    status: Mapped[CaseStatus] = mapped_column(
        code_enum(CaseStatus, "case_status"), default=CaseStatus.NEW
    )
    priority: Mapped[Priority] = mapped_column(
        code_enum(Priority, "case_priority"), default=Priority.NORMAL
    )
    #: The service tier whose clocks apply (``key``, ``default`` …).
    tier: Mapped[str] = mapped_column(String(100), default="default")
    business_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    first_response_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolution_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    warned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handoffs: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    needed_supervisor: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[SuggestionOutcome | None] = mapped_column(
        code_enum(SuggestionOutcome, "suggestion_outcome")
    )
    outcome_note: Mapped[str | None] = mapped_column(Text)
    #: Optimistic concurrency: every change is ``UPDATE … WHERE version = :seen``.
    version: Mapped[int] = mapped_column(Integer, default=1)

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )


class CaseEvent(Base):
    """One line of a case's history. Never updated, never deleted (but with its case)."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: The staff member who acted (by id only); None for the system (rules, clocks).
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    kind: Mapped[EventKind] = mapped_column(code_enum(EventKind, "case_event_kind"))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)

    case: Mapped[Case] = relationship(back_populates="events")


class RecoveryAction(Base):
    """Apology, correction, compensation or "do more", with what it cost."""

    __tablename__ = "case_recovery_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RecoveryKind] = mapped_column(code_enum(RecoveryKind, "recovery_kind"))
    description: Mapped[str | None] = mapped_column(Text)
    #: Compensation's amount (money, points, a voucher's face value) and its kind.
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    compensation_kind: Mapped[str | None] = mapped_column(String(50))
    cost: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    granted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    approved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    #: An exception to a rule: which rule was bent and why.
    exception_rule: Mapped[str | None] = mapped_column(String(200))
    exception_reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseFollowUp(Base):
    """The call-back survey of a resolved case: its invitation and, once answered, the
    verdict (solved? handling CSAT)."""

    __tablename__ = "case_followups"
    __table_args__ = (UniqueConstraint("case_id", "round", name="uq_case_followups_case_round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    #: 1 for the first resolution, 2 after one reopening …
    round: Mapped[int] = mapped_column(Integer, default=1)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("survey_invitations.id", ondelete="CASCADE"), unique=True
    )
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The worker sending it and until when it holds the claim (a lease).
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The customer has no e-mail address: nothing was sent (counted, not retried).
    no_email: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    solved: Mapped[bool | None] = mapped_column(Boolean)
    handling_csat: Mapped[int | None] = mapped_column(Integer)
    recommend: Mapped[int | None] = mapped_column(Integer)


class AuthorityLimit(TimestampMixin, Base):
    """How much compensation a role may grant on the spot, per currency."""

    __tablename__ = "case_authority_limits"
    __table_args__ = (UniqueConstraint("role", "currency", name="uq_case_authority_role_currency"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    max_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))


class CaseRuleSet(Base):
    """One version of the rules that open cases from survey answers (YAML, kept whole)."""

    __tablename__ = "case_rule_sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    source: Mapped[str] = mapped_column(Text)
    definition: Mapped[dict[str, Any]] = mapped_column(json_type())
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    loaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    #: Answers completed up to here have been checked against this version.
    evaluated_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
