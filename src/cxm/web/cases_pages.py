"""The agent's inbox and case pages (``/staff/cases``): my cases, open ones, those near or
past their deadline; a case with the customer's file beside it and quick actions. Server-
rendered, no JavaScript needed, every form posts back with the CSRF token and the version
the agent saw (a stale one is answered 409 with the case shown afresh)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxm.accounts import StaffUser
from cxm.accounts.permissions import Capability
from cxm.cases.access import check_visible
from cxm.cases.codes import CaseType, Emotion, label
from cxm.cases.listing import VIEWS, followups_of, inbox_cases, recovery_of, staff_choices
from cxm.cases.recovery import RecoverySpec, resolve_case
from cxm.cases.service import (
    act,
    add_note,
    case_summary,
    get_case,
    hand_over,
    open_case,
    take_case,
)
from cxm.cases.states import TRANSITIONS, Action
from cxm.cases.texts import accept_suggestion, case_texts
from cxm.errors import CXMError
from cxm.i18n import _
from cxm.web.deps import DbSession
from cxm.web.permissions import Grant, Require, grant_for
from cxm.web.staff import page

__all__ = ["router"]

router = APIRouter(prefix="/staff/cases", tags=["case pages"], include_in_schema=False)
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
#: Agents act on their team's cases, leads on the teams they lead, managers in their unit.
ActOnCases = Annotated[Grant, Require(Capability.ACT_ON_CASES, filters=True)]
#: Opening a case: whoever the customer reached owns the problem, whatever their team.
OpenCase = Annotated[Grant, Require(Capability.ACT_ON_CASES, shared=True)]


def _view_label(view: str) -> str:
    return {
        "mine": _("My cases"),
        "team": _("My team's cases"),
        "open": _("All open cases"),
        "breaching": _("Breaching soon or late"),
        "all": _("All cases"),
    }[view]


@router.get("", response_class=HTMLResponse)
def inbox(
    request: Request, grant: ActOnCases, db: DbSession, view: str = "mine", q: str = ""
) -> Response:
    user = grant.user
    view = view if view in VIEWS else "mine"
    now = datetime.now(UTC)
    found = inbox_cases(
        db,
        user_id=user.id,
        user_team_id=user.team_id,
        team_ids=grant.team_ids,
        view=view,
        search=q,
    )
    rows = [case_summary(c, now) for c in found]
    for r in rows:
        r["type_label"] = label(r["type"])
        r["status_label"] = label(r["status"])
        r["priority_label"] = label(r["priority"])
    return page(
        request,
        "staff/cases.html",
        {
            "user": user,
            "rows": rows,
            "view": view,
            "q": q,
            "views": [(v, _view_label(v)) for v in VIEWS],
        },
    )


def _customer_panel(request: Request, user: StaffUser, db: Any, customer_id: int) -> dict[str, Any]:
    from cxm.customers.profile import customer_file

    f = customer_file(request.app.state.store, str(customer_id))
    # Agents never see money (profit, revenue, cost): only roles with see_money do.
    money = grant_for(db, user, Capability.SEE_MONEY) is not None
    return {
        "profile": f.profile,
        "purchases": {
            "count": f.purchases.count,
            "first": f.purchases.first,
            "last": f.purchases.last,
            "products": [p.product for p in f.purchases.top_products],
            "revenue": f.purchases.revenue if money else None,
            "profit": f.purchases.profit if money else None,
        },
        "segments": f.sections.get("Segments") or [],
        "answers": (f.sections.get("Survey answers") or [])[:10],
        "cases": f.sections.get("Cases") or [],
    }


def _case_page(
    request: Request,
    user: StaffUser,
    db: Any,
    case_id: int,
    error: str | None = None,
    status: int = 200,
) -> Response:
    case = get_case(db, case_id)
    summary = case_summary(case)
    actions = sorted(a.value for (s, a) in TRANSITIONS if s == case.status and a != Action.RESOLVE)
    recovery = recovery_of(db, case_id)
    followups = followups_of(db, case_id)
    staff = staff_choices(db)
    return page(
        request,
        "staff/case.html",
        {
            "user": user,
            "case": summary,
            "labels": {k: label(summary[k]) for k in ("type", "status", "priority")},
            "faults": [label(f) for f in summary["faults"]],
            "history": case.events,
            "recovery": recovery,
            "followups": followups,
            "actions": [(a, _action_label(a)) for a in actions],
            "can_resolve": (case.status, Action.RESOLVE) in TRANSITIONS,
            "can_take": case.owner_user_id is None,
            "owner": next((n for i, n in staff if i == case.owner_user_id), None),
            "emotions": [(e.value, label(e)) for e in Emotion],
            "staff": staff,
            "customer": _customer_panel(request, user, db, case.customer_id),
            "texts": case_texts(db, case_id),
            "error": error,
            "label": label,
        },
        status=status,
    )


def _action_label(action: str) -> str:
    return {
        "acknowledge": _("Acknowledge"),
        "start": _("Start work"),
        "wait": _("Wait for the customer"),
        "resume": _("Resume"),
        "close": _("Close"),
        "reopen": _("Reopen"),
    }.get(action, action)


@router.get("/new", response_class=HTMLResponse)
def new_form(request: Request, grant: OpenCase) -> Response:
    return page(
        request,
        "staff/case_new.html",
        {
            "user": grant.user,
            "types": [(t.value, label(t)) for t in CaseType],
            "emotions": [(e.value, label(e)) for e in Emotion],
            "error": None,
            "values": {},
        },
    )


@router.post("/new", response_class=HTMLResponse)
def new_submit(
    request: Request,
    grant: OpenCase,
    db: DbSession,
    customer: Annotated[str, Form(max_length=100)],
    subject: Annotated[str, Form(max_length=300)],
    type: Annotated[str, Form(max_length=32)] = "complaint",
    text: Annotated[str, Form(max_length=20_000)] = "",
    emotion: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    user = grant.user
    try:
        with db.begin_nested():
            case, _new = open_case(
                db,
                customer=customer.strip(),
                type=type,
                subject=subject,
                text=text or None,
                emotion=emotion or None,
                channel="staff",
                owner_user_id=user.id,
                actor_user_id=grant.user.id,
            )
    except CXMError as exc:
        return page(
            request,
            "staff/case_new.html",
            {
                "user": user,
                "types": [(t.value, label(t)) for t in CaseType],
                "emotions": [(e.value, label(e)) for e in Emotion],
                "error": exc.message,
                "values": {
                    "customer": customer,
                    "subject": subject,
                    "type": type,
                    "text": text,
                    "emotion": emotion,
                },
            },
            status=exc.status,
        )
    return RedirectResponse(f"/staff/cases/{case.id}", status_code=303)


@router.get("/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: CaseId, grant: ActOnCases, db: DbSession) -> Response:
    check_visible(db, case_id, user_id=grant.user.id, team_ids=grant.team_ids)
    return _case_page(request, grant.user, db, case_id)


def _on_case(
    request: Request,
    user: StaffUser,
    team_ids: frozenset[int] | None,
    db: Any,
    case_id: int,
    change: Callable[..., object],
    *,
    then: str = "",
    **arguments: Any,
) -> Response:
    """The one shape of every form on a case: check the user may see it (their grant's
    ``team_ids``, passed by each route, which narrows to them), make one change
    (``change(db, case_id=…, **arguments)``, a case service), then back to the case
    (post/redirect/get) or to ``then``; a refusal shows the case again with the reason and
    nothing changed."""
    check_visible(db, case_id, user_id=user.id, team_ids=team_ids)
    try:
        with db.begin_nested():  # a refusal undoes this change only
            change(db, case_id=case_id, **arguments)
    except CXMError as exc:
        db.expire_all()
        return _case_page(request, user, db, case_id, error=exc.message, status=exc.status)
    return RedirectResponse(then or f"/staff/cases/{case_id}", status_code=303)


Version = Annotated[int, Form(ge=1, le=2**31 - 1)]


@router.post("/{case_id}/act", response_class=HTMLResponse)
def act_submit(
    request: Request,
    case_id: CaseId,
    grant: ActOnCases,
    db: DbSession,
    action: Annotated[str, Form(max_length=32)],
    version: Version,
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    return _on_case(
        request,
        grant.user,
        grant.team_ids,
        db,
        case_id,
        act,
        action=action,
        version=version,
        actor_user_id=grant.user.id,
        note=note or None,
    )


@router.post("/{case_id}/take", response_class=HTMLResponse)
def take_submit(
    request: Request, case_id: CaseId, grant: ActOnCases, db: DbSession, version: Version
) -> Response:
    return _on_case(
        request,
        grant.user,
        grant.team_ids,
        db,
        case_id,
        take_case,
        version=version,
        user_id=grant.user.id,
    )


@router.post("/{case_id}/note", response_class=HTMLResponse)
def note_submit(
    request: Request,
    case_id: CaseId,
    grant: ActOnCases,
    db: DbSession,
    note: Annotated[str, Form(max_length=20_000)] = "",
    contact: Annotated[bool, Form()] = False,
) -> Response:
    return _on_case(
        request,
        grant.user,
        grant.team_ids,
        db,
        case_id,
        add_note,
        actor_user_id=grant.user.id,
        note=note,
        contact=contact,
    )


@router.post("/{case_id}/handover", response_class=HTMLResponse)
def handover_submit(
    request: Request,
    case_id: CaseId,
    grant: ActOnCases,
    db: DbSession,
    version: Version,
    reason: Annotated[str, Form(max_length=2000)] = "",
    to_user: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
) -> Response:
    return _on_case(
        request,
        grant.user,
        grant.team_ids,
        db,
        case_id,
        hand_over,
        then="/staff/cases?view=mine",  # the case is someone else's now
        version=version,
        actor_user_id=grant.user.id,
        reason=reason,
        to_user_id=to_user,
    )


@router.post("/{case_id}/resolve", response_class=HTMLResponse)
def resolve_submit(
    request: Request,
    case_id: CaseId,
    grant: ActOnCases,
    db: DbSession,
    version: Version,
    apology: Annotated[str, Form(max_length=2000)] = "",
    correction: Annotated[str, Form(max_length=2000)] = "",
    compensation: Annotated[str, Form(max_length=32)] = "",
    compensation_kind: Annotated[str, Form(max_length=50)] = "",
    do_more: Annotated[str, Form(max_length=2000)] = "",
    approved_by: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
    emotion_out: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    specs = [
        RecoverySpec(kind, description=text)
        for kind, text in (("apology", apology), ("correction", correction), ("do_more", do_more))
        if text
    ]
    if compensation.strip():
        specs.append(
            RecoverySpec(
                "compensation",
                amount=compensation.strip(),
                compensation_kind=compensation_kind or None,
            )
        )
    return _on_case(
        request,
        grant.user,
        grant.team_ids,
        db,
        case_id,
        resolve_case,
        version=version,
        actor_user_id=grant.user.id,
        recovery=specs,
        note=note or None,
        emotion_out=emotion_out or None,
        approved_by_user_id=approved_by,
    )


@router.post("/{case_id}/accept", response_class=HTMLResponse)
def accept_submit(
    request: Request,
    case_id: CaseId,
    grant: ActOnCases,
    db: DbSession,
    version: Version,
    entry: Annotated[int, Form(ge=1, le=2**31 - 1)],
    faults: Annotated[list[str] | None, Form(max_length=7)] = None,
    emotion: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    return _on_case(
        request,
        grant.user,
        grant.team_ids,
        db,
        case_id,
        accept_suggestion,
        entry_id=entry,
        version=version,
        actor_user_id=grant.user.id,
        faults=faults or [],
        emotion=emotion,
    )
