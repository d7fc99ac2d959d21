"""What the staff dashboard shows, gathered from the services that compute it.

Nothing here computes a statistic: the KPIs against target with their intervals and trend
come from :func:`cxm.management.targets.report`, the "fix first" list from
:func:`cxm.management.priorities.priority_list`, cases from :mod:`cxm.cases`.

The two analyses take seconds on a large company, so their results are kept per segment
definition and part of the company, with a fingerprint of the data they read (answers,
targets, segment memberships, customers): while the fingerprint holds, the dashboard reads
the kept result; when the data move on, the dashboard shows the previous result (saying
when it was computed) and a background thread computes the new one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cxm.errors import CXMError
from cxm.store import Store
from cxm.store.changes import data_fingerprint
from cxm.store.kept import forget_with_kept

__all__ = [
    "KPIS_SHOWN",
    "Analyses",
    "CaseAlerts",
    "analyses",
    "case_alerts",
    "clear_cache",
    "definitions",
    "detractors_awaiting",
    "warm",
    "waves_with_answers",
]

log = logging.getLogger(__name__)

#: The KPIs the dashboard shows, in order (codes of :data:`cxm.analytics.targets.KPIS`).
KPIS_SHOWN = ("csat", "score100", "index", "nps", "churn_rate")


@dataclass
class Analyses:
    """The slow part of the dashboard for one definition and part of the company."""

    definition: str
    report: pd.DataFrame
    priorities: pd.DataFrame | None
    priorities_note: str | None
    computed_at: datetime
    fingerprint: tuple[Any, ...]
    fresh: bool = True
    errors: list[str] = field(default_factory=list)


_cache: dict[tuple[Any, ...], Analyses] = {}
#: Results kept at most (one per definition and part of the company); the oldest goes first.
CACHE_SIZE = 64
_running: set[tuple[Any, ...]] = set()
_lock = threading.Lock()


def clear_cache() -> None:
    with _lock:
        _cache.clear()


forget_with_kept(clear_cache)


def definitions(session: Session) -> list[str]:
    """Names of the segment definitions, the demo's value tiers (``value``) first."""
    from cxm.management.models import SegmentDefinition

    names = list(session.scalars(select(SegmentDefinition.name).order_by(SegmentDefinition.name)))
    return sorted(names, key=lambda n: (n != "value", n))


def waves_with_answers(session: Session) -> list[tuple[int, str, int]]:
    """(id, name, completed answers) of every wave, oldest first."""
    from cxm.surveys.models import Response, Wave

    counts = (
        select(Response.wave_id, func.count().label("n"))
        .where(Response.completed_at.is_not(None))
        .group_by(Response.wave_id)
        .subquery()
    )
    rows = session.execute(
        select(Wave.id, Wave.name, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.wave_id == Wave.id)
        .order_by(Wave.opens_on, Wave.id)
    )
    return [(int(i), str(n), int(c)) for i, n, c in rows]


def _fingerprint(session: Session) -> tuple[Any, ...]:
    from cxm.customers.models import Customer, Purchase
    from cxm.management.models import SegmentMembership, Target
    from cxm.surveys.models import Response

    # Indexed columns only (one lookup each, see cxm.store.changes): a response started or
    # completed, a membership recomputed, a customer added or changed, a purchase, a target.
    return data_fingerprint(
        session,
        Response.updated_at,
        SegmentMembership.id,
        Customer.id,
        Customer.updated_at,
        Purchase.id,
        Target.updated_at,
    )


def _served(session: Session, team_ids: frozenset[int] | None) -> frozenset[int] | None:
    if team_ids is None:
        return None
    if not team_ids:
        return frozenset()
    from cxm.org.serving import served_by

    return frozenset(session.scalars(served_by(team_ids, on=date.today())))


def _compute(
    store: Store, definition: str, team_ids: frozenset[int] | None, print_: tuple[Any, ...]
) -> Analyses:
    from cxm.management.priorities import priority_list
    from cxm.management.targets import report

    errors: list[str] = []
    with store.session() as s:
        customers = _served(s, team_ids)
        try:
            rep = report(s, definition, kpis=list(KPIS_SHOWN), customer_ids=customers)
        except CXMError as exc:
            rep, errors = pd.DataFrame(), [exc.message]
        priorities: pd.DataFrame | None = None
        note: str | None = None
        if team_ids is None:
            try:
                priorities = priority_list(s, definition).items.head(5)
            except CXMError as exc:
                note = exc.message
        s.rollback()  # read only
    return Analyses(definition, rep, priorities, note, datetime.now(UTC), print_, errors=errors)


def _keep(key: tuple[Any, ...], result: Analyses) -> None:
    """Keep ``result`` (the caller holds the lock), dropping the oldest beyond CACHE_SIZE."""
    _cache.pop(key, None)
    _cache[key] = result
    while len(_cache) > CACHE_SIZE:
        _cache.pop(next(iter(_cache)))


