"""The report's first address, ``/reports/``: the page and its PDF moved to the staff
workspace (``/staff/reports``, :mod:`cxm.web.report_pages`), where they are kept and served
fast; these addresses redirect there. The interactive, self-contained HTML file (Plotly)
is still made here on request. Every route needs view_reports over the whole company.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxm.accounts.permissions import Capability
from cxm.config import Settings
from cxm.reports import Report, build_report, render_html
from cxm.reports.builder import STORE_SECTIONS
from cxm.reports.render import report_css
from cxm.web.deps import AppStore
from cxm.web.permissions import Grant, Require

__all__ = ["router"]

router = APIRouter(prefix="/reports", tags=["reports"], include_in_schema=False)

WaveQuery = Annotated[str, Query(max_length=200)]
#: The report shows the whole company; its money and comment sections need more.
Reports = Annotated[Grant, Require(Capability.VIEW_REPORTS)]
Own = Annotated[Grant, Require(Capability.USE_ACCOUNT, shared=True)]


def _build(store: AppStore, request: Request, wave: str, compare: str, grant: Grant) -> Report:
    """The report with only the sections the user may see (no money without see_money, no
    comments without see_verbatim, each over the whole company)."""
    from cxm.report_cache.snapshots import hidden_sections
    from cxm.web.report_pages import visibility_for

    with store.session() as s:
        hidden = hidden_sections(visibility_for(s, grant.user))
    settings: Settings = request.app.state.settings
    return build_report(
        store,
        wave=wave or None,
        compare=compare or None,
        lang=request.state.lang,
        sections=[k for k in STORE_SECTIONS if k not in hidden],
        min_n=settings.min_n,
    )


def _staff_query(request: Request, wave: str) -> str:
    q = urlencode(
        {k: v for k, v in {"wave": wave, "lang": request.query_params.get("lang", "")}.items() if v}
    )
    return f"?{q}" if q else ""


@router.get("/", response_class=HTMLResponse)
def report_page(request: Request, _grant: Reports, wave: WaveQuery = "") -> Response:
    """The report moved into the staff workspace: ``/staff/reports`` (kept, fast)."""
    return RedirectResponse("/staff/reports" + _staff_query(request, wave), status_code=307)


@router.get("/report.css")
def stylesheet(_grant: Own) -> Response:
    return Response(report_css(), media_type="text/css")


@router.get("/report.html")
def download_html(
    request: Request,
    store: AppStore,
    grant: Reports,
    wave: WaveQuery = "",
    compare: WaveQuery = "",
) -> Response:
    """The self-contained interactive report as a file to save (not shown in place)."""
    body = render_html(_build(store, request, wave, compare, grant))
    return Response(
        body,
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cxm-report.html"'},
    )


@router.get("/report.pdf")
def download_pdf(request: Request, _grant: Reports, wave: WaveQuery = "") -> Response:
    """The kept report's PDF lives at ``/staff/reports/report.pdf``."""
    return RedirectResponse("/staff/reports/report.pdf" + _staff_query(request, wave), 307)
