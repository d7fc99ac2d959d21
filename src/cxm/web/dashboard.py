"""The staff home page: each segment's KPIs against target with intervals and the trend over
all waves, alerts, the top of the priority list, and detractors awaiting a call.

Everyone signed in lands here; each part shows only what the user's role and scope allow:
the KPIs to those who read reports (over their part of the company), money only with
``see_money``, cases only with ``act_on_cases`` (their visible cases), the priority list
only over the whole company (it is computed for the whole company).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from cxm.accounts.permissions import Capability
from cxm.i18n import _
from cxm.management.dashboard import (
    KPIS_SHOWN,
    Analyses,
    analyses,
    case_alerts,
    definitions,
    detractors_awaiting,
    waves_with_answers,
)
from cxm.reports.labels import kpi_label
from cxm.responses_io.rates import waves_overview
from cxm.web.deps import AppStore, DbSession
from cxm.web.frame import page
from cxm.web.permissions import Grant, Require, grant_for

__all__ = ["router"]

router = APIRouter(prefix="/staff", tags=["staff pages"], include_in_schema=False)

Own = Annotated[Grant, Require(Capability.USE_ACCOUNT, shared=True)]

_PERCENT = {"csat", "churn_rate"}
_LOWER_IS_BETTER = {"churn_rate"}


def _status_label(status: str) -> str:
    return {
        "met": _("met"),
        "within uncertainty": _("within the interval"),
        "missed": _("missed"),
        "too few answers": _("too few answers"),
        "no data": _("no data"),
        "no target": _("no target"),
    }.get(status, status)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _fmt(kpi: str, v: Any) -> str:
    f = _num(v)
    if f is None:
        return "—"
    return f"{f * 100:.1f}%" if kpi in _PERCENT else f"{f:.1f}"


def _chart(kpi: str, rows: list[dict[str, Any]], segments: list[str]) -> Markup:
    """The KPI over the waves (years for churn), one line per segment with its interval,
    the targets as reference lines; drawn by the report's SVG charts."""
    from cxm.reports.model import Chart, Series
    from cxm.reports.svg_charts import svg_chart

    series, hlines = [], []
    for seg in segments:
        mine = [r for r in rows if r["segment"] == seg]
        if not mine:
            continue
        ys = tuple(_num(r["value"]) for r in mine)
        errs = tuple(
            None
            if _num(r["ci_high"]) is None or _num(r["ci_low"]) is None
            else (float(r["ci_high"]) - float(r["ci_low"])) / 2
            for r in mine
        )
        series.append(Series(str(seg), tuple(str(r["wave"]) for r in mine), ys, errs, mode="line"))
        target = next((_num(r["target"]) for r in mine if _num(r["target"]) is not None), None)
        if target is not None:
            hlines.append((target, _("target {segment}", segment=seg)))
    chart = Chart(
        key=f"dash-{kpi}",
        title=kpi_label(kpi),
        kind="bar",
        series=tuple(series),
        source="",
        hlines=tuple(hlines),
        percent=kpi in _PERCENT,
    )
    return Markup(svg_chart(chart))  # noqa: S704 - svg_chart escapes every text it draws


