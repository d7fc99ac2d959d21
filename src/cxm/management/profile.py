"""The segments section of a customer's file (``cxm customers show``): the segment the
customer is in under each saved definition, and since when.

Registered in :data:`cxm.customers.profile.EXTRA_SECTIONS`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.management.models import SegmentDefinition, SegmentMembership

__all__ = ["segments_of"]


def segments_of(session: Session, customer_id: int) -> list[dict[str, Any]]:
    """``definition``, ``segment`` and ``since`` for each current membership."""
    rows = session.execute(
        select(SegmentDefinition.name, SegmentMembership.segment, SegmentMembership.valid_from)
        .join(SegmentDefinition, SegmentDefinition.id == SegmentMembership.definition_id)
        .where(SegmentMembership.customer_id == customer_id, SegmentMembership.valid_to.is_(None))
        .order_by(SegmentDefinition.name)
    ).all()
    return [{"definition": d, "segment": s, "since": since} for d, s, since in rows]
