"""Recording consent and deciding, in bulk, who may be contacted by a channel for a
purpose. Without any statement, a purpose in the opt-in list (``CXM_CONSENT_OPT_IN``,
default ``marketing``) is refused; other purposes (surveys, service) are allowed until the
customer refuses them."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.consent.models import ConsentChannel, ConsentRecord, Purpose
from cxm.errors import ConfigError, InputError
from cxm.i18n import _
from cxm.store.base import utcnow

__all__ = [
    "ConsentSplit",
    "opt_in_purposes",
    "read_channel",
    "read_purpose",
    "record_consent",
    "split_by_consent",
]

_CHANNEL_ALIASES = {
    "e-mail": ConsentChannel.EMAIL,
    "mail": ConsentChannel.EMAIL,
    "邮件": ConsentChannel.EMAIL,
    "电子邮件": ConsentChannel.EMAIL,
    "短信": ConsentChannel.SMS,
    "text": ConsentChannel.SMS,
    "webhook": ConsentChannel.WECOM,
    "wechat": ConsentChannel.WECOM,
    "企业微信": ConsentChannel.WECOM,
    "微信": ConsentChannel.WECOM,
    "telephone": ConsentChannel.PHONE,
    "电话": ConsentChannel.PHONE,
    "mail post": ConsentChannel.POST,
    "letter": ConsentChannel.POST,
    "邮寄": ConsentChannel.POST,
}
_PURPOSE_ALIASES = {
    "surveys": Purpose.SURVEY,
    "调查": Purpose.SURVEY,
    "问卷": Purpose.SURVEY,
    "营销": Purpose.MARKETING,
    "服务": Purpose.SERVICE,
}
_CHUNK = 5000


def read_channel(text: str) -> ConsentChannel:
    key = text.strip().lower()
    try:
        return ConsentChannel(key)
    except ValueError:
        found = _CHANNEL_ALIASES.get(key)
    if found is None:
        raise InputError(
            _(
                "unknown channel; use one of: {codes}",
                codes=", ".join(c.value for c in ConsentChannel),
            )
        )
    return found


def read_purpose(text: str) -> Purpose:
    key = text.strip().lower()
    try:
        return Purpose(key)
    except ValueError:
        found = _PURPOSE_ALIASES.get(key)
    if found is None:
        raise InputError(
            _("unknown purpose; use one of: {codes}", codes=", ".join(p.value for p in Purpose))
        )
    return found


def opt_in_purposes() -> frozenset[Purpose]:
    """Purposes that need an explicit grant (``CXM_CONSENT_OPT_IN``, comma-separated)."""
    raw = os.environ.get("CXM_CONSENT_OPT_IN", "marketing")
    out = set()
    for part in filter(None, (p.strip() for p in raw.split(","))):
        try:
            out.add(read_purpose(part))
        except InputError as exc:
            raise ConfigError(
                _("Setting CXM_CONSENT_OPT_IN: {value}: {reason}", value=part, reason=exc.message)
            ) from None
    return frozenset(out)


def record_consent(
    session: Session,
    *,
    customer_id: int,
    channel: ConsentChannel | str,
    purpose: Purpose | str,
    granted: bool,
    given_at: datetime | None = None,
    source: str | None = None,
    note: str | None = None,
) -> ConsentRecord:
    """Add one statement of consent (or its withdrawal); earlier ones stay as history."""
    at = given_at or utcnow()
    row = ConsentRecord(
        customer_id=customer_id,
        channel=read_channel(str(channel)),
        purpose=read_purpose(str(purpose)),
        granted=granted,
        given_at=at if at.tzinfo else at.replace(tzinfo=UTC),
        source=source,
        note=note,
        recorded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    from cxm.audit import record

    record(
        session,
        actor_id=None,
        action="set",
        entity="consent",
        entity_id=row.customer_id,
        after={
            "channel": row.channel,
            "purpose": row.purpose,
            "granted": row.granted,
            "source": row.source,
        },
    )
    return row


@dataclass(frozen=True, slots=True)
class ConsentSplit:
    allowed: list[int]
    refused: list[int]


def split_by_consent(
    session: Session,
    customer_ids: Iterable[int],
    *,
    channel: ConsentChannel | str,
    purpose: Purpose | str,
) -> ConsentSplit:
    """Split customers into those who may be contacted by ``channel`` for ``purpose`` and
    those who may not (their latest statement refused it, or the purpose is opt-in and they
    never granted it). Order is kept."""
    ch, pu = read_channel(str(channel)), read_purpose(str(purpose))
    ids = list(dict.fromkeys(customer_ids))
    latest: dict[int, tuple[datetime, int, bool]] = {}
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        for cid, at, rid, granted in session.execute(
            select(
                ConsentRecord.customer_id,
                ConsentRecord.given_at,
                ConsentRecord.id,
                ConsentRecord.granted,
            ).where(
                ConsentRecord.customer_id.in_(chunk),
                ConsentRecord.channel == ch,
                ConsentRecord.purpose == pu,
            )
        ):
            when = at if at.tzinfo else at.replace(tzinfo=UTC)
            seen = latest.get(cid)
            if seen is None or (when, rid) > seen[:2]:
                latest[cid] = (when, rid, bool(granted))
    default = pu not in opt_in_purposes()
    allowed: list[int] = []
    refused: list[int] = []
    for cid in ids:
        seen = latest.get(cid)
        (allowed if (seen[2] if seen else default) else refused).append(cid)
    return ConsentSplit(allowed, refused)