def _kpi_panel(result: Analyses, wave: str | None) -> dict[str, Any]:
    """Per KPI: the chosen wave's value per segment with interval, target and status;
    the change from the wave before; a chart over all waves; and the alerts."""
    rep = result.report
    if rep.empty:
        return {"kpis": [], "alerts": [], "segments": []}
    segments = sorted({str(s) for s in rep["segment"]})
    kpis, alerts = [], []
    for kpi in KPIS_SHOWN:
        part = rep[rep["kpi"] == kpi].sort_values("wave_order")
        if part.empty:
            continue
        rows: list[dict[str, Any]] = [
            {str(k): v for k, v in r.items()} for r in part.to_dict("records")
        ]
        waves = list(dict.fromkeys(str(r["wave"]) for r in rows))
        # Churn is counted per year: the latest year stands beside any wave.
        shown_wave = wave if (kpi != "churn_rate" and wave in waves) else waves[-1]
        cells = []
        for r in rows:
            if str(r["wave"]) != shown_wave:
                continue
            change = _num(r.get("change"))
            cell = {
                "segment": r["segment"],
                "value": _fmt(kpi, r["value"]),
                "interval": "—"
                if _num(r["ci_low"]) is None
                else f"{_fmt(kpi, r['ci_low'])} – {_fmt(kpi, r['ci_high'])}",
                "target": _fmt(kpi, r["target"]),
                "status": str(r["status"]),
                "status_label": _status_label(str(r["status"])),
                "n": int(r["n"]) if _num(r["n"]) is not None else 0,
                "change": "—"
                if change is None
                else ("+" if change > 0 else "")
                + _fmt(kpi, change).replace("%", " pp" if kpi in _PERCENT else ""),
                "significant": bool(r.get("significant")),
            }
            cells.append(cell)
            if r["status"] == "missed":
                alerts.append(
                    _(
                        "{kpi} of {segment} missed its target in {wave}: {value} (interval "
                        "{interval}) against {target}.",
                        kpi=_capital(kpi_label(kpi)),
                        segment=r["segment"],
                        wave=shown_wave,
                        value=cell["value"],
                        interval=cell["interval"],
                        target=cell["target"],
                    )
                )
            if (
                kpi in _LOWER_IS_BETTER
                and change is not None
                and change > 0
                and bool(r.get("significant"))
            ):
                alerts.append(
                    _(
                        "Churn of {segment} is rising: {value} in {wave}, up {change} beyond "
                        "chance.",
                        segment=r["segment"],
                        value=cell["value"],
                        wave=shown_wave,
                        change=cell["change"],
                    )
                )
        kpis.append(
            {
                "code": kpi,
                "label": kpi_label(kpi),
                "wave": shown_wave,
                "cells": cells,
                "chart": _chart(kpi, rows, segments),
            }
        )
    return {"kpis": kpis, "alerts": alerts, "segments": segments}


def _priorities(result: Analyses, money: bool) -> list[dict[str, Any]]:
    if result.priorities is None:
        return []
    return [
        {
            "rank": int(r["rank"]),
            "segment": r["segment"],
            "label": r["label"],
            "gain": f"{float(r['gain_points']):.1f}",
            "kept": f"{float(r['customers_kept']):.0f}",
            "value": f"{float(r['net_value']):,.0f}" if money else None,
        }
        for r in result.priorities.to_dict("records")
    ]


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    grant: Own,
    db: DbSession,
    store: AppStore,
    wave: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    segments: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Everyone signs in here; each part shows what the user's role and scope allow."""
    user = grant.user
    now = datetime.now(UTC)
    reports = grant_for(db, user, Capability.VIEW_REPORTS)
    cases = grant_for(db, user, Capability.ACT_ON_CASES)
    money = grant_for(db, user, Capability.SEE_MONEY) is not None
    context: dict[str, Any] = {"user": user, "can_reports": reports is not None}
    if reports is not None:
        all_waves = waves_with_answers(db)
        answered = [w for w in all_waves if w[2] > 0]
        chosen = next((w for w in all_waves if w[0] == wave), None)
        if chosen is None and answered:
            chosen = answered[-1]
        names = definitions(db)
        overview = waves_overview(db, team_ids=reports.team_ids)
        definition = segments if segments in names else (names[0] if names else None)
        context.update(
            {
                "waves": all_waves,
                "wave": chosen,
                "definitions": names,
                "definition": definition,
                "whole_company": reports.whole_company,
                "wave_empty": chosen is not None and chosen[2] == 0,
                "recent_waves": overview[:5],
                "more_waves": len(overview) > 5,
            }
        )
        if definition is not None and answered:
            result = analyses(
                store, db, definition=definition, team_ids=reports.team_ids, wait=False
            )
            if result is None:  # being worked out beside: the page comes back by itself
                context["pending"] = True
            else:
                context.update(_kpi_panel(result, chosen[1] if chosen else None))
                context.update(
                    {
                        "computed_at": result.computed_at,
                        "fresh": result.fresh,
                        "analysis_errors": result.errors,
                        "priorities": _priorities(result, money),
                        "priorities_note": result.priorities_note,
                        "money": money,
                    }
                )
    if cases is not None:
        alerts = case_alerts(db, user_id=user.id, team_ids=cases.team_ids, now=now)
        total, detractors = detractors_awaiting(
            db, user_id=user.id, team_ids=cases.team_ids, now=now
        )
        context.update({"cases": alerts, "detractors": detractors, "detractors_total": total})
        customers = grant_for(db, user, Capability.SEE_PERSONAL_DATA)
        context["can_customers"] = customers is not None
    return page(request, "staff/dashboard.html", context)
