"""Channels by name: the shipped ones, and any a plug-in adds with :func:`register_channel`."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cxm.channels.base import Channel
from cxm.channels.email import EmailChannel, read_bounce
from cxm.channels.http import DingTalkRobot, SmsGateway, WeComRobot
from cxm.channels.models import ChannelSend, SendOutcome
from cxm.channels.settings import ChannelSettings
from cxm.errors import InputError
from cxm.i18n import _
from cxm.store.base import utcnow

__all__ = ["CHANNELS", "get_channel", "record_bounces", "register_channel"]

CHANNELS: dict[str, Callable[[ChannelSettings], Channel]] = {
    "email": EmailChannel,
    "sms": SmsGateway,
    "wecom": WeComRobot,
    "dingtalk": DingTalkRobot,
}


def register_channel(name: str, factory: Callable[[ChannelSettings], Channel]) -> None:
    CHANNELS[name] = factory


def get_channel(name: str, settings: ChannelSettings) -> Channel:
    factory = CHANNELS.get(name)
    if factory is None:
        raise InputError(
            _("Unknown channel {name}; use one of: {names}", name=name, names=", ".join(CHANNELS))
        )
    return factory(settings)


def record_bounces(session: Session, raw: bytes) -> int:
    """Mark the logged e-mails a delivery-status report returns as bounced; the number of
    send-log rows changed (0 for a report about mail we did not send)."""
    changed = 0
    for b in read_bounce(raw):
        detail = "; ".join(p for p in (b.status, b.diagnostic, b.recipient) if p)
        result = session.execute(
            update(ChannelSend)
            .where(ChannelSend.message_id == b.message_id, ChannelSend.channel == "email")
            .values(outcome=SendOutcome.BOUNCED, bounced_at=utcnow(), detail=detail or None)
            .execution_options(synchronize_session=False)
        )
        changed += int(getattr(result, "rowcount", 0) or 0)
    return changed


def send_log(
    session: Session, *, limit: int = 100, channel: str | None = None
) -> list[dict[str, object]]:
    q = select(ChannelSend).order_by(ChannelSend.id.desc()).limit(limit)
    if channel:
        q = q.where(ChannelSend.channel == channel)
    return [
        {
            "id": r.id,
            "channel": r.channel,
            "purpose": r.purpose,
            "recipient": r.recipient,
            "customer_id": r.customer_id,
            "reference": r.reference,
            "message_id": r.message_id,
            "outcome": r.outcome.value,
            "detail": r.detail,
            "attempted_at": r.attempted_at,
            "bounced_at": r.bounced_at,
        }
        for r in session.scalars(q)
    ]
