"""``cxm report``: the manager's report from the store, as one HTML file (and a PDF)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxm.i18n import _

__all__ = ["register"]


def report(
    wave: Annotated[str, typer.Option("--wave", help="Wave name or id (default: latest).")] = "",
    compare: Annotated[
        str, typer.Option("--compare", help="Wave to compare with (default: the one before).")
    ] = "",
    lang: Annotated[str, typer.Option("--lang", help="Report language: zh-CN or en.")] = "",
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path("report.html"),
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write a PDF beside the HTML.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print each section's data as JSON; write no file.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Analyse as of this date (YYYY-MM-DD; default: the last date in the data).",
        ),
    ] = None,
) -> None:
    """Write the manager's report: scores, segments against targets, drivers, churn…"""
    from cxm.cli.context import open_store, settings
    from cxm.cli.output import err_console, print_json
    from cxm.i18n import current_language, normalise_language
    from cxm.reports import build_report, report_data, write_files

    use = normalise_language(lang) if lang else current_language()
    with open_store() as store:
        if as_of is not None:  # refuse a bad date before building anything
            from cxm.management.frames import analysis_date

            with store.session() as s:
                analysis_date(s, as_of)
        built = build_report(
            store,
            wave=wave or None,
            compare=compare or None,
            lang=use,
            min_n=settings().min_n,
            as_of=as_of,
        )
    if as_json:
        print_json(report_data(built))
        return
    written = write_files(built, out, pdf=pdf)
    for path in written:
        err_console.print(_("Report written: {path}", path=str(path)), markup=False)
        typer.echo(str(path.resolve()))


def register(app: typer.Typer) -> None:
    app.command("report", help=_("Write the manager's report (HTML, optionally PDF)."))(report)
