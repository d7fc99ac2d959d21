"""Export files that cannot be streamed byte by byte: XLSX (written in openpyxl's
write-only mode, row by row) and SPSS .sav with variable and value labels (pyreadstat)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from cxm.files.safe import write_xlsx
from cxm.i18n import _
from cxm.responses_io.export import ExportPlan, iter_rows
from cxm.store import Store
from cxm.surveys.labels import DONT_KNOW

__all__ = ["SAV_DONT_KNOW", "write_sav_file", "write_xlsx_file"]

#: The SPSS code of "don't know", declared user-missing so that SPSS leaves it out of means.
SAV_DONT_KNOW = -99


def write_xlsx_file(store: Store, plan: ExportPlan, path: str | Path) -> int:
    """One sheet, one row per response; formula-safe cells and headers."""
    return write_xlsx(path, plan.header, iter_rows(store, plan), sheet_title=plan.wave_name[:31])


def _numeric(value: Any) -> float | None:
    if value is None:
        return None
    if value == DONT_KNOW:
        return float(SAV_DONT_KNOW)
    return float(value)


def write_sav_file(store: Store, plan: ExportPlan, path: str | Path) -> int:
    """An SPSS file: ratings and numbers numeric (value labels on ratings; "don't know" is
    user-missing −99), single choices coded 1..k with the choice texts as value labels,
    multiple choices as one 0/1 variable per choice, free text as string variables."""
    import pyreadstat

    rows = list(iter_rows(store, plan))
    frame = pd.DataFrame(rows, columns=plan.header)
    value_labels: dict[str, dict[float, str]] = {}
    missing: dict[str, list[Any]] = {}
    for col in plan.columns:
        series = frame[col.name]
        if col.kind in ("rating", "number", "multi_item"):
            frame[col.name] = pd.to_numeric(series.map(_numeric), errors="coerce")
            if (series == DONT_KNOW).any() or col.kind == "rating":
                missing[col.name] = [float(SAV_DONT_KNOW)]
            if col.kind == "rating":
                labels = {float(k): v for k, v in col.value_labels.items()}
                labels[float(SAV_DONT_KNOW)] = _("Don't know")
                value_labels[col.name] = labels
            if col.kind == "multi_item":
                value_labels[col.name] = {0.0: _("not chosen"), 1.0: _("chosen")}
        elif col.kind == "single":
            codes = {
                **{k: float(v) for k, v in col.choice_index.items()},
                DONT_KNOW: float(SAV_DONT_KNOW),
            }
            frame[col.name] = pd.to_numeric(series.map(codes), errors="coerce")
            labels = {float(k): v for k, v in col.value_labels.items()}
            labels[float(SAV_DONT_KNOW)] = _("Don't know")
            value_labels[col.name] = labels
            missing[col.name] = [float(SAV_DONT_KNOW)]
        elif col.name == "response_id":
            frame[col.name] = pd.to_numeric(series)
        else:
            frame[col.name] = series.map(lambda v: "" if v is None else str(v)).astype(object)
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels=[c.label[:255] for c in plan.columns],
        variable_value_labels=value_labels,
        missing_ranges=missing,
    )
    return len(frame)
