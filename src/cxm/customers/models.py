"""Tables of the customer file."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxm.customers.codes import ChurnReason, CustomerStatus
from cxm.org.models import Employee, Team
from cxm.store.base import Base, TimestampMixin, code_enum, json_type

__all__ = ["Customer", "Employee", "Prospect", "Purchase", "Team", "Touchpoint"]


class Customer(TimestampMixin, Base):
    __tablename__ = "customers"
    # Its latest change is read by what keeps results until the data change (store/changes.py).
    __table_args__ = (Index("ix_customers_updated_at", "updated_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    # Indexed for the staff search (migration 0017): exact phone/e-mail, name by prefix.
    name: Mapped[str | None] = mapped_column(String(200), index=True)
    phone: Mapped[str | None] = mapped_column(String(50), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    region: Mapped[str | None] = mapped_column(String(100), index=True)
    channel: Mapped[str | None] = mapped_column(String(100), index=True)
    acquired_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[CustomerStatus] = mapped_column(
        code_enum(CustomerStatus, "customer_status"), default=CustomerStatus.ACTIVE
    )
    churned_on: Mapped[date | None] = mapped_column(Date)
    churn_reason: Mapped[ChurnReason | None] = mapped_column(code_enum(ChurnReason, "churn_reason"))
    churn_note: Mapped[str | None] = mapped_column(Text)
    #: Preferences, family, life events, hobbies, competitors used, suggestions…
    attributes: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)

    purchases: Mapped[list[Purchase]] = relationship(back_populates="customer")
    touchpoints: Mapped[list[Touchpoint]] = relationship(back_populates="customer")


class Purchase(TimestampMixin, Base):
    __tablename__ = "purchases"
    # Covering: per-customer sums read the index alone (migration 0006).
    __table_args__ = (
        Index("ix_purchases_customer_date_money", "customer_id", "purchased_on", "revenue", "cost"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The order id from the source system, or a content key when the file has none.
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    purchased_on: Mapped[date] = mapped_column(Date)
    product: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    revenue: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))

    customer: Mapped[Customer] = relationship(back_populates="purchases")


class Touchpoint(TimestampMixin, Base):
    """A moment of truth: one contact between a customer and the firm."""

    __tablename__ = "touchpoints"
    __table_args__ = (Index("ix_touchpoints_customer_time", "customer_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str | None] = mapped_column(String(100))
    #: A stage code of the journey (``cxm journey``); checked against the active journey
    #: when recorded (the default journey's codes are :class:`JourneyStage`).
    stage: Mapped[str] = mapped_column(String(32))
    #: The touchpoint type (``cxm journey show``), when recorded with one.
    touchpoint_type: Mapped[str | None] = mapped_column(String(50))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)

    customer: Mapped[Customer] = relationship(back_populates="touchpoints")
    employee: Mapped[Employee | None] = relationship()
    team: Mapped[Team | None] = relationship()


class Prospect(TimestampMixin, Base):
    """Someone who is not a customer yet, from a prospect list (``cxm customers import
    prospects``): a wave can invite prospects to learn why they buy elsewhere. Kept apart
    from the customer file so that no churn, CLV or loyalty figure counts them."""

    __tablename__ = "prospects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(50))
    region: Mapped[str | None] = mapped_column(String(100))
    #: The competitor they buy from today, when the list says.
    competitor: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(200))
    attributes: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
