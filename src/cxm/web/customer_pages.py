"""Customer pages: search (``/staff/customers``) and the customer 360
(``/staff/customers/{id}``) with the next best action; contact edits audited.

Who sees which customers: ``see_personal_data`` within its scope (an agent: the customers
their team serves and those of their own cases); money only with ``see_money``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxm.accounts.permissions import Capability
from cxm.analytics.next_action import level_text
from cxm.cases.customer_search import check_customer_visible, search_customers
from cxm.customers.editing import ContactEdit, update_contact
from cxm.errors import ValidationFailed
from cxm.i18n import _
from cxm.management.customer_view import customer_360
from cxm.web.deps import DbSession
from cxm.web.permissions import Grant, Require, grant_for
from cxm.web.staff import page

__all__ = ["router"]

router = APIRouter(prefix="/staff/customers", tags=["customer pages"], include_in_schema=False)
People = Annotated[Grant, Require(Capability.SEE_PERSONAL_DATA, filters=True)]
CustomerId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", response_class=HTMLResponse)
def customers_page(request: Request, grant: People, db: DbSession, q: str = "") -> Response:
    """Search by id, name (its beginning), phone or e-mail."""
    query = q.strip()[:200]
    hits = search_customers(db, query, user_id=grant.user.id, team_ids=grant.team_ids)
    context = {"user": grant.user, "q": query, "hits": hits, "searched": bool(query)}
    return page(request, "staff/customers.html", context)


def _render(
    request: Request,
    grant: Grant,
    db: DbSession,
    customer_id: int,
    *,
    problems: list[Any] | None = None,
    form: dict[str, str] | None = None,
    saved: list[str] | None = None,
    status: int = 200,
) -> Response:
    money = grant_for(db, grant.user, Capability.SEE_MONEY) is not None
    view = customer_360(
        db, customer_id, user_id=grant.user.id, team_ids=grant.team_ids, see_money=money
    )
    p = view.file.profile
    attrs = view.file.attributes
    context = {
        "user": grant.user,
        "c": view,
        "p": p,
        "attrs": attrs,
        "see_money": money,
        "risk_level": level_text(view.churn.level),
        "problems": {pr.column: pr.reason for pr in problems or []},
        "form": form
        or {
            "name": p["name"] or "",
            "phone": p["phone"] or "",
            "email": p["email"] or "",
            "preferences": "\n".join(str(x) for x in attrs.get("preferences") or []),
        },
        "saved": [field_label(f) for f in saved or [] if f != "none"] if saved else None,
        "answers": view.file.sections.get("Survey answers") or [],
        "cases": view.file.sections.get("Cases") or [],
        "consent": view.file.sections.get("Consent") or [],
    }
    return page(request, "staff/customer.html", context, status=status)


@router.get("/{customer_id}", response_class=HTMLResponse)
def customer_page(
    request: Request, customer_id: CustomerId, grant: People, db: DbSession, saved: str = ""
) -> Response:
    check_customer_visible(db, customer_id, user_id=grant.user.id, team_ids=grant.team_ids)
    fields = [f for f in saved.split(",") if f] if saved else None
    return _render(request, grant, db, customer_id, saved=fields)


@router.post("/{customer_id}/contact", response_class=HTMLResponse)
def contact_submit(
    request: Request,
    customer_id: CustomerId,
    grant: People,
    db: DbSession,
    name: Annotated[str, Form(max_length=300)] = "",
    phone: Annotated[str, Form(max_length=100)] = "",
    email: Annotated[str, Form(max_length=300)] = "",
    preferences: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """Correct contact details and preferences (one per line); audited."""
    check_customer_visible(db, customer_id, user_id=grant.user.id, team_ids=grant.team_ids)
    edit = ContactEdit(name, phone, email, preferences.splitlines())
    try:
        changed = update_contact(db, customer_id=customer_id, edit=edit, actor_id=grant.user.id)
    except ValidationFailed as exc:
        form = {"name": name, "phone": phone, "email": email, "preferences": preferences}
        return _render(
            request, grant, db, customer_id, problems=exc.problems, form=form, status=422
        )
    target = f"/staff/customers/{customer_id}?saved={','.join(changed) or 'none'}#contact"
    return RedirectResponse(target, status_code=303)


def field_label(code: str) -> str:
    return {
        "name": _("Name"),
        "phone": _("Phone"),
        "email": _("E-mail"),
        "preferences": _("Preferences"),
    }.get(code, code)
