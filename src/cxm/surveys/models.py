"""Tables of the survey domain."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
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
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeEngine

from cxm.store.base import Base, TimestampMixin, code_enum, json_type, utcnow

__all__ = [
    "Answer",
    "Invitation",
    "InvitationKind",
    "InvitationLink",
    "InvitationStatus",
    "Questionnaire",
    "QuestionnaireVersion",
    "Response",
    "Wave",
]


def _json_or_null() -> TypeEngine[Any]:
    """Like :func:`json_type`, but Python ``None`` is stored as SQL NULL, not JSON null."""
    return JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class InvitationKind(StrEnum):
    WAVE = "wave"  # a personal invitation of a periodic wave
    PUBLIC = "public"  # made when someone opens a wave's public link
    TOUCHPOINT = "touchpoint"  # a moment-of-truth survey
    FOLLOWUP = "followup"  # the call-back survey of a resolved case


class InvitationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    STARTED = "started"
    COMPLETED = "completed"


class Questionnaire(TimestampMixin, Base):
    __tablename__ = "survey_questionnaires"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[dict[str, str]] = mapped_column(json_type())

    versions: Mapped[list[QuestionnaireVersion]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireVersion.number"
    )


class QuestionnaireVersion(TimestampMixin, Base):
    """One frozen definition. Editing a questionnaire that has answers adds a version."""

    __tablename__ = "survey_questionnaire_versions"
    __table_args__ = (UniqueConstraint("questionnaire_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questionnaires.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(json_type())

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")


class Wave(TimestampMixin, Base):
    """A periodic survey of a sample of customers (or anyone holding its public link)."""

    __tablename__ = "survey_waves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questionnaires.id"), index=True
    )
    name: Mapped[str] = mapped_column(String(200), unique=True)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    quiet_days: Mapped[int] = mapped_column(Integer, default=90)
    #: How the sample was drawn (stratum, quotas, seed) — kept for the record.
    sampling: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    public_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    public_rate_limit: Mapped[int] = mapped_column(Integer, default=20)
    public_one_per_browser: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Closed early from the workspace: invitations expired then (migration 0017).
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    questionnaire: Mapped[Questionnaire] = relationship()


class Invitation(TimestampMixin, Base):
    """The right of one respondent to give one response."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        UniqueConstraint("wave_id", "customer_id"),
        Index("ix_survey_invitations_customer_created", "customer_id", "created_at"),
        Index("ix_survey_invitations_client_created", "client_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[InvitationKind] = mapped_column(code_enum(InvitationKind, "invitation_kind"))
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("survey_questionnaires.id"))
    wave_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_waves.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    #: A prospect invited by a prospect wave (no customer then).
    prospect_id: Mapped[int | None] = mapped_column(
        ForeignKey("prospects.id", ondelete="CASCADE"), index=True
    )
    touchpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("touchpoints.id", ondelete="CASCADE"), unique=True
    )
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    stratum: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[InvitationStatus] = mapped_column(
        code_enum(InvitationStatus, "invitation_status"), default=InvitationStatus.PENDING
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminder_count: Mapped[int] = mapped_column(Integer, default=0)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Keyed hash of the client address that opened a public link (rate limit).
    client_hash: Mapped[str | None] = mapped_column(String(64))


class InvitationLink(Base):
    """A token that opens an invitation. Only its SHA-256 is stored; each send or export
    mints a new one, and every one stays valid until the invitation expires."""

    __tablename__ = "survey_invitation_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("survey_invitations.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Response(TimestampMixin, Base):
    """One response per invitation: ``invitation_id`` is unique and NOT NULL."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        Index("ix_survey_responses_wave_completed", "wave_id", "completed_at"),
        # The closed loop's sweep reads the answers completed in the last hour or so.
        Index("ix_survey_responses_completed_at", "completed_at"),
        # The latest change, read by what keeps results until the data change.
        Index("ix_survey_responses_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("survey_invitations.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_questionnaire_versions.id"))
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questionnaires.id"), index=True
    )
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("survey_waves.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    touchpoint_id: Mapped[int | None] = mapped_column(ForeignKey("touchpoints.id"))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    language: Mapped[str] = mapped_column(String(16), default="en")
    #: Index of the last page saved (0-based); -1 before any page.
    page_reached: Mapped[int] = mapped_column(Integer, default=-1)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Where the answers came from: web, import, demo, interview (entered by staff).
    source: Mapped[str] = mapped_column(String(32), default="web")
    #: The staff user who entered a phone interview's answers (``source = "interview"``).
    interviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )


class Answer(Base):
    """One answer to one question. Numbers in ``number``; a single choice's code or free
    text in ``text``; a multiple choice's codes in ``choices``; "don't know" as a flag."""

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("response_id", "question_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"))
    question_code: Mapped[str] = mapped_column(String(64))
    number: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)
    choices: Mapped[list[str] | None] = mapped_column(_json_or_null())
    dont_know: Mapped[bool] = mapped_column(Boolean, default=False)

    response: Mapped[Response] = relationship(back_populates="answers")
