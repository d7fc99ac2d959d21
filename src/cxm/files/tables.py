"""Read tabular files (CSV in any common Chinese encoding, XLSX, SPSS .sav) whole or in
constant-memory chunks.

:func:`read_table` loads a whole file with inferred types, for analysis. :func:`iter_chunks`
streams a file of any size as DataFrames of text cells (``""`` for an empty cell) whose index
is the data row number (1 = first row after the header), so that a validator can name rows.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

import pandas as pd

from cxm.errors import InputError
from cxm.files.encoding import detect_encoding
from cxm.i18n import _

__all__ = [
    "CSV_EXTENSIONS",
    "SAV_EXTENSIONS",
    "XLSX_EXTENSIONS",
    "TableChunks",
    "cell_text",
    "file_kind",
    "iter_chunks",
    "read_table",
]

CSV_EXTENSIONS = (".csv", ".tsv", ".txt")
XLSX_EXTENSIONS = (".xlsx", ".xlsm")
SAV_EXTENSIONS = (".sav", ".zsav")
_DELIMITERS = (",", ";", "\t")


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


def _csv_header(path: Path, encoding: str) -> tuple[list[str], str]:
    """The header cells and the delimiter (the most frequent of , ; tab in the header)."""
    with path.open("r", encoding=encoding, newline="") as fh:
        first = ""
        for line in fh:
            if line.strip():
                first = line
                break
    if not first.strip():
        raise InputError(_("{file} is empty.", file=path.name))
    delimiter = max(_DELIMITERS, key=lambda d: (first.count(d), d == ","))
    header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
    return _clean_header(path, header), delimiter


def _clean_header(path: Path, cells: list[Any]) -> list[str]:
    names = [cell_text(c).strip() or f"column {i + 1}" for i, c in enumerate(cells)]
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


def _parser_error(path: Path, exc: Exception) -> InputError:
    return InputError(
        _("{file} cannot be read as a table: {reason}", file=path.name, reason=str(exc).strip())
    )


class TableChunks:
    """An open table read chunk by chunk; iterate it for DataFrames of text cells.

    ``columns`` is the header; ``bytes_read`` / ``total_bytes`` measure progress; each chunk's
    index holds data row numbers (1 = first row after the header). Use as a context manager.
    """

    def __init__(
        self, path: str | Path, chunk_rows: int = 20_000, *, sheet: str | int | None = None
    ):
        self.path = Path(path)
        self.kind = file_kind(self.path)
        self.chunk_rows = max(1, int(chunk_rows))
        self.total_bytes = self.path.stat().st_size
        self.bytes_read = 0
        self.encoding: str | None = None
        self._closers: list[Any] = []
        self.columns: list[str]
        if self.kind == "csv":
            self._chunks = self._open_csv()
        elif self.kind == "xlsx":
            self._chunks = self._open_xlsx(sheet)
        else:
            self._chunks = self._open_sav()

    # -- CSV -----------------------------------------------------------------------------
    def _open_csv(self) -> Iterator[pd.DataFrame]:
        self.encoding = detect_encoding(self.path)
        self.columns, delimiter = _csv_header(self.path, self.encoding)
        raw: IO[bytes] = self.path.open("rb")
        self._closers.append(raw)
        try:
            reader = pd.read_csv(
                raw,
                encoding=self.encoding,
                sep=delimiter,
                header=0,
                names=self.columns,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=True,
                chunksize=self.chunk_rows,
            )
        except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
            raise _parser_error(self.path, exc) from None
        self._closers.append(reader)
        return self._csv_chunks(reader, raw)

    def _csv_chunks(self, reader: Any, raw: IO[bytes]) -> Iterator[pd.DataFrame]:
        start = 1
        while True:
            try:
                frame = next(reader)
            except StopIteration:
                break
            except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
                raise _parser_error(self.path, exc) from None
            frame = frame.fillna("")
            frame.index = pd.RangeIndex(start, start + len(frame))
            start += len(frame)
            self.bytes_read = min(raw.tell(), self.total_bytes)
            yield frame
        self.bytes_read = self.total_bytes

    # -- XLSX ----------------------------------------------------------------------------
    def _open_xlsx(self, sheet: str | int | None) -> Iterator[pd.DataFrame]:
        from openpyxl import load_workbook

        try:
            book = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException…
            raise InputError(
                _(
                    "{file} cannot be read as an Excel workbook: {reason}",
                    file=self.path.name,
                    reason=str(exc) or type(exc).__name__,
                )
            ) from None
        self._closers.append(book)
        ws = _worksheet(self.path, book, sheet)
        rows = ws.iter_rows(values_only=True)
        header_at = 0
        for header_at, cells in enumerate(rows, start=1):  # noqa: B007
            if any(c is not None and cell_text(c).strip() for c in cells):
                self.columns = _clean_header(self.path, list(cells))
                break
        else:
            raise InputError(_("{file} is empty.", file=self.path.name))
        max_row = ws.max_row if isinstance(ws.max_row, int) and ws.max_row > 0 else None
        return self._xlsx_chunks(rows, header_at, max_row)

    def _xlsx_chunks(
        self, rows: Iterator[tuple[Any, ...]], header_at: int, max_row: int | None
    ) -> Iterator[pd.DataFrame]:
        width = len(self.columns)
        buffer: list[list[str]] = []
        numbers: list[int] = []
        for offset, cells in enumerate(rows, start=1):
            texts = [cell_text(c) for c in cells[:width]]
            if not any(t.strip() for t in texts):
                continue
            texts.extend([""] * (width - len(texts)))
            buffer.append(texts)
            numbers.append(offset)
            if len(buffer) >= self.chunk_rows:
                yield self._xlsx_frame(buffer, numbers, header_at, max_row)
                buffer, numbers = [], []
        if buffer:
            yield self._xlsx_frame(buffer, numbers, header_at, max_row)
        self.bytes_read = self.total_bytes

    def _xlsx_frame(
        self, rows: list[list[str]], numbers: list[int], header_at: int, max_row: int | None
    ) -> pd.DataFrame:
        if max_row:
            done = (numbers[-1] + header_at) / max_row
            self.bytes_read = min(self.total_bytes, int(self.total_bytes * done))
        return pd.DataFrame(rows, columns=self.columns, index=pd.Index(numbers), dtype=object)

    # -- SPSS ----------------------------------------------------------------------------
    def _open_sav(self) -> Iterator[pd.DataFrame]:
        import pyreadstat

        try:
            _empty, meta = pyreadstat.read_sav(str(self.path), metadataonly=True)
        except Exception as exc:  # pyreadstat.ReadstatError and friends
            raise InputError(
                _(
                    "{file} cannot be read as an SPSS file: {reason}",
                    file=self.path.name,
                    reason=str(exc),
                )
            ) from None
        self.columns = list(meta.column_names)
        total = int(meta.number_rows or 0)
        return self._sav_chunks(total)

    def _sav_chunks(self, total: int) -> Iterator[pd.DataFrame]:
        import pyreadstat

        start = 1
        for frame, _meta in pyreadstat.read_file_in_chunks(
            pyreadstat.read_sav, str(self.path), chunksize=self.chunk_rows
        ):
            out = frame.map(cell_text).astype(object)
            out.index = pd.RangeIndex(start, start + len(out))
            start += len(out)
            if total:
                self.bytes_read = min(self.total_bytes, int(self.total_bytes * (start - 1) / total))
            yield out
        self.bytes_read = self.total_bytes

    # -- protocol ------------------------------------------------------------------------
    def __iter__(self) -> Iterator[pd.DataFrame]:
        return self

    def __next__(self) -> pd.DataFrame:
        return next(self._chunks)

    def close(self) -> None:
        while self._closers:
            self._closers.pop().close()

    def __enter__(self) -> TableChunks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _worksheet(path: Path, book: Any, sheet: str | int | None) -> Any:
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


def iter_chunks(
    path: str | Path, chunk_rows: int = 20_000, *, sheet: str | int | None = None
) -> TableChunks:
    """Stream ``path`` in chunks of ``chunk_rows`` rows of text cells (constant memory).

    Returns a :class:`TableChunks`: iterate it for DataFrames; ``.columns`` is the header.
    """
    return TableChunks(path, chunk_rows, sheet=sheet)


def read_table(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Load a whole CSV, XLSX or SPSS file into a DataFrame with inferred column types.

    SPSS value labels and variable labels stay available in ``df.attrs["value_labels"]``
    (column → {code: label}) and ``df.attrs["column_labels"]`` (column → label).

    Raises
    ------
    InputError
        Unknown extension, missing, unreadable or empty file, or a file that is not a table.
    """
    p = Path(path)
    kind = file_kind(p)
    if kind == "csv":
        encoding = detect_encoding(p)
        header, delimiter = _csv_header(p, encoding)
        try:
            return pd.read_csv(
                p,
                encoding=encoding,
                sep=delimiter,
                header=0,
                names=header,
                skip_blank_lines=True,
            )
        except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
            raise _parser_error(p, exc) from None
    if kind == "xlsx":
        return _read_xlsx(p, sheet)
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(p))
    except Exception as exc:
        raise InputError(
            _("{file} cannot be read as an SPSS file: {reason}", file=p.name, reason=str(exc))
        ) from None
    frame.attrs["value_labels"] = dict(meta.variable_value_labels)
    frame.attrs["column_labels"] = dict(zip(meta.column_names, meta.column_labels, strict=False))
    return frame


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
        ws = _worksheet(path, book, sheet)
        rows = [r for r in ws.iter_rows(values_only=True) if any(c is not None for c in r)]
    finally:
        book.close()
    if not rows:
        raise InputError(_("{file} is empty.", file=path.name))
    header = _clean_header(path, list(rows[0]))
    width = len(header)
    data = [list(r[:width]) + [None] * (width - len(r)) for r in rows[1:]]
    return pd.DataFrame(data, columns=header, dtype=object).infer_objects()
