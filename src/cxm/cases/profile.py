"""The cases section of a customer's file (``cxm customers show``, the case page)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.cases.models import Case

__all__ = ["cases_of"]


def cases_of(session: Session, customer_id: int, *, limit: int = 20) -> list[dict[str, Any]]:
    """The customer's latest cases, newest first."""
    rows = session.scalars(
        select(Case)
        .where(Case.customer_id == customer_id)
        .order_by(Case.opened_at.desc(), Case.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": c.id,
            "opened_at": c.opened_at,
            "type": c.type.value,
            "status": c.status.value,
            "subject": c.subject,
            "faults": ", ".join(c.faults or []),
        }
        for c in rows
    ]
