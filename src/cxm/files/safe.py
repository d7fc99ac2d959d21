"""Write tables that are safe to open in a spreadsheet (no formula injection), streamed.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
run as a formula by Excel, LibreOffice and WPS ("CSV injection", OWASP). Such text gets a
leading apostrophe, which spreadsheets read as "this is text". Headers are escaped too.
Numbers, dates and booleans are written as themselves (a negative number is not a formula).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

__all__ = ["FORMULA_TRIGGERS", "safe_cell", "write_csv", "write_xlsx"]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` made safe for a spreadsheet: text starting with a formula trigger gets a
    leading apostrophe; ``None`` stays ``None``; other values are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float):
        return str(value)
    return str(safe_cell(str(value)))


def write_csv(
    path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = True
) -> int:
    """Write ``rows`` under ``header`` to ``path`` as CSV, one row at a time; returns the
    number of data rows. UTF-8 with a BOM by default, so that Excel shows Chinese text."""
    n = 0
    with Path(path).open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([_csv_text(h) for h in header])
        for row in rows:
            writer.writerow([_csv_text(v) for v in row])
            n += 1
    return n


def write_xlsx(
    path: str | Path,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet_title: str = "Sheet1",
) -> int:
    """Write ``rows`` under ``header`` to an XLSX workbook in write-only (streaming) mode;
    returns the number of data rows. Text cells are always stored as text, never formulas."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    ws = book.create_sheet(title=sheet_title[:31])

    def cells(values: Sequence[Any]) -> list[Any]:
        out = []
        for value in values:
            if isinstance(value, Decimal):
                value = float(value)
            cell = WriteOnlyCell(ws, value=safe_cell(value))
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would store "=…" as a formula otherwise
            out.append(cell)
        return out

    ws.append(cells([str(h) for h in header]))
    n = 0
    for row in rows:
        ws.append(cells(row))
        n += 1
    book.save(str(path))
    return n
