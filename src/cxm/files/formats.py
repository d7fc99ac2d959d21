"""File kinds, header rows and cell text: what every table reader shares."""

from __future__ import annotations

import csv
import io
import math
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd

from cxm.errors import InputError
from cxm.i18n import _

__all__ = [
    "CSV_EXTENSIONS",
    "DELIMITERS",
    "SAV_EXTENSIONS",
    "XLSX_EXTENSIONS",
    "cell_text",
    "clean_header",
    "csv_header",
    "file_kind",
    "header_names",
    "line_delimiter",
    "parser_error",
    "worksheet",
]

CSV_EXTENSIONS = (".csv", ".tsv", ".txt")
XLSX_EXTENSIONS = (".xlsx", ".xlsm")
SAV_EXTENSIONS = (".sav", ".zsav")
DELIMITERS = (",", ";", "\t", "|")


def file_kind(path: str | Path) -> str:
    """``"csv"``, ``"xlsx"`` or ``"sav"`` for a readable, non-empty file; else InputError."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext in CSV_EXTENSIONS:
        kind = "csv"
    elif ext in XLSX_EXTENSIONS:
        kind = "xlsx"
    elif ext in SAV_EXTENSIONS:
        kind = "sav"
    else:
        raise InputError(
            _(
                "{file}: unsupported file type {ext!r}; use CSV (.csv, .tsv, .txt), "
                "Excel (.xlsx) or SPSS (.sav). Save an old .xls file as .xlsx first.",
                file=p.name,
                ext=ext or p.name,
            )
        )
    if not p.is_file():
        raise InputError(_("{file}: no such file.", file=str(p)))
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise InputError(
            _("{file} cannot be read: {reason}", file=str(p), reason=exc.strerror or str(exc))
        ) from None
    if size == 0 or (kind == "csv" and not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe")):
        raise InputError(_("{file} is empty.", file=p.name))
    return kind


def cell_text(value: Any) -> str:
    """One cell as text: ``""`` for empty, ``3`` for 3.0, ISO for dates and times."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if value is pd.NaT:
        return ""
    return str(value)


def csv_header(
    path: Path, encoding: str, delimiter: str | None = None, *, skip_rows: int = 0
) -> tuple[list[str], str, int]:
    """The header cells, the delimiter (given, else the most frequent of , ; tab | in the
    header) and how many lines of the file come before the header: the first line that is
    not blank after ``skip_rows`` such lines (a title above the table)."""
    first, before = "", 0
    with path.open("r", encoding=encoding, newline="") as fh:
        for line in fh:
            if line.strip():
                if skip_rows == 0:
                    first = line
                    break
                skip_rows -= 1
            before += 1
    if not first.strip():
        raise InputError(_("{file} is empty.", file=path.name))
    if delimiter is None:
        delimiter = line_delimiter(first)
    header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
    return clean_header(path, header), delimiter, before


def line_delimiter(line: str) -> str:
    """The most frequent of , ; tab | in ``line`` (a comma where none is)."""
    return max(DELIMITERS, key=lambda d: (line.count(d), d == ","))


def header_names(cells: list[Any]) -> list[str]:
    """A header row's column names: each cell's text, ``column N`` for an empty one."""
    return [cell_text(c).strip() or f"column {i + 1}" for i, c in enumerate(cells)]


def clean_header(path: Path, cells: list[Any]) -> list[str]:
    names = header_names(cells)
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if name in seen:
            raise InputError(
                _(
                    "{file}: the header names column {name!r} twice (columns {a} and {b}); "
                    "each column needs its own name.",
                    file=path.name,
                    name=name,
                    a=seen[name],
                    b=i,
                )
            )
        seen[name] = i
    return names


def parser_error(path: Path, exc: Exception) -> InputError:
    return InputError(
        _("{file} cannot be read as a table: {reason}", file=path.name, reason=str(exc).strip())
    )


def worksheet(path: Path, book: Any, sheet: str | int | None) -> Any:
    names = list(book.sheetnames)
    if sheet is None:
        return book[names[0]]
    if isinstance(sheet, int) or (isinstance(sheet, str) and sheet.isdigit()):
        index = int(sheet)
        if 0 <= index < len(names):
            return book[names[index]]
    elif sheet in names:
        return book[sheet]
    raise InputError(
        _(
            "{file} has no sheet {sheet!r}; its sheets are: {sheets}.",
            file=path.name,
            sheet=str(sheet),
            sheets=", ".join(names),
        )
    )
