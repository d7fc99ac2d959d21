"""The manager's report: from analytics results to a page a person reads.

``build_report`` collects the sections (each from the same function the CLI prints with
``--json``); ``render_html`` lays them out as one self-contained HTML file (Plotly inlined,
works offline, prints well); ``render_pdf`` renders a print version through WeasyPrint.
"""

from __future__ import annotations

from pathlib import Path

from cxm.reports.builder import FILE_SECTIONS, STORE_SECTIONS, build_report, report_data
from cxm.reports.model import Chart, Decision, Figure, Report, Section, Series, Table
from cxm.reports.render import render_html, render_pdf
from cxm.store import Store

__all__ = [
    "FILE_SECTIONS",
    "STORE_SECTIONS",
    "Chart",
    "Decision",
    "Figure",
    "Report",
    "Section",
    "Series",
    "Table",
    "build_report",
    "render_html",
    "render_pdf",
    "report_data",
    "write_files",
    "write_report",
]


def write_files(report: Report, out: Path, *, pdf: bool = False) -> list[Path]:
    """Write ``report`` as HTML to ``out`` (and as PDF beside it); return the paths."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(report), encoding="utf-8")
    written = [out]
    if pdf:
        pdf_path = out.with_suffix(".pdf")
        pdf_path.write_bytes(render_pdf(report))
        written.append(pdf_path)
    return written


def write_report(
    store: Store,
    out: Path,
    *,
    wave: str | None = None,
    compare: str | None = None,
    lang: str = "en",
    pdf: bool = False,
) -> list[Path]:
    """Build the store report and write it (the CLI and the demo both call this)."""
    report = build_report(store, wave=wave, compare=compare, lang=lang)
    return write_files(report, out, pdf=pdf)
