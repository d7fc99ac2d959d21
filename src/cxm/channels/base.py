"""What every outbound channel shares: a message, an outcome, and logging both."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import insert
from sqlalchemy.orm import Session

from cxm.channels.models import ChannelSend, SendOutcome
from cxm.store.base import utcnow

__all__ = ["Channel", "Delivery", "Message", "log_deliveries"]


@dataclass(frozen=True, slots=True)
class Message:
    to: str
    text: str
    subject: str = ""
    lang: str = "zh-CN"
    customer_id: int | None = None
    reference: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Delivery:
    message: Message
    outcome: SendOutcome
    detail: str | None = None
    message_id: str | None = None

    @property
    def sent(self) -> bool:
        return self.outcome == SendOutcome.SENT


class Channel(Protocol):
    """An outbound channel: ``send`` hands each message over and reports each outcome; a
    channel that cannot be reached at all raises :class:`~cxm.errors.CXMError`."""

    name: str

    def send(self, messages: Sequence[Message]) -> list[Delivery]: ...


def log_deliveries(
    session: Session, channel: str, deliveries: Sequence[Delivery], *, purpose: str | None
) -> None:
    """One send-log row per delivery."""
    if not deliveries:
        return
    now = utcnow()
    rows: list[dict[str, Any]] = [
        {
            "channel": channel,
            "purpose": purpose,
            "recipient": d.message.to[:320],
            "customer_id": d.message.customer_id,
            "reference": d.message.reference,
            "message_id": d.message_id,
            "outcome": d.outcome,
            "detail": d.detail,
            "attempted_at": now,
        }
        for d in deliveries
    ]
    session.execute(insert(ChannelSend), rows)
