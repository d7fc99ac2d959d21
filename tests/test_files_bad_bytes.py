"""Bad bytes: GBK behind a UTF-8 BOM decodes; mixed encodings and control characters are
refused naming the data row, the line and the byte; full-width formula signs are
neutralised in exports (issue 14, item 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from cxm.customers.importing import import_customers
from cxm.customers.models import Customer
from cxm.errors import InputError, ValidationFailed
from cxm.files import detect_encoding, read_table, safe_cell, write_csv, write_xlsx
from cxm.files.encoding import BOM_GB18030
from cxm.files.safe import is_formula_like
from cxm.store import Store

BOM = b"\xef\xbb\xbf"
TEXT = "客户编号,姓名,地区\nC001,张三,华东\nC002,欧阳娜娜,华北\nC003,周先生,西南\n"


def _names(store: Store) -> dict[str, str | None]:
    with store.session() as s:
        return dict(s.execute(select(Customer.external_id, Customer.name)).all())


def test_gbk_text_behind_a_utf8_bom_imports_cell_by_cell(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(BOM + TEXT.encode("gbk").replace(b"\n", b"\r\n"))
    assert detect_encoding(path) == BOM_GB18030
    assert import_customers(store, path).inserted == 3
    assert _names(store) == {"C001": "张三", "C002": "欧阳娜娜", "C003": "周先生"}
    with store.session() as s:
        regions = s.scalars(select(Customer.region).order_by(Customer.external_id)).all()
    assert regions == ["华东", "华北", "西南"]


def test_bom_gbk_reads_the_header_without_the_mark(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(BOM + "编号,名称\n1,甲\n".encode("gbk"))
    frame = read_table(path)
    assert list(frame.columns) == ["编号", "名称"]
    assert frame["名称"].tolist() == ["甲"]


def test_bom_then_utf8_and_gbk_lines_is_refused_with_row_and_byte(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "customers.csv"
    head = BOM + "客户编号,姓名\nC001,张三\n".encode()
    path.write_bytes(head + "C002,李四\n".encode("gbk"))
    bad_byte = len(head) + len("C002,")
    with pytest.raises(InputError) as info:
        import_customers(store, path)
    message = str(info.value)
    assert "line 1 is UTF-8" in message
    assert f"data row 2 (line 3, byte {bad_byte})" in message
    assert _names(store) == {}


def test_a_nul_inside_a_name_is_refused_not_cut_short(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    body = "客户编号,姓名\nC001,张三\nC002,李\x00四\n".encode()
    path.write_bytes(body)
    with pytest.raises(InputError) as info:
        import_customers(store, path)
    message = str(info.value)
    offset = body.index(b"\x00")
    assert f"data row 2 (line 3, byte {offset})" in message
    assert "U+0000 (NUL)" in message
    assert _names(store) == {}


def test_a_control_character_in_a_gbk_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    body = "编号,名称\n1,甲\n2,乙\n3,丙\x1b丁\n".encode("gbk")
    path.write_bytes(body)
    with pytest.raises(InputError, match=r"data row 3 \(line 4, byte \d+\).*U\+001B \(ESC\)"):
        read_table(path)


def test_a_quoted_line_break_counts_as_one_row(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b'id,note\n1,"two\nlines"\n2,ok\x01\n')
    with pytest.raises(InputError, match=r"data row 2 \(line 4"):
        detect_encoding(path)


def test_a_control_character_in_utf16_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("id,name\n1,A\x00B\n".encode("utf-16"))
    with pytest.raises(InputError, match=r"data row 1 \(line 2\).*U\+0000"):
        detect_encoding(path)


def test_tabs_and_line_breaks_are_not_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_bytes(b"id\tname\r\n1\tA B\r\n")
    assert detect_encoding(path) == "utf-8"
    assert read_table(path)["name"].tolist() == ["A B"]


def test_a_control_character_in_an_spss_cell_names_row_and_column(
    store: Store, tmp_path: Path
) -> None:
    import pandas as pd
    import pyreadstat

    path = tmp_path / "customers.sav"
    frame = pd.DataFrame({"customer_id": ["C1", "C2"], "name": ["Ann", "Bo\x01b"]})
    pyreadstat.write_sav(frame, str(path))
    with pytest.raises(ValidationFailed) as info:
        import_customers(store, path)
    [problem] = info.value.problems
    assert (problem.row, problem.column) == (2, "name")
    assert "U+0001" in problem.reason and "position 3" in problem.reason
    assert _names(store) == {}


@pytest.mark.parametrize(
    "text",
    [
        "＝1+1",
        "＋1",
        "－2+3",
        "＠SUM(A1)",
        "﹦1",
        "﹢1",
        "﹣1",
        "﹫x",
        "  =1+1",
        "\u3000＝HYPERLINK()",
    ],
)
def test_full_width_and_padded_formula_signs_are_neutralised(text: str) -> None:
    assert is_formula_like(text)
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["1+1", "张三", "a=b", "（备注）", " 张三", "", "－"[1:]])
def test_plain_text_is_not_escaped(text: str) -> None:
    assert safe_cell(text) == text


def test_exports_neutralise_full_width_signs_and_import_undoes_it(
    store: Store, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    rows = [["C1", '＝HYPERLINK("x")'], ["C2", "＋86 138"], ["C3", "普通"]]
    csv_path, xlsx_path = tmp_path / "c.csv", tmp_path / "c.xlsx"
    write_csv(csv_path, ["customer_id", "name"], rows)
    write_xlsx(xlsx_path, ["customer_id", "name"], rows)
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "'＝HYPERLINK" in text and "'＋86 138" in text and ",普通" in text
    ws = load_workbook(xlsx_path).active
    assert ws is not None
    cells = [(c.value, c.data_type) for c in ws["B"][1:]]
    assert cells == [('\'＝HYPERLINK("x")', "s"), ("'＋86 138", "s"), ("普通", "s")]
    # Import reads the export back without the apostrophe (and NFKC folds the sign).
    import_customers(store, csv_path)
    assert _names(store) == {"C1": '=HYPERLINK("x")', "C2": "+86 138", "C3": "普通"}
