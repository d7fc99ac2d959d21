"""Lay a :class:`~cxm.reports.model.Report` out as one self-contained HTML file or a PDF.

HTML: CSS and plotly.js (from the plotly pip package) are inlined, so the file works offline
and needs no CDN. PDF: WeasyPrint renders a print version in which every chart is static SVG.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, select_autoescape

from cxm.i18n import _, language
from cxm.reports.model import Report
from cxm.reports.plotly_charts import plotly_figure
from cxm.reports.svg_charts import svg_chart

__all__ = ["render_fragment", "render_html", "render_pdf", "render_pdf_document", "report_css"]


@cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("cxm.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _css() -> str:
    return resources.files("cxm.reports").joinpath("templates", "report.css").read_text("utf-8")


@cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    # A literal "</script>" inside the library would end our script element early.
    return str(get_plotlyjs()).replace("</script", "<\\/script")


def _context(
    report: Report,
    mode: str,
    css_href: str | None,
    links: list[tuple[str, str]],
    earlier: dict[str, str] | None = None,
) -> dict[str, Any]:
    charts = [c for s in report.sections if not s.unavailable for c in s.charts]
    svgs = {c.key: svg_chart(c) for c in charts}
    charts_json = ""
    if mode == "html" and charts:
        payload = {c.key: plotly_figure(c) for c in charts}
        charts_json = json.dumps(payload, ensure_ascii=False, allow_nan=False, default=str)
        charts_json = charts_json.replace("</", "<\\/")
    return {
        "report": report,
        "mode": mode,
        "css_href": css_href,
        "links": links,
        # The command lines behind each number are for analysts: the interactive file keeps
        # them; the manager's page and PDF do not show them.
        "show_sources": mode == "html",
        "earlier": earlier,
        "body_html": "",
        "css": _css(),
        "svgs": svgs,
        "charts_json": charts_json,
        "plotly_js": _plotly_js() if charts_json else "",
        "t": {
            "contents": _("Contents"),
            "source": _("Source"),
            "decisions": _("What to do"),
            "generated": _(
                "Generated {when}", when=report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
            ),
        },
    }


def render_html(
    report: Report,
    *,
    mode: Literal["html", "pdf", "web"] = "html",
    css_href: str | None = None,
    links: list[tuple[str, str]] | None = None,
) -> str:
    """The report as one HTML document.

    ``html``: self-contained, interactive Plotly charts. ``pdf``: static SVG charts and no
    script, for WeasyPrint. ``web``: like ``pdf`` (a page that works without JavaScript
    under a strict Content-Security-Policy), its CSS linked from ``css_href``.
    """
    with language(report.lang):
        context = _context(report, mode, css_href, links or [])
        return _env().get_template("report.html").render(**context)


def render_fragment(report: Report, *, earlier: dict[str, str] | None = None) -> str:
    """The report's contents and sections (no page around them) for the staff page: static
    SVG charts, no script, no sources. ``earlier`` (``{"href", "text"}``) is offered in each
    section that has no answers yet (a wave just opened: its previous wave)."""
    with language(report.lang):
        context = _context(report, "web", None, [], earlier)
        return _env().get_template("sections.html").render(**context)


def render_pdf_document(
    *, title: str, subtitle: str, lang: str, generated: str, body_html: str
) -> bytes:
    """A PDF of an already rendered fragment (:func:`render_fragment`) with its head: the
    kept report's PDF is made without computing the report again."""
    import logging
    from types import SimpleNamespace

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    with language(lang):
        head = SimpleNamespace(title=title, subtitle=subtitle, lang=lang, sections=[], footer="")
        html = (
            _env()
            .get_template("report.html")
            .render(
                report=head,
                mode="pdf",
                css_href=None,
                links=[],
                css=_css(),
                body_html=body_html,
                svgs={},
                charts_json="",
                plotly_js="",
                show_sources=False,
                earlier=None,
                t={"contents": _("Contents"), "decisions": _("What to do"), "generated": generated},
            )
        )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def report_css() -> str:
    """The report's style sheet (served by the web app for the page version)."""
    return _css()


def render_pdf(report: Report) -> bytes:
    """The report as PDF bytes, rendered by WeasyPrint from the print version."""
    import logging

    from weasyprint import HTML

    # WeasyPrint logs every CSS property it does not know at WARNING; that is noise here.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    html = render_html(report, mode="pdf")
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
