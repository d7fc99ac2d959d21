"""The report of ``cxm analyze FILE --model M --report out.html``: the model diagram, paths,
measurement quality, the importance–performance map and item scores, from a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from cxm.i18n import _, current_language, language
from cxm.reports.builder import FILE_SECTIONS, build_report
from cxm.reports.model import Report

__all__ = ["build_file_report", "write_file_report"]


def build_file_report(
    fit: Any,
    document: dict[str, Any],
    *,
    data: pd.DataFrame,
    file_name: str,
    model: str,
    source: str,
    lang: str | None = None,
) -> Report:
    """``document`` is what ``cxm analyze --json`` prints for ``fit`` (the same dict)."""
    use = lang or current_language()
    with language(use):
        title = _("PLS path model report")
        subtitle = _(
            "{file}, model {model}, {n} respondents",
            file=file_name,
            model=model,
            n=document.get("n"),
        )
    extra = {
        "fit": fit,
        "document": document,
        "data": data,
        "items": list(fit.spec_.indicators),
        "model_text": fit.spec_.source if isinstance(fit.spec_.source, str) else "",
        "source": source,
        "subtitle": subtitle,
    }
    return build_report(None, lang=use, sections=FILE_SECTIONS, title=title, extra=extra)


def write_file_report(out: Path, report: Report, *, pdf: bool = False) -> list[Path]:
    from cxm.reports import write_files

    return write_files(report, out, pdf=pdf)
