"""The segments section of a customer's file (``cxm customers show``): the segment the
customer is in under each saved definition, and since when.

Registered in :data:`cxm.customers.profile.EXTRA_SECTIONS`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.management.models import SegmentDefinition, SegmentMembership

__all__ = ["segment_history", "segments_of"]


def segments_of(session: Session, customer_id: int) -> list[dict[str, Any]]:
    """``definition``, ``segment`` and ``since`` for each current membership."""
    rows = session.execute(
        select(SegmentDefinition.name, SegmentMembership.segment, SegmentMembership.valid_from)
        .join(SegmentDefinition, SegmentDefinition.id == SegmentMembership.definition_id)
        .where(SegmentMembership.customer_id == customer_id, SegmentMembership.valid_to.is_(None))
        .order_by(SegmentDefinition.name)
    ).all()
    return [{"definition": d, "segment": s, "since": since} for d, s, since in rows]


def segment_history(session: Session, customer_id: int) -> list[dict[str, Any]]:
    """Every membership of the customer, current and past, newest first: ``definition``,
    ``kind``, ``segment``, ``since`` and ``until`` (None while current); ``top`` when the
    segment is the first (most valuable) tier of a Pareto definition."""
    rows = session.execute(
        select(
            SegmentDefinition.name,
            SegmentDefinition.kind,
            SegmentDefinition.parameters,
            SegmentMembership.segment,
            SegmentMembership.valid_from,
            SegmentMembership.valid_to,
        )
        .join(SegmentDefinition, SegmentDefinition.id == SegmentMembership.definition_id)
        .where(SegmentMembership.customer_id == customer_id)
        .order_by(SegmentMembership.valid_from.desc(), SegmentDefinition.name)
    ).all()
    out = []
    for name, kind, params, segment, since, until in rows:
        kind_code = str(getattr(kind, "value", kind))
        labels = (params or {}).get("labels") or []
        out.append(
            {
                "definition": name,
                "kind": kind_code,
                "segment": segment,
                "since": since,
                "until": until,
                "top": kind_code == "pareto" and bool(labels) and segment == labels[0],
            }
        )
    return out
