"""Staff pages of the manager's report: the report as a page, and its files (HTML, PDF).

The page is the print version (static SVG charts, linked CSS, no script) so that it works
without JavaScript under the app's strict Content-Security-Policy; the downloadable HTML
file is the interactive, self-contained one. Every route needs a signed-in staff member.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from cxm.i18n import _
from cxm.reports import Report, build_report, render_html, render_pdf
from cxm.reports.render import report_css
from cxm.web.deps import AppStore, CurrentStaff

__all__ = ["router"]

router = APIRouter(prefix="/reports", tags=["reports"], include_in_schema=False)

WaveQuery = Annotated[str, Query(max_length=200)]


def _build(store: AppStore, request: Request, wave: str, compare: str) -> Report:
    return build_report(store, wave=wave or None, compare=compare or None, lang=request.state.lang)


def _query(request: Request, wave: str, compare: str) -> str:
    params = {"wave": wave, "compare": compare, "lang": request.state.lang}
    return urlencode({k: v for k, v in params.items() if v})


@router.get("/", response_class=HTMLResponse)
def report_page(
    request: Request,
    store: AppStore,
    _user: CurrentStaff,
    wave: WaveQuery = "",
    compare: WaveQuery = "",
) -> Response:
    """The report for ``wave`` (default: the latest) against ``compare``, as a page."""
    report = _build(store, request, wave, compare)
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
def stylesheet(_user: CurrentStaff) -> Response:
    return Response(report_css(), media_type="text/css")


@router.get("/report.html")
def download_html(
    request: Request,
    store: AppStore,
    _user: CurrentStaff,
    wave: WaveQuery = "",
    compare: WaveQuery = "",
) -> Response:
    """The self-contained interactive report as a file to save (not shown in place)."""
    body = render_html(_build(store, request, wave, compare))
    return Response(
        body,
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cxm-report.html"'},
    )


@router.get("/report.pdf")
def download_pdf(
    request: Request,
    store: AppStore,
    _user: CurrentStaff,
    wave: WaveQuery = "",
    compare: WaveQuery = "",
) -> Response:
    pdf = render_pdf(_build(store, request, wave, compare))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="cxm-report.pdf"'},
    )
