"""Stream a table of any size chunk by chunk: CSV (pandas, text cells), XLSX (openpyxl
read-only) and SPSS (pyreadstat), each chunk indexed by data row number; find the header
of a table that has a title above it (:func:`find_header`)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pandas as pd
from pandas.api.types import infer_dtype

from cxm.errors import InputError
from cxm.files.encoding import detect_encoding
from cxm.files.formats import (
    cell_text,
    clean_header,
    csv_header,
    file_kind,
    header_names,
    line_delimiter,
    parser_error,
    worksheet,
)
from cxm.i18n import _

__all__ = ["HeaderAt", "TableChunks", "find_header", "iter_chunks"]

#: How many of a table's first rows :func:`find_header` looks at for its header.
HEADER_SEARCH_ROWS = 10

#: Rows as :func:`find_header` reads them: the line (or sheet row) number and the cells.
_Rows = list[tuple[int, list[str]]]


def _all_text(frame: pd.DataFrame) -> bool:
    """Whether every cell is a string: a type check per cell in C, where ``fillna`` tests
    each cell for every kind of missing value (0.4 CPU-seconds per million rows)."""
    return all(
        infer_dtype(frame.iloc[:, j].to_numpy(), skipna=False) in ("string", "empty")
        for j in range(frame.shape[1])
    )


class TableChunks:
    """An open table read chunk by chunk; iterate it for DataFrames of text cells.

    ``columns`` is the header; ``bytes_read`` / ``total_bytes`` measure progress; each chunk's
    index holds data row numbers (1 = first row after the header). ``skip_rows`` rows that
    are not blank come before the header (a title; CSV and XLSX). Use as a context manager.
    """

    def __init__(
        self,
        path: str | Path,
        chunk_rows: int = 20_000,
        *,
        sheet: str | int | None = None,
        encoding: str | None = None,
        delimiter: str | None = None,
        skip_rows: int = 0,
    ):
        self.path = Path(path)
        self.skip_rows = max(0, int(skip_rows))
        self.kind = file_kind(self.path)
        self.chunk_rows = max(1, int(chunk_rows))
        self.total_bytes = self.path.stat().st_size
        self.bytes_read = 0
        self.encoding: str | None = encoding
        self.delimiter: str | None = delimiter
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
        if self.encoding is None:
            self.encoding = detect_encoding(self.path)
        self.columns, delimiter, before = csv_header(
            self.path, self.encoding, self.delimiter, skip_rows=self.skip_rows
        )
        self.delimiter = delimiter
        raw: IO[bytes] = self.path.open("rb")
        self._closers.append(raw)
        try:
            reader = pd.read_csv(
                raw,
                encoding=self.encoding,
                sep=delimiter,
                skiprows=before,
                header=0,
                names=self.columns,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=True,
                chunksize=self.chunk_rows,
            )
        except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
            raise parser_error(self.path, exc) from None
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
                raise parser_error(self.path, exc) from None
            if not _all_text(frame):  # a short row's missing cells are NaN
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
        ws = worksheet(self.path, book, sheet)
        rows = ws.iter_rows(values_only=True)
        header_at, skip = 0, self.skip_rows
        for header_at, cells in enumerate(rows, start=1):  # noqa: B007
            if any(c is not None and cell_text(c).strip() for c in cells):
                if skip:
                    skip -= 1
                    continue
                self.columns = clean_header(self.path, list(cells))
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
        # The chunks first: a reader stopped early still holds its file (openpyxl keeps the
        # workbook's file open while a sheet's rows are being read).
        close_chunks = getattr(self._chunks, "close", None)
        if close_chunks is not None:
            close_chunks()
        while self._closers:
            self._closers.pop().close()

    def __enter__(self) -> TableChunks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def iter_chunks(
    path: str | Path,
    chunk_rows: int = 20_000,
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    skip_rows: int = 0,
) -> TableChunks:
    """Stream ``path`` in chunks of ``chunk_rows`` rows of text cells (constant memory).

    Returns a :class:`TableChunks`: iterate it for DataFrames; ``.columns`` is the header.
    ``encoding`` and ``delimiter`` (CSV) override what is detected; ``skip_rows`` rows that
    are not blank come before the header.
    """
    return TableChunks(
        path, chunk_rows, sheet=sheet, encoding=encoding, delimiter=delimiter, skip_rows=skip_rows
    )


@dataclass(frozen=True)
class HeaderAt:
    """Where :func:`find_header` found the header: after ``skip_rows`` rows that are not
    blank, on ``line`` of the file (CSV) or row of the sheet (XLSX), counted from 1."""

    skip_rows: int
    line: int


def find_header(
    path: str | Path,
    fits: Callable[[list[str]], bool],
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> HeaderAt | None:
    """The first of the table's first :data:`HEADER_SEARCH_ROWS` rows that are not blank
    for which ``fits(cells)`` holds, below the first row (reports and ERP exports put a
    title, a date or a company name above the table); None when none does, or for an SPSS
    file (its variable names are its header)."""
    p = Path(path)
    kind = file_kind(p)
    if kind == "csv":
        rows = _first_csv_rows(p, encoding or detect_encoding(p), delimiter)
    elif kind == "xlsx":
        rows = _first_sheet_rows(p, sheet)
    else:
        return None
    for skip, (line, cells) in enumerate(rows):
        names = header_names(cells)
        if skip and len(set(names)) == len(names) and fits(names):  # clean_header's names
            return HeaderAt(skip, line)
    return None


def _first_csv_rows(path: Path, encoding: str, delimiter: str | None) -> _Rows:
    """The first rows that are not blank, each with its line number and cells (its own
    delimiter where none is given: a title line has none)."""
    out: _Rows = []
    try:
        with path.open("r", encoding=encoding, newline="") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                sep = delimiter or line_delimiter(line)
                out.append((number, next(csv.reader([line], delimiter=sep))))
                if len(out) >= HEADER_SEARCH_ROWS:
                    break
    except (UnicodeDecodeError, csv.Error):
        pass  # what was read is all there is to look at; the reader says what is wrong
    return out


def _first_sheet_rows(path: Path, sheet: str | int | None) -> _Rows:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = worksheet(path, book, sheet).iter_rows(values_only=True)
        out: _Rows = []
        for number, cells in enumerate(rows, start=1):
            texts = [cell_text(c) for c in cells]
            if any(t.strip() for t in texts):
                out.append((number, texts))
                if len(out) >= HEADER_SEARCH_ROWS:
                    break
        return out
    finally:
        book.close()
