"""The whole file of one customer: profile, attributes, purchase history in summary, recent
touchpoints (moments of truth) — and further sections from other areas.

The documents name the lack of a detailed customer file as a main failure (DOMAIN.md §3);
this is the one place that assembles it. Other areas add a section (survey answers,
cases…) with one line in :data:`EXTRA_SECTIONS`: a name and the dotted path of a function
``builder(session, customer_id) -> JSON-able value``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from importlib import import_module
from typing import Any

from sqlalchemy import Float, func, select
from sqlalchemy.orm import Session

from cxm.customers.codes import ChurnReason, CustomerStatus, JourneyStage
from cxm.customers.models import Customer, Employee, Purchase, Team, Touchpoint
from cxm.errors import NotFound
from cxm.i18n import _
from cxm.store import Store

__all__ = [
    "EXTRA_SECTIONS",
    "CustomerFile",
    "ProductLine",
    "PurchaseSummary",
    "TouchpointLine",
    "customer_file",
    "customer_file_of",
    "find_customer",
]

#: Further sections of the file: ``(title, "package.module:function")``. The function is
#: called as ``function(session, customer_id)`` and returns a JSON-able value (a list of
#: records shows as a table). ``title`` is English, translated at display: add it to your
#: locale file. Example: ``("Survey answers", "cxm.surveys.profile:answers_of")``.
EXTRA_SECTIONS: tuple[tuple[str, str], ...] = (
    ("Segments", "cxm.management.profile:segments_of"),
    ("Survey answers", "cxm.surveys.profile:answers_of"),
    ("Cases", "cxm.cases.profile:cases_of"),
    ("Consent", "cxm.consent.profile:consent_of"),
)


@dataclass(frozen=True)
class ProductLine:
    product: str
    purchases: int
    revenue: float


@dataclass(frozen=True)
class PurchaseSummary:
    count: int
    revenue: float
    cost: float
    profit: float
    first: date | None
    last: date | None
    top_products: list[ProductLine]


@dataclass(frozen=True)
class TouchpointLine:
    occurred_at: datetime
    stage: str
    channel: str | None
    employee: str | None
    team: str | None
    note: str | None


@dataclass(frozen=True)
class CustomerFile:
    """One customer's file. ``profile`` holds the customer-file columns; ``sections`` the
    further sections (see :data:`EXTRA_SECTIONS`)."""

    profile: dict[str, Any]
    attributes: dict[str, Any]
    purchases: PurchaseSummary
    touchpoints: list[TouchpointLine]
    touchpoints_total: int
    touchpoints_by_stage: dict[str, int]
    sections: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def find_customer(session: Session, key: str) -> Customer:
    """The customer whose external id is ``key`` (or, failing that, whose database id is
    the number ``key``); :class:`NotFound` otherwise."""
    wanted = key.strip()
    found = session.execute(
        select(Customer).where(Customer.external_id == wanted)
    ).scalar_one_or_none()
    if found is None and wanted.isdigit():
        found = session.get(Customer, int(wanted))
    if found is None:
        raise NotFound(
            _(
                "No customer with id {id}: give the customer's external id as in the "
                "customer file (e.g. C000001).",
                id=key,
            )
        )
    return found


def _code(value: object) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def _purchases(session: Session, customer_id: int, top: int) -> PurchaseSummary:
    mine = Purchase.customer_id == customer_id
    count, revenue, cost, first, last = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(Purchase.revenue, type_=Float), 0.0),
            func.coalesce(func.sum(func.coalesce(Purchase.cost, 0), type_=Float), 0.0),
            func.min(Purchase.purchased_on),
            func.max(Purchase.purchased_on),
        ).where(mine)
    ).one()
    rev = func.sum(Purchase.revenue, type_=Float)
    lines = session.execute(
        select(Purchase.product, func.count(), rev)
        .where(mine)
        .group_by(Purchase.product)
        .order_by(rev.desc(), Purchase.product)
        .limit(top)
    ).all()
    return PurchaseSummary(
        count=int(count),
        revenue=round(float(revenue), 2),
        cost=round(float(cost), 2),
        profit=round(float(revenue) - float(cost), 2),
        first=first,
        last=last,
        top_products=[ProductLine(p, int(n), round(float(r), 2)) for p, n, r in lines],
    )


def _touchpoints(session: Session, customer_id: int, recent: int) -> list[TouchpointLine]:
    rows = session.execute(
        select(
            Touchpoint.occurred_at,
            Touchpoint.stage,
            Touchpoint.channel,
            Employee.name,
            Team.name,
            Touchpoint.note,
        )
        .outerjoin(Employee, Employee.id == Touchpoint.employee_id)
        .outerjoin(Team, Team.id == Touchpoint.team_id)
        .where(Touchpoint.customer_id == customer_id)
        .order_by(Touchpoint.occurred_at.desc(), Touchpoint.id.desc())
        .limit(recent)
    ).all()
    return [
        TouchpointLine(
            occurred_at=at, stage=_code(stage) or "", channel=ch, employee=emp, team=team, note=note
        )
        for at, stage, ch, emp, team, note in rows
    ]


def _extra_sections(session: Session, customer_id: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, target in EXTRA_SECTIONS:
        module, _sep, func_name = target.partition(":")
        out[name] = getattr(import_module(module), func_name)(session, customer_id)
    return out


def customer_file(
    store: Store, key: str, *, recent_touchpoints: int = 20, top_products: int = 5
) -> CustomerFile:
    """Assemble the file of the customer with external id (or database id) ``key``."""
    with store.session() as session:
        c = find_customer(session, key)
        return customer_file_of(
            session, c, recent_touchpoints=recent_touchpoints, top_products=top_products
        )


def customer_file_of(
    session: Session, c: Customer, *, recent_touchpoints: int = 20, top_products: int = 5
) -> CustomerFile:
    """The file of customer ``c`` read in ``session`` (the CLI and the customer page)."""
    stages = {
        _code(stage) or "": int(n)
        for stage, n in session.execute(
            select(Touchpoint.stage, func.count())
            .where(Touchpoint.customer_id == c.id)
            .group_by(Touchpoint.stage)
        ).all()
    }
    by_stage: dict[str, int] = {s.value: stages[s.value] for s in JourneyStage if s.value in stages}
    by_stage.update({k: n for k, n in sorted(stages.items()) if k not in by_stage})
    profile = {
        "id": c.id,
        "external_id": c.external_id,
        "name": c.name,
        "phone": c.phone,
        "email": c.email,
        "region": c.region,
        "channel": c.channel,
        "acquired_on": c.acquired_on,
        "status": CustomerStatus(c.status).value,
        "churned_on": c.churned_on,
        "churn_reason": None if c.churn_reason is None else ChurnReason(c.churn_reason).value,
        "churn_note": c.churn_note,
    }
    return CustomerFile(
        profile=profile,
        attributes=dict(c.attributes or {}),
        purchases=_purchases(session, c.id, top_products),
        touchpoints=_touchpoints(session, c.id, recent_touchpoints),
        touchpoints_total=sum(by_stage.values()),
        touchpoints_by_stage=by_stage,
        sections=_extra_sections(session, c.id),
    )
