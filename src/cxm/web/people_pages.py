"""``/staff/people``: service scorecards, employee survey results (small groups withheld)
and the linkage with customers' results — what each reader may see is decided in
:func:`cxm.people.workspace.people_workspace`, from the whole company's figures kept until
the data change (:mod:`cxm.people.kept`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from cxm.accounts.permissions import Capability, Role, Scope
from cxm.clock import today
from cxm.errors import InputError
from cxm.i18n import _
from cxm.people.kept import kept_figures, kept_linkage
from cxm.people.workspace import people_workspace
from cxm.web.deps import AppSettings, AppStore, DbSession
from cxm.web.permissions import Grant, Require, grant_for
from cxm.web.staff import page

__all__ = ["router"]

router = APIRouter(prefix="/staff/people", tags=["staff pages"], include_in_schema=False)

Reports = Annotated[Grant, Require(Capability.VIEW_REPORTS, filters=True)]

#: Default period: the last 90 days.
DAYS = 90


def _measure_labels() -> dict[str, str]:
    return {
        "sla_kept": _("SLA kept"),
        "reopen_rate": _("Reopened"),
        "followup_csat": _("Follow-up CSAT"),
        "shopping_met": _("Mystery shopping: standards met"),
    }


def _day(value: str | None, default: date, name: str) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            _("{option}: {value} is not a date (YYYY-MM-DD).").format(option=name, value=value)
        ) from None


@router.get("", response_class=HTMLResponse)
def workspace(
    request: Request,
    grant: Reports,
    db: DbSession,
    store: AppStore,
    settings: AppSettings,
    since: Annotated[str | None, Query()] = None,
    until: Annotated[str | None, Query()] = None,
    linkage: Annotated[bool, Query()] = False,
) -> Response:
    user = grant.user
    end = _day(until, today(), "until")
    start = _day(since, end - timedelta(days=DAYS), "since")
    if end < start:
        raise InputError(
            _("The period ends on {until} before it starts on {since}.").format(
                until=end.isoformat(), since=start.isoformat()
            )
        )
    results = grant_for(db, user, Capability.SEE_EMPLOYEE_RESULTS)
    money = grant_for(db, user, Capability.SEE_MONEY)
    own_only = user.role == Role.AGENT
    lang = request.state.lang
    minimum = settings.employee_min_group
    # A minute the first time at a million customers: made beside, the page reloads itself.
    kept = kept_figures(store, db, since=start, until=end, minimum=minimum, lang=lang)
    context: dict[str, Any] = {
        "user": user,
        "measures": _measure_labels(),
        "own_only": own_only,
        "linkage_requested": linkage,
        "pending": kept is None,
        "data": {"since": start.isoformat(), "until": end.isoformat()},
    }
    if kept is None:
        return page(request, "staff/people.html", context)
    if kept.value is None:
        raise InputError(kept.error or "")
    company_results = results is not None and results.scope is Scope.ALL
    linked: dict[str, Any] | None = None
    if linkage and company_results:
        found = kept_linkage(store, db, minimum=minimum, lang=lang)
        linked = found.value if found.value is not None else {"error": found.error}
    context["data"] = people_workspace(
        db,
        kept.value,
        user_id=user.id,
        team_ids=grant.team_ids,
        employee_team_ids=None if results is None else results.team_ids,
        own_only=own_only,
        employee_results=results is not None,
        employee_results_company=company_results,
        money=money is not None and money.scope is Scope.ALL,
        since=start,
        until=end,
        linkage=linked,
    )
    context.update(computed_at=kept.computed_at, fresh=kept.fresh)
    return page(request, "staff/people.html", context)
