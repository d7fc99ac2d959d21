"""The consent section of a customer's file (``cxm customers show``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.consent.models import ConsentRecord

__all__ = ["consent_of"]


def consent_of(session: Session, customer_id: int) -> list[dict[str, Any]]:
    """The latest statement per channel and purpose (channels and purposes without one
    follow the defaults: survey and service allowed, marketing not)."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for r in session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.customer_id == customer_id)
        .order_by(ConsentRecord.given_at, ConsentRecord.id)
    ):
        latest[(r.channel.value, r.purpose.value)] = {
            "channel": r.channel.value,
            "purpose": r.purpose.value,
            "granted": r.granted,
            "given_on": r.given_at.date().isoformat(),
            "source": r.source,
        }
    return [latest[k] for k in sorted(latest)]
