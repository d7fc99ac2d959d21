"""Staff pages of service standards: standards by stage with owners and sigma, projects and
the team league, and the mystery shopper's checklist form (phone-friendly, no JavaScript)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxm.accounts.permissions import Capability
from cxm.errors import InputError
from cxm.i18n import _
from cxm.standards import definitions, projects, recording
from cxm.web.deps import DbSession
from cxm.web.permissions import Grant, Require
from cxm.web.staff import page

__all__ = ["router"]

Reports = Annotated[Grant, Require(Capability.VIEW_REPORTS)]
#: A mystery shopper records their own visits.
Visits = Annotated[Grant, Require(Capability.RECORD_VISITS, shared=True)]

router = APIRouter(prefix="/staff", tags=["staff pages"], include_in_schema=False)


def _sigma_by_standard(db: Any) -> dict[str, dict[str, Any]]:
    from cxm.standards.reporting import sigma_by_standard

    table = sigma_by_standard(db)
    return {str(r["standard"]): {str(k): v for k, v in r.items()} for r in table.to_dict("records")}


@router.get("/standards", response_class=HTMLResponse)
def standards_page(request: Request, db: DbSession, grant: Reports) -> Response:
    user = grant.user
    frame = definitions.list_standards(db)
    sigma = _sigma_by_standard(db)
    stages: dict[str, list[dict[str, Any]]] = {}
    for record in frame.to_dict("records"):
        r = {str(k): v for k, v in record.items()}
        r["sigma"] = sigma.get(str(r["code"]))
        stages.setdefault(str(r["stage"]), []).append(r)
    return page(
        request,
        "standards/standards.html",
        {
            "user": user,
            "stages": stages,
            "projects": projects.list_projects(db).to_dict("records"),
            "league": projects.league(db).to_dict("records"),
        },
    )


@router.get("/standards/{code}/chart", response_class=HTMLResponse)
def standard_chart_page(
    request: Request, code: str, db: DbSession, grant: Reports, base: int | None = None
) -> Response:
    user = grant.user
    from cxm.reports.model import Chart, Series
    from cxm.reports.svg_charts import svg_chart
    from cxm.standards.charts import standard_chart

    try:
        chart, counts = standard_chart(db, code, base=base)
    except InputError as exc:
        return page(
            request, "standards/chart.html", {"user": user, "code": code, "error": exc.message},
            status=exc.status,
        )  # fmt: skip
    pts = chart.points.assign(period=counts["period"].to_numpy())
    x = tuple(float(v) for v in pts["point"])
    bad = pts[pts["out_of_control"]]
    figure = Chart(
        f"chart-{code}",
        _("p chart of {code}: share of opportunities with a defect", code=code),
        "xy",
        (
            Series(_("defect share"), x, tuple(pts["value"]), mode="line"),
            Series(_("upper control limit"), x, tuple(pts["ucl"]), mode="step"),
            Series(_("centre line"), x, tuple(pts["centre"]), mode="step"),
            Series(_("lower control limit"), x, tuple(pts["lcl"]), mode="step"),
            Series(
                _("out of control"),
                tuple(float(v) for v in bad["point"]),
                tuple(bad["value"]),
                mode="marker",
            ),
        ),
        f"cxm standards chart {code} --json",
        x_title=_("month (1 = {first})", first=str(pts["period"].iloc[0])),
        percent=True,
    )
    rows = [{str(k): v for k, v in r.items()} for r in bad.to_dict("records")]
    return page(
        request,
        "standards/chart.html",
        {
            "user": user,
            "code": code,
            "error": None,
            "svg": svg_chart(figure),
            "limits": chart.limits,
            "bad": rows,
        },
    )


def _form(
    request: Request,
    db: Any,
    user: Any,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    saved: int | None = None,
    status: int = 200,
) -> Response:
    lines = recording.checklist(db)
    return page(
        request,
        "standards/shopping.html",
        {
            "user": user,
            "lines": lines,
            "stages": sorted({s.stage for s in lines}),
            "values": values,
            "errors": errors,
            "saved": saved,
        },
        status=status,
    )


@router.get("/shopping/new", response_class=HTMLResponse)
def shopping_form(
    request: Request, db: DbSession, grant: Visits, saved: int | None = None
) -> Response:
    user = grant.user
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")
    return _form(request, db, user, values={"visited_at": now}, errors={}, saved=saved)


@router.post("/shopping/new", response_class=HTMLResponse)
async def shopping_submit(request: Request, db: DbSession, grant: Visits) -> Response:
    user = grant.user  # a page session's CSRF token was checked with the sign-in
    form = await request.form()
    values = {k: str(v) for k, v in form.items()}
    errors: dict[str, str] = {}
    when: datetime | None = None
    try:
        when = datetime.fromisoformat(values.get("visited_at", "")).replace(tzinfo=UTC)
    except ValueError:
        errors["visited_at"] = _("Enter the date and time of the visit.")
    if not values.get("location", "").strip():
        errors["location"] = _("Enter where the visit took place.")
    lines = recording.checklist(db)
    answers: dict[str, bool] = {}
    for line in lines:
        choice = values.get(f"line_{line.code}", "")
        if choice in ("met", "not_met"):
            answers[line.code] = choice == "met"
    if not answers:
        errors["lines"] = _("Answer at least one checklist line.")
    stage = values.get("stage") or (lines[0].stage if lines else "")
    if errors or when is None:
        return _form(request, db, user, values=values, errors=errors, status=422)
    try:
        visit_id = recording.record_visit(
            db,
            recording.VisitInput(
                when, stage, values["location"], values.get("team"), user.name, answers,
                values.get("note") or None,
            ),
        )  # fmt: skip
    except InputError as exc:
        return _form(request, db, user, values=values, errors={"lines": exc.message}, status=422)
    return RedirectResponse(f"/staff/shopping/new?saved={visit_id}", status_code=303)
