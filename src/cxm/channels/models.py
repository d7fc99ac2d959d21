"""The send log: one row per message handed to a channel, with its outcome."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cxm.store.base import Base, code_enum, utcnow

__all__ = ["ChannelSend", "SendOutcome"]


class SendOutcome(StrEnum):
    SENT = "sent"
    #: The relay or gateway said no to this message (bad address, rejected content).
    REFUSED = "refused"
    #: Accepted, then reported undeliverable (a bounce).
    BOUNCED = "bounced"
    #: Not delivered for a reason of ours or the network's (unreachable, timeout, 5xx).
    FAILED = "failed"


class ChannelSend(Base):
    __tablename__ = "channel_sends"
    __table_args__ = (Index("ix_channel_sends_channel_at", "channel", "attempted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str | None] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(320))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    #: What the message was about, e.g. ``invitation:42``.
    reference: Mapped[str | None] = mapped_column(String(100))
    message_id: Mapped[str | None] = mapped_column(String(300), index=True)
    outcome: Mapped[SendOutcome] = mapped_column(code_enum(SendOutcome, "send_outcome", length=16))
    detail: Mapped[str | None] = mapped_column(Text)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    bounced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
