"""Read tabular files (CSV in any common Chinese encoding, XLSX, SPSS .sav) whole or in
constant-memory chunks.

:func:`read_table` loads a whole file with inferred types, for analysis. :func:`iter_chunks`
streams a file of any size as DataFrames of text cells (``""`` for an empty cell) whose index
is the data row number (1 = first row after the header), so that a validator can name rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxm.errors import InputError
from cxm.files.chunks import TableChunks, iter_chunks
from cxm.files.encoding import detect_encoding
from cxm.files.formats import (
    cell_text,
    clean_header,
    csv_header,
    file_kind,
    parser_error,
    worksheet,
)
from cxm.i18n import _

__all__ = [
    "LabelledTable",
    "TableChunks",
    "cell_text",
    "file_kind",
    "iter_chunks",
    "read_labelled_table",
    "read_table",
    "refuse_missing_codes",
    "with_labels",
    "without_missing",
]


@dataclass(frozen=True)
class LabelledTable:
    """:func:`read_labelled_table`: the ``frame`` and, from an SPSS file, its
    ``value_labels`` (column → {code: label}) and ``column_labels`` (column → label, None
    where the file has none); empty for CSV and XLSX."""

    frame: pd.DataFrame
    value_labels: Mapping[str, Mapping[Any, str]] = field(default_factory=dict)
    column_labels: Mapping[str, str | None] = field(default_factory=dict)


def read_labelled_table(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    missing_codes: Sequence[float] = (),
) -> LabelledTable:
    """:func:`read_table` with the SPSS value and variable labels kept beside the frame."""
    frame, value_labels, column_labels = _read(Path(path), sheet)
    return LabelledTable(without_missing(frame, missing_codes), value_labels, column_labels)


def read_table(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    missing_codes: Sequence[float] = (),
) -> pd.DataFrame:
    """Load a whole CSV, XLSX or SPSS file into a DataFrame with inferred column types.

    SPSS value labels and variable labels: :func:`read_labelled_table`.

    Answers that are no answer become missing (NaN), the same for every command that
    reads a file: values the .sav declares user-missing; ``missing_codes`` (``--missing
    -99``) in numeric columns; and "don't know" written as text (``dk`` — as CXM's own
    exports write it — "don't know", 不知道, 不清楚) in a column whose other values are
    numbers, which then becomes numeric.

    Raises
    ------
    InputError
        Unknown extension, missing, unreadable or empty file, or a file that is not a table.
    """
    return without_missing(_read(Path(path), sheet)[0], missing_codes)


#: "Don't know" as people write it in a numeric column (compared case-folded).
DONT_KNOW_TEXT = frozenset(
    {"dk", "don't know", "dont know", "don\u2019t know", "不知道", "不清楚", "说不清"}
)


def without_missing(frame: pd.DataFrame, missing_codes: Sequence[float] = ()) -> pd.DataFrame:
    """``frame`` with "don't know" text and ``missing_codes`` as NaN (see :func:`read_table`)."""
    codes = [float(c) for c in missing_codes]
    out = frame
    for column in frame.columns:
        series = frame[column]
        if series.dtype == object:
            text = series.map(lambda v: v.strip().casefold() if isinstance(v, str) else v)
            dk = text.isin(DONT_KNOW_TEXT)
            if dk.any():
                rest = pd.to_numeric(series.where(~dk), errors="coerce")
                if rest.notna().sum() == series.where(~dk).notna().sum():
                    out = out if out is not frame else frame.copy()
                    out[column] = rest
                    series = rest
        if codes and pd.api.types.is_numeric_dtype(series):
            hit = series.isin(codes)
            if hit.any():
                out = out if out is not frame else frame.copy()
                out[column] = series.where(~hit)
    return out


#: Codes survey tools use for "no answer" (SPSS conventions and their cousins).
SUSPECT_CODES = frozenset(
    {-999.0, -99.0, -98.0, -97.0, -9.0, -8.0, 97.0, 98.0, 99.0, 999.0, 9999.0}
)


def refuse_missing_codes(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    """Refuse a column that holds a typical missing code (−99, 99, 999 …) far outside its
    other answers: read as an answer, it would silently distort a model (a path of 0.436
    became −0.052 on one file). The message names row, column and value and the fix.

    A value is suspect when it is such a code and lies below 0 while the other answers
    are not negative, or above twice the largest other answer."""
    for column in columns:
        if column not in frame.columns or not pd.api.types.is_numeric_dtype(frame[column]):
            continue
        values = frame[column]
        suspect = values.isin(SUSPECT_CODES)
        if not suspect.any():
            continue
        others = values[~suspect].dropna()
        if others.empty:
            continue
        low, high = float(others.min()), float(others.max())
        far = suspect & (((values < 0) & (low >= 0)) | (values > 2 * max(high, 1.0)))
        if far.any():
            at = int(np.flatnonzero(far.to_numpy())[0])
            value = values.iloc[at]
            shown = int(value) if float(value).is_integer() else value
            raise InputError(
                _(
                    "Row {row}, column {column}: {value} is far outside the other answers "
                    "({low:g} to {high:g}) and looks like a missing-value code; pass "
                    "--missing-code {value} (or fix the file).",
                    row=at + 1,
                    column=column,
                    value=shown,
                    low=low,
                    high=high,
                )
            )


def with_labels(
    frame: pd.DataFrame, columns: Sequence[str], labels: Mapping[str, Mapping[Any, str]]
) -> pd.DataFrame:
    """``frame`` with the SPSS value ``labels`` of ``columns`` (column → {code: label}, from
    :func:`read_labelled_table`) in place of their codes (for grouping: a report says
    "Shop", not 2); codes without a label stay as they are."""
    wanted = [c for c in columns if c in labels and c in frame.columns]
    if not wanted:
        return frame
    out = frame.copy()
    for column in wanted:
        table = labels[column]
        out[column] = frame[column].map(lambda v, t=table: t.get(v, v))
    return out


def _read(
    p: Path, sheet: str | int | None
) -> tuple[pd.DataFrame, dict[str, dict[Any, str]], dict[str, str | None]]:
    """The file's frame, and its SPSS value labels and column labels (empty otherwise)."""
    kind = file_kind(p)
    if kind == "csv":
        encoding = detect_encoding(p)
        header, delimiter, _before = csv_header(p, encoding)
        try:
            frame = pd.read_csv(
                p,
                encoding=encoding,
                sep=delimiter,
                header=0,
                names=header,
                skip_blank_lines=True,
            )
            return frame, {}, {}
        except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
            raise parser_error(p, exc) from None
    if kind == "xlsx":
        return _read_xlsx(p, sheet), {}, {}
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(p))
    except Exception as exc:
        raise InputError(
            _("{file} cannot be read as an SPSS file: {reason}", file=p.name, reason=str(exc))
        ) from None
    column_labels = dict(zip(meta.column_names, meta.column_labels, strict=False))
    return frame, dict(meta.variable_value_labels), column_labels


def _read_xlsx(path: Path, sheet: str | int | None) -> pd.DataFrame:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException…
        raise InputError(
            _(
                "{file} cannot be read as an Excel workbook: {reason}",
                file=path.name,
                reason=str(exc) or type(exc).__name__,
            )
        ) from None
    try:
        ws = worksheet(path, book, sheet)
        rows = [r for r in ws.iter_rows(values_only=True) if any(c is not None for c in r)]
    finally:
        book.close()
    if not rows:
        raise InputError(_("{file} is empty.", file=path.name))
    header = clean_header(path, list(rows[0]))
    width = len(header)
    data = [list(r[:width]) + [None] * (width - len(r)) for r in rows[1:]]
    return pd.DataFrame(data, columns=header, dtype=object).infer_objects()
