"""Tables of employee surveys, built so that an answer cannot be traced to a person.

* ``employee_survey_waves``: a wave of an employee questionnaire.
* ``employee_survey_invitees``: who was invited (to avoid inviting twice and to give a
  response rate). It holds no token and nothing that links to a response.
* ``employee_survey_tokens``: one single-use link per invitee, stored as its SHA-256 with the
  team the invitee belonged to — no employee, no time of creation or use, only ``used``.
  Tokens are written in a random order, unrelated to the invitees' order.
* ``employee_survey_responses``: the answers with the team, the wave and the *date* (no
  time, no token, no employee).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxm.store.base import Base, TimestampMixin, json_type
from cxm.surveys.models import Questionnaire

__all__ = ["EmployeeInvitee", "EmployeeResponse", "EmployeeToken", "EmployeeWave", "Training"]


class EmployeeWave(TimestampMixin, Base):
    __tablename__ = "employee_survey_waves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questionnaires.id"), index=True
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_questionnaire_versions.id"))
    name: Mapped[str] = mapped_column(String(200), unique=True)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    #: The declared attributes results may be cut by (at most three; see ATTRIBUTES).
    attributes: Mapped[list[str]] = mapped_column(json_type(), default=list)

    questionnaire: Mapped[Questionnaire] = relationship()


class EmployeeInvitee(Base):
    __tablename__ = "employee_survey_invitees"
    __table_args__ = (UniqueConstraint("wave_id", "employee_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wave_id: Mapped[int] = mapped_column(
        ForeignKey("employee_survey_waves.id", ondelete="CASCADE"), index=True
    )
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))


class EmployeeToken(Base):
    __tablename__ = "employee_survey_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wave_id: Mapped[int] = mapped_column(
        ForeignKey("employee_survey_waves.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The invitee's coarse bands for the wave's declared attributes ({} for a team code).
    attributes: Mapped[dict[str, str]] = mapped_column(json_type(), default=dict)
    #: None for a personal link; for a team code, how many answers it still accepts.
    remaining: Mapped[int | None] = mapped_column(Integer)


class EmployeeResponse(Base):
    __tablename__ = "employee_survey_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wave_id: Mapped[int] = mapped_column(
        ForeignKey("employee_survey_waves.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    answered_on: Mapped[date] = mapped_column(Date)
    #: The bands of the declared attributes, copied from the link (never the person).
    attributes: Mapped[dict[str, str]] = mapped_column(json_type(), default=dict)
    #: Question code → number (ratings) or text; unanswered questions are absent.
    answers: Mapped[dict[str, Any]] = mapped_column(json_type())


class Training(TimestampMixin, Base):
    """A course an employee completed on a day (for the difference-in-differences effect)."""

    __tablename__ = "trainings"
    __table_args__ = (UniqueConstraint("employee_id", "course", "completed_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), index=True
    )
    course: Mapped[str] = mapped_column(String(200), index=True)
    completed_on: Mapped[date] = mapped_column(Date)
