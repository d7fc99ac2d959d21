"""Write tables that are safe to open in a spreadsheet (no formula injection), streamed.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
run as a formula by Excel, LibreOffice and WPS ("CSV injection", OWASP). So is the
full-width or small form of those signs (``＝ ＋ － ＠ ﹦ ﹢ ﹣ ﹫``, which a Chinese input
method types and WPS and Excel's CJK locales turn into ``=``), and a sign behind leading
spaces (LibreOffice trims them). Such text gets a leading apostrophe, which spreadsheets
read as "this is text". Headers are escaped too.
Numbers, dates and booleans are written as themselves (a negative number is not a formula).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

__all__ = [
    "FORMULA_TRIGGERS",
    "is_formula_like",
    "safe_cell",
    "unescape",
    "write_csv",
    "write_xlsx",
]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Signs that NFKC folds to a trigger: full-width and small forms.
_WIDE_SIGNS = "\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b"
_SIGNS = frozenset("=+-@" + _WIDE_SIGNS)
_SPACES = " \u3000\u00a0"


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could run ``text`` as a formula (see the module notes)."""
    if text.startswith(FORMULA_TRIGGERS):
        return True
    if not text or (text[0] not in _WIDE_SIGNS and text[0] not in _SPACES):
        return False
    return text.lstrip(_SPACES)[:1] in _SIGNS


def safe_cell(value: Any) -> Any:
    """``value`` made safe for a spreadsheet: text a spreadsheet would run as a formula
    gets a leading apostrophe; ``None`` stays ``None``; other values are unchanged."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def unescape(text: str) -> str:
    """Undo :func:`safe_cell`: drop the apostrophe an export put before formula-like text."""
    if text[:1] == "'" and is_formula_like(text[1:]):
        return text[1:]
    return text


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
