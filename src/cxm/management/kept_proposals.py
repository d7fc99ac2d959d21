"""The targets page's proposals, kept until the data they read change.

:func:`cxm.management.targets.propose` reads every answer of every wave, the segment
members and the year's profit: seconds at 20,000 customers, more at a million. The page
shows the kept proposal per segment definition and KPI (saying when it was computed); when
answers, members, customers, purchases or service levels change, the kept one is shown
marked stale while the new one is computed beside (:mod:`cxm.store.kept`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from cxm.store import Store
from cxm.store.kept import Kept, KeptResults

if TYPE_CHECKING:
    from cxm.management.targets import TargetProposal

__all__ = ["PROPOSALS", "kept_proposals"]


def _watched() -> Sequence[Any]:
    """What :func:`~cxm.management.targets.propose` reads: answers (a response changes
    when it is completed), segment members, customers (churn, profit's customer file),
    purchases (profit) and service levels (cost to serve, their names)."""
    from cxm.customers.models import Customer, Purchase
    from cxm.segments.models import SegmentMembership
    from cxm.service_levels.models import ServiceLevel
    from cxm.surveys.models import Response

    return (
        Response.updated_at,
        SegmentMembership.id,
        Customer.updated_at,
        Purchase.id,
        ServiceLevel.updated_at,
    )


#: The kept proposals of this process, per database, definition and KPI.
PROPOSALS: KeptResults[TargetProposal] = KeptResults("target proposals", _watched)


def kept_proposals(
    store: Store, session: Session, *, definition: str, kpi: str, wait: bool = True
) -> Kept[TargetProposal] | None:
    """The proposal per segment of ``definition`` for ``kpi`` (what
    :func:`~cxm.management.targets.propose` gives), or the reason there is none in
    ``error``; see :meth:`KeptResults.get` for ``wait`` and None."""
    from cxm.management.targets import propose

    def compute() -> TargetProposal:
        with store.session() as s:
            try:
                return propose(s, definition, kpi)
            finally:
                s.rollback()  # read only

    key = (str(store.engine.url), definition, kpi)
    return PROPOSALS.get(session, key, compute, wait=wait)