def _refresh(store: Store, key: tuple[Any, ...], definition: str, team_ids: Any, fp: Any) -> None:
    try:
        result = _compute(store, definition, team_ids, fp)
        with _lock:
            _keep(key, result)
    except Exception:  # a failed refresh leaves the last result in place, logged
        log.exception("dashboard refresh failed")
    finally:
        with _lock:
            _running.discard(key)


def _start_refresh(
    store: Store, key: tuple[Any, ...], definition: str, teams: Any, fp: Any
) -> None:
    """Compute in a thread unless one already computes this key (the caller holds the lock)."""
    if key in _running:
        return
    _running.add(key)
    threading.Thread(
        target=_refresh, args=(store, key, definition, teams, fp), name="cxm-dashboard", daemon=True
    ).start()


def analyses(
    store: Store,
    session: Session,
    *,
    definition: str,
    team_ids: Collection[int] | None,
    wait: bool = True,
) -> Analyses | None:
    """The KPI report and the top of the priority list for ``definition`` over the
    customers ``team_ids`` serve (None: the whole company; the priority list is company
    wide, so it is given only then). A kept result is returned while the data are unchanged;
    a stale one is returned with ``fresh`` False while a new one is computed beside. With
    nothing kept, ``wait`` computes it now; otherwise it is computed beside and None says
    "not ready yet" (a page answers at once and asks to come back)."""
    teams = None if team_ids is None else frozenset(team_ids)
    key = (str(store.engine.url), definition, teams)
    fp = _fingerprint(session)
    with _lock:
        kept = _cache.get(key)
        if kept is not None and kept.fingerprint == fp:
            return kept
        if kept is not None:
            _start_refresh(store, key, definition, teams, fp)
            kept.fresh = False
            return kept
        if not wait:
            _start_refresh(store, key, definition, teams, fp)
            return None
    result = _compute(store, definition, teams, fp)
    with _lock:
        _keep(key, result)
    return result


@dataclass(frozen=True)
class CaseAlerts:
    """Open cases past their deadlines, in the part of the company a user sees."""

    open: int
    response_breached: int
    resolution_breached: int
    escalated: int


def _open_statuses() -> list[Any]:
    from cxm.cases.codes import CaseStatus

    return [s for s in CaseStatus if s not in (CaseStatus.RESOLVED, CaseStatus.CLOSED)]


def case_alerts(
    session: Session, *, user_id: int, team_ids: frozenset[int] | None, now: datetime
) -> CaseAlerts:
    """Counts of open cases (visible to the user) and of those past their service levels."""
    from cxm.cases.access import visible
    from cxm.cases.models import Case

    base = (
        select(func.count())
        .select_from(Case)
        .where(Case.status.in_(_open_statuses()), visible(user_id, team_ids))
    )
    return CaseAlerts(
        open=int(session.scalar(base) or 0),
        response_breached=int(
            session.scalar(
                base.where(Case.first_response_at.is_(None), Case.first_response_due < now)
            )
            or 0
        ),
        resolution_breached=int(session.scalar(base.where(Case.resolution_due < now)) or 0),
        escalated=int(session.scalar(base.where(Case.escalated_at.is_not(None))) or 0),
    )


def detractors_awaiting(
    session: Session,
    *,
    user_id: int,
    team_ids: frozenset[int] | None,
    now: datetime,
    limit: int = 8,
) -> tuple[int, list[dict[str, Any]]]:
    """Open detractor follow-up cases not yet answered (no first response), soonest due
    first: how many, and the first ``limit`` with their customer."""
    from cxm.cases.access import visible
    from cxm.cases.codes import CaseType
    from cxm.cases.models import Case
    from cxm.customers.models import Customer

    where = [
        Case.type == CaseType.DETRACTOR_FOLLOWUP,
        Case.status.in_(_open_statuses()),
        or_(Case.first_response_at.is_(None), Case.owner_user_id.is_(None)),
        visible(user_id, team_ids),
    ]
    total = int(session.scalar(select(func.count()).select_from(Case).where(*where)) or 0)
    rows = session.execute(
        select(
            Case.id, Case.subject, Case.customer_id, Customer.external_id, Case.first_response_due
        )
        .join(Customer, Customer.id == Case.customer_id)
        .where(*where)
        .order_by(Case.first_response_due, Case.id)
        .limit(limit)
    )
    out = []
    for case_id, subject, customer_id, external_id, due in rows:
        aware = due if due.tzinfo else due.replace(tzinfo=UTC)
        out.append(
            {
                "case_id": case_id,
                "subject": subject,
                "customer_id": customer_id,
                "customer": external_id,
                "due": aware,
                "overdue": aware < now,
            }
        )
    return total, out


def warm(store: Store) -> None:
    """Compute the whole company's dashboard analyses for the first segment definition
    (run beside a server's start, so that the first visitor does not wait for them)."""
    try:
        with store.session() as s:
            names = definitions(s)
            if names and waves_with_answers(s):
                analyses(store, s, definition=names[0], team_ids=None)
    except Exception:  # a failed warm-up only means the first visitor computes it
        log.exception("dashboard warm-up failed")
