"""Staff pages of the manager's report: the report as a page, and its files (HTML, PDF).

The page is the print version (static SVG charts, linked CSS, no script) so that it works
without JavaScript under the app's strict Content-Security-Policy; the downloadable HTML
file is the interactive, self-contained one. Every route needs the view_reports capability
over the whole company.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from cxm.accounts.permissions import Capability
from cxm.config import Settings
from cxm.i18n import _
from cxm.reports import Report, build_report, render_html, render_pdf
from cxm.reports.builder import STORE_SECTIONS
from cxm.reports.render import report_css
from cxm.web.deps import AppStore
from cxm.web.permissions import Grant, Require, grant_for

__all__ = ["router"]

router = APIRouter(prefix="/reports", tags=["reports"], include_in_schema=False)

WaveQuery = Annotated[str, Query(max_length=200)]
#: The report shows the whole company; its money and comment sections need more.
Reports = Annotated[Grant, Require(Capability.VIEW_REPORTS)]
Own = Annotated[Grant, Require(Capability.USE_ACCOUNT, shared=True)]


#: Sections that show money (CLV, margins) or respondents' own words.
_MONEY_SECTIONS = frozenset({"segments", "retention"})
_VERBATIM_SECTIONS = frozenset({"comments"})


def _build(store: AppStore, request: Request, wave: str, compare: str, grant: Grant) -> Report:
    """The report with only the sections the user may see (no money without see_money, no
    comments without see_verbatim, each over the whole company)."""
    user = grant.user
    with store.session() as s:
        money = grant_for(s, user, Capability.SEE_MONEY)
        verbatim = grant_for(s, user, Capability.SEE_VERBATIM)
    hidden: set[str] = set()
    if money is None or not money.whole_company:
        hidden |= _MONEY_SECTIONS
    if verbatim is None or not verbatim.whole_company:
        hidden |= _VERBATIM_SECTIONS
    settings: Settings = request.app.state.settings
    return build_report(
        store,
        wave=wave or None,
        compare=compare or None,
        lang=request.state.lang,
        sections=[k for k in STORE_SECTIONS if k not in hidden],
        min_n=settings.min_n,
    )


def _query(request: Request, wave: str, compare: str) -> str:
    params = {"wave": wave, "compare": compare, "lang": request.state.lang}
    return urlencode({k: v for k, v in params.items() if v})


@router.get("/", response_class=HTMLResponse)
def report_page(
    request: Request,
    store: AppStore,
    grant: Reports,
    wave: WaveQuery = "",
    compare: WaveQuery = "",
) -> Response:
    """The report for ``wave`` (default: the latest) against ``compare``, as a page."""
    report = _build(store, request, wave, compare, grant)
    q = _query(request, wave, compare)
    other = "en" if request.state.lang != "en" else "zh-CN"
    params = urlencode({k: v for k, v in {"wave": wave, "compare": compare}.items() if v})
    links = [
        (f"/reports/report.html?{q}", _("Download the interactive HTML file")),
        (f"/reports/report.pdf?{q}", _("Download PDF")),
        (f"/reports/?{params}&lang={other}", "English" if other == "en" else "中文"),
        ("/staff/", _("Back to the dashboard")),
    ]
    body = render_html(report, mode="web", css_href="/reports/report.css", links=links)
    return HTMLResponse(body)


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
def download_pdf(
    request: Request,
    store: AppStore,
    grant: Reports,
    wave: WaveQuery = "",
    compare: WaveQuery = "",
) -> Response:
    pdf = render_pdf(_build(store, request, wave, compare, grant))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="cxm-report.pdf"'},
    )
