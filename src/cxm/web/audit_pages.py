"""The audit log, for administrators: who changed what and when, filtered by kind of thing,
user and dates (days in the company's time zone), fifty entries a page."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from cxm.accounts.invites import staff_rows
from cxm.accounts.permissions import Capability
from cxm.audit.service import AuditPage, entities, search_entries
from cxm.errors import InputError
from cxm.i18n import _
from cxm.web.deps import DbSession
from cxm.web.frame import page
from cxm.web.permissions import Grant, Require

__all__ = ["router"]

router = APIRouter(prefix="/staff/audit", tags=["staff pages"], include_in_schema=False)

Auditor = Annotated[Grant, Require(Capability.VIEW_AUDIT)]
PER_PAGE = 50


def _day(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(
            _("{field}: {value} is not a date (YYYY-MM-DD).", field=field, value=value)
        ) from None


def _start_of(day: date) -> datetime:
    from cxm.clock import company_zone

    # In UTC: stored times are UTC, and SQLite compares them as text, offset ignored.
    return datetime.combine(day, time.min, tzinfo=company_zone()).astimezone(UTC)


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[dict[str, str]]:
    """The fields that differ (all of them for a creation or a deletion)."""
    b, a = before or {}, after or {}
    out = []
    for key in list(dict.fromkeys([*b, *a])):
        if key in b and key in a and b[key] == a[key]:
            continue
        out.append(
            {
                "field": key,
                "before": _show(b.get(key)) if before is not None else "",
                "after": _show(a.get(key)) if after is not None else "",
            }
        )
    return out


@router.get("", response_class=HTMLResponse)
def audit_page(
    request: Request,
    grant: Auditor,
    db: DbSession,
    entity: Annotated[str, Query(max_length=50)] = "",
    entity_id: Annotated[str, Query(max_length=100)] = "",
    user: Annotated[str, Query(max_length=100)] = "",
    since: Annotated[str, Query(alias="from", max_length=20)] = "",
    until: Annotated[str, Query(alias="to", max_length=20)] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    staff = staff_rows(db)
    names = {r.id: r.name for r in staff}
    ids = {r.name: r.id for r in staff}
    error = None
    start = end = None
    try:
        first, last = _day(since, _("From")), _day(until, _("To"))
        start = _start_of(first) if first else None
        end = _start_of(last + timedelta(days=1)) if last else None
        if user and user != "system" and user not in ids:
            raise InputError(_("No user named {name}.", name=user))
    except InputError as exc:
        error = exc.message
    found = (
        AuditPage([], 0)
        if error
        else search_entries(
            db,
            entity=entity or None,
            entity_id=entity_id or None,
            actor_id=ids.get(user),
            system=user == "system",
            since=start,
            until=end,
            offset=(page_no - 1) * PER_PAGE,
            limit=PER_PAGE,
        )
    )
    rows = [
        {
            "at": e.at,
            "who": names.get(e.actor_id, f"#{e.actor_id}")
            if e.actor_id is not None
            else _("system or command line"),
            "action": e.action,
            "entity": e.entity,
            "entity_id": e.entity_id,
            "changes": _changes(e.before, e.after),
        }
        for e in found.entries
    ]
    filters = {
        "entity": entity,
        "entity_id": entity_id,
        "user": user,
        "from": since,
        "to": until,
    }
    kept = [(k, v) for k, v in filters.items() if v]
    pages = max(1, -(-found.total // PER_PAGE))
    context = {
        "user": grant.user,
        "rows": rows,
        "total": found.total,
        "page_no": page_no,
        "pages": pages,
        "previous": "?" + urlencode([*kept, ("page", page_no - 1)]) if page_no > 1 else None,
        "next": "?" + urlencode([*kept, ("page", page_no + 1)]) if page_no < pages else None,
        "filters": filters,
        "entities": entities(db),
        "staff": sorted(names.values()),
        "error": error,
        "crumbs": [(_("Dashboard"), "/staff/"), (_("Audit log"), None)],
    }
    return page(request, "staff/audit.html", context, status=422 if error else 200)
