"""Tabular files in and out: encoding detection, CSV/XLSX/SPSS reading (whole or streamed),
parsing of typed values (ids, amounts, dates) and spreadsheet-safe writing."""

from __future__ import annotations

from cxm.files.encoding import detect_encoding
from cxm.files.parsing import (
    id_key,
    is_valid_email,
    normalise_id,
    normalise_text,
    parse_amount,
    parse_date,
    parse_datetime,
)
from cxm.files.safe import safe_cell, write_csv, write_xlsx
from cxm.files.tables import TableChunks, cell_text, file_kind, iter_chunks, read_table

__all__ = [
    "TableChunks",
    "cell_text",
    "detect_encoding",
    "file_kind",
    "id_key",
    "is_valid_email",
    "iter_chunks",
    "normalise_id",
    "normalise_text",
    "parse_amount",
    "parse_date",
    "parse_datetime",
    "read_table",
    "safe_cell",
    "write_csv",
    "write_xlsx",
]
