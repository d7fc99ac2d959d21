"""Tables of the organisation: org units in a hierarchy (company → region → branch), teams
(with a lead and sub-teams) under a unit, employees, and the team and relationship manager
serving each customer over time."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxm.store.base import Base, TimestampMixin, code_enum

__all__ = ["CustomerAssignment", "Employee", "OrgUnit", "Team", "UnitKind"]


class UnitKind(StrEnum):
    COMPANY = "company"
    REGION = "region"
    BRANCH = "branch"
    DEPARTMENT = "department"


class OrgUnit(TimestampMixin, Base):
    """A node of the company's tree; teams hang below the units."""

    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[UnitKind] = mapped_column(code_enum(UnitKind, "org_unit_kind", length=16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])


class Team(TimestampMixin, Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    #: The team this one is a sub-team of (a lead of the parent also sees it).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", use_alter=True, name="fk_teams_lead_id_employees"),
        index=True,
    )

    employees: Mapped[list[Employee]] = relationship(
        back_populates="team", foreign_keys="Employee.team_id"
    )
    unit: Mapped[OrgUnit | None] = relationship()
    lead: Mapped[Employee | None] = relationship(foreign_keys=[lead_id], post_update=True)


class Employee(TimestampMixin, Base):
    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    #: For people outside any team (a branch manager): the unit they belong to.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    job: Mapped[str | None] = mapped_column(String(100))
    hired_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    #: The staff account of this person, when they sign in to CXM.
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), unique=True
    )

    team: Mapped[Team | None] = relationship(back_populates="employees", foreign_keys=[team_id])


class CustomerAssignment(TimestampMixin, Base):
    """The team (and relationship manager) serving a customer from ``starts_on`` to
    ``ends_on`` (inclusive; open when None). A customer's periods never overlap."""

    __tablename__ = "customer_assignments"
    __table_args__ = (
        Index("ix_customer_assignments_customer_start", "customer_id", "starts_on"),
        Index("ix_customer_assignments_updated_at", "updated_at"),  # see store/changes.py
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
