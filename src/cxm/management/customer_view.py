"""The customer 360 of the staff workspace: the customer's file with their segment history,
value tier, churn-risk signals and the next best action (:mod:`cxm.analytics.next_action`).

One function gathers what the page shows, within the viewer's scope; the web page only
renders it. Money (purchase revenue and profit) is left out for viewers without
``see_money``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxm.analytics.next_action import (
    Action,
    ChurnSignals,
    CustomerSignals,
    OpenCase,
    churn_signals,
    next_best_actions,
)
from cxm.cases.customer_search import check_customer_visible
from cxm.customers.models import Customer, Purchase
from cxm.customers.profile import CustomerFile, customer_file_of
from cxm.errors import NotFound
from cxm.i18n import _
from cxm.store.kept import forget_with_kept

__all__ = ["Customer360", "analysis_day", "customer_360"]

#: Purchases read for the signals: the last two years, at most this many.
MAX_PURCHASES = 2000
_DAY_CACHE: dict[str, tuple[float, date | None]] = {}
_DAY_TTL = 600.0
forget_with_kept(_DAY_CACHE.clear)


@dataclass(frozen=True)
class Customer360:
    file: CustomerFile
    segment_history: list[dict[str, Any]]
    value_tier: str | None
    top_tier: bool
    churn: ChurnSignals
    actions: list[Action]
    as_of: date


def analysis_day(session: Session) -> date:
    """The day the page judges "now": the company's today, or the last purchase in the file
    when the data end earlier (a file loaded last month is not "all lost"). The last
    purchase is read at most every 10 minutes per database (a scan of the purchases)."""
    from cxm.clock import today

    key = str(session.get_bind().engine.url)
    hit = _DAY_CACHE.get(key)
    if hit is None or time.monotonic() - hit[0] > _DAY_TTL:
        last = session.scalar(select(func.max(Purchase.purchased_on)))
        hit = (time.monotonic(), last)
        _DAY_CACHE[key] = hit
    now = today()
    return min(now, hit[1]) if hit[1] is not None else now


def _open_cases(session: Session, customer_id: int) -> list[OpenCase]:
    from cxm.cases.codes import CaseStatus
    from cxm.cases.models import Case
    from cxm.clock import to_company_time

    rows = session.execute(
        select(Case.id, Case.subject, Case.type, Case.resolution_due)
        .where(
            Case.customer_id == customer_id,
            Case.status.not_in([CaseStatus.RESOLVED, CaseStatus.CLOSED]),
        )
        .order_by(Case.resolution_due)
        .limit(20)
    ).all()
    return [
        OpenCase(
            id=i,
            subject=subject,
            kind=str(getattr(kind, "value", kind)),
            due=to_company_time(due).date() if isinstance(due, datetime) else None,
        )
        for i, subject, kind, due in rows
    ]


def _purchases(session: Session, customer_id: int, day: date) -> list[tuple[date, str, float]]:
    start = date(day.year - 2, day.month, min(day.day, 28))
    rows = session.execute(
        select(Purchase.purchased_on, Purchase.product, Purchase.revenue, Purchase.cost)
        .where(
            Purchase.customer_id == customer_id,
            Purchase.purchased_on > start,
            Purchase.purchased_on <= day,
        )
        .order_by(Purchase.purchased_on.desc())
        .limit(MAX_PURCHASES)
    ).all()
    return [(d, p, float(rev) - float(cost or 0)) for d, p, rev, cost in rows]


def _latest(answers: Any, field: str) -> float | None:
    for a in answers if isinstance(answers, list) else []:
        value = a.get(field)
        if isinstance(value, int | float):
            return float(value)
    return None


def customer_360(
    session: Session,
    customer_id: int,
    *,
    user_id: int,
    team_ids: frozenset[int] | None,
    see_money: bool,
) -> Customer360:
    """Everything the customer page shows of customer ``customer_id`` (404 outside the
    viewer's scope)."""
    from cxm.management.profile import segment_history

    check_customer_visible(session, customer_id, user_id=user_id, team_ids=team_ids)
    c = session.get(Customer, customer_id)
    if c is None:
        raise NotFound(_("No customer {id}.", id=customer_id))
    cf = customer_file_of(session, c)
    history = segment_history(session, customer_id)
    tiers = [h for h in history if h["until"] is None and h["kind"] == "pareto"]
    day = analysis_day(session)
    answers = cf.sections.get("Survey answers")
    signals = CustomerSignals(
        today=day,
        purchases=_purchases(session, customer_id, day),
        satisfaction=_latest(answers, "satisfaction"),
        nps=_latest(answers, "nps"),
        open_cases=_open_cases(session, customer_id),
        value_tier=tiers[0]["segment"] if tiers else None,
        top_tier=bool(tiers and tiers[0]["top"]),
        attributes=cf.attributes,
    )
    actions = next_best_actions(signals)
    if not see_money:
        # Reasons quoting profit stay with those who may see money.
        actions = [a for a in actions if a.code != "rising"]
        p = cf.purchases
        cf = CustomerFile(
            profile=cf.profile,
            attributes=cf.attributes,
            purchases=type(p)(p.count, 0.0, 0.0, 0.0, p.first, p.last, []),
            touchpoints=cf.touchpoints,
            touchpoints_total=cf.touchpoints_total,
            touchpoints_by_stage=cf.touchpoints_by_stage,
            sections=cf.sections,
        )
    churn = churn_signals(signals)
    if not see_money:
        churn = ChurnSignals(
            churn.level,
            tuple(r for r in churn.reasons if "¥" not in r and "%" not in r),
            churn.median_gap_days,
            churn.days_since_purchase,
        )
    return Customer360(
        file=cf,
        segment_history=history,
        value_tier=signals.value_tier,
        top_tier=signals.top_tier,
        churn=churn,
        actions=actions,
        as_of=day,
    )
