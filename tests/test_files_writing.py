"""Writing tables a spreadsheet can open safely: no formula injection, Chinese intact."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from cxm.files import safe_cell, write_csv, write_xlsx

DANGEROUS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_a_spreadsheet_would_run_gets_an_apostrophe(text: str) -> None:
    assert safe_cell(text) == "'" + text


def test_harmless_values_pass_unchanged() -> None:
    assert safe_cell("张三") == "张三"
    assert safe_cell(-5) == -5
    assert safe_cell(None) is None


def test_csv_is_utf8_with_bom_and_escapes_header_and_cells(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    n = write_csv(
        path, ["name", "=HEADER()"], [["张三", "=1+1"], [Decimal("-1.5"), date(2024, 1, 5)]]
    )
    assert n == 2
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines() == ["name,'=HEADER()", "张三,'=1+1", "-1.5,2024-01-05"]


def test_xlsx_stores_dangerous_text_as_text_never_as_a_formula(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "out.xlsx"
    write_xlsx(path, ["name", "@header"], [[text, 3] for text in DANGEROUS])
    ws = load_workbook(path).active
    assert ws is not None
    cells = list(ws.iter_rows(values_only=False))
    assert cells[0][1].value == "'@header"
    for row, text in zip(cells[1:], DANGEROUS, strict=True):
        assert row[0].data_type == "s"
        # XML stores a carriage return as a line feed
        assert row[0].value == ("'" + text).replace("\r", "\n")
        assert row[1].value == 3
