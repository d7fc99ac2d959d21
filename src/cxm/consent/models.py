"""Consent and contact preferences: one row per statement a customer made (or withdrew),
per channel and purpose. History is kept; the latest statement rules."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cxm.store.base import Base, code_enum, utcnow

__all__ = ["ConsentChannel", "ConsentRecord", "Purpose"]


class ConsentChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WECOM = "wecom"
    PHONE = "phone"
    POST = "post"


class Purpose(StrEnum):
    SURVEY = "survey"
    MARKETING = "marketing"
    SERVICE = "service"


class ConsentRecord(Base):
    """Customer ``customer_id`` granted (or refused) contact by ``channel`` for ``purpose``
    at ``given_at``, as recorded by ``source`` (a form, a file, a call)."""

    __tablename__ = "consents"
    __table_args__ = (
        Index("ix_consents_customer_channel_purpose", "customer_id", "channel", "purpose"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[ConsentChannel] = mapped_column(
        code_enum(ConsentChannel, "consent_channel", length=16)
    )
    purpose: Mapped[Purpose] = mapped_column(code_enum(Purpose, "consent_purpose", length=16))
    granted: Mapped[bool] = mapped_column(Boolean)
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
