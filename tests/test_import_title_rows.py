"""Reports and ERP exports put a title above the table (the company, "客户名单（2024年12月）",
the export date) and a totals row under it (合计). The import finds the header below the
title and says so, skips the totals row and says so, and counts row numbers from the header
— also where a problem's wording reads the file again (issue 14, real files)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from cxm.customers.importing import import_customers, import_orders
from cxm.customers.importing.models import OrderLine
from cxm.customers.models import Customer
from cxm.errors import InputError, ValidationFailed
from cxm.files.chunks import HEADER_SEARCH_ROWS
from cxm.store import Store


def _ids(store: Store) -> list[str]:
    with store.session() as s:
        return sorted(s.scalars(select(Customer.external_id)))


def test_an_xlsx_report_with_a_merged_title_and_a_totals_row(store: Store, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["某某贸易有限公司 客户名单（2024年12月导出）"])
    sheet.merge_cells("A1:D1")
    sheet.append([])
    sheet.append(["客户编号", "姓名", "地区", "注册日期"])
    sheet.append(["C1", "张三", "华东", "2024-01-02"])
    sheet.append(["C2", "李四", "华北", None])
    sheet.append([])
    sheet.append(["合计：", 2, None, None])
    path = tmp_path / "客户名单.xlsx"
    book.save(path)
    result = import_customers(store, path)
    assert (result.inserted, result.skipped) == (2, 1)
    assert _ids(store) == ["C1", "C2"]
    assert any("header is on row 3" in w and "1 row above it" in w for w in result.warnings)
    assert any("a totals row (合计：)" in w for w in result.warnings)


def test_a_gbk_csv_with_title_lines_counts_rows_from_the_header(
    store: Store, tmp_path: Path
) -> None:
    """A title line without a delimiter and an export-date line padded with commas (as
    Excel saves a merged title); the duplicate id is found in a later chunk, so its
    wording reads the file again, as the import read it."""
    path = tmp_path / "客户.csv"
    path.write_bytes(
        (
            "华东大区客户档案\n"
            "导出日期：2024-12-01,,\n"
            "客户编号,姓名,地区\n"
            "C1,张三,华东\n"
            "C2,李四,华北\n"
            "C3,王五,华南\n"
            "c1,赵六,华东\n"
        ).encode("gbk")
    )
    with pytest.raises(ValidationFailed) as failed:
        import_customers(store, path, chunk_rows=2)
    (problem,) = failed.value.problems
    assert problem.row == 4 and problem.column == "客户编号"
    assert "row 1 has 'C1'" in problem.reason
    assert _ids(store) == []
    path.write_bytes(path.read_bytes().replace(b"c1,", b"C4,"))
    result = import_customers(store, path, chunk_rows=2)
    assert result.inserted == 4
    assert any("header is on row 3" in w and "2 rows above it" in w for w in result.warnings)


def test_order_lines_under_a_title(store: Store, tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("customer_id\nA\n", encoding="utf-8")
    import_customers(store, tmp_path / "c.csv")
    path = tmp_path / "orders.csv"
    path.write_text(
        "订单明细报表,,,,,\n"
        "order_id,customer_id,date,product,quantity,unit_price\n"
        "X,A,2024-01-02,Cup,1,2\n"
        "Total,,,,1,2\n",
        encoding="utf-8",
    )
    result = import_orders(store, path)
    assert (result.inserted, result.orders) == (1, 1)
    with store.session() as s:
        assert s.scalars(select(OrderLine.order_id)).all() == ["X"]


def test_a_file_with_no_header_among_its_first_rows_is_still_refused(
    store: Store, tmp_path: Path
) -> None:
    """The header is looked for only near the top; further down, the first row's error
    stands (it names what is missing and what was found)."""
    path = tmp_path / "c.csv"
    title = "".join(f"说明 {i}\n" for i in range(HEADER_SEARCH_ROWS))
    path.write_text(title + "客户编号,姓名\nC1,张三\n", encoding="utf-8")
    with pytest.raises(InputError, match="lacks required columns: customer_id / 客户编号"):
        import_customers(store, path)
    assert _ids(store) == []


def test_notes_under_the_table_are_skipped_and_ids_with_a_colon_are_not(
    store: Store, tmp_path: Path
) -> None:
    """A note is a row with only its first cell written, starting with a known label and a
    colon (备注：, 制表人：, Source:); an id that merely has a colon is a customer."""
    path = tmp_path / "c.csv"
    path.write_text(
        "客户编号,姓名,地区\n"
        "C1,张三,华东\n"
        "VIP:7,,\n"
        "C2,李四,华北\n"
        "合　计,2,\n"
        "备注：VIP 客户另见附表,,\n"
        "制表人： 王五,,\n"
        "Source: CRM export 2024-12-01,,\n",
        encoding="utf-8",
    )
    result = import_customers(store, path)
    assert _ids(store) == ["C1", "C2", "VIP:7"]
    assert result.skipped == 4
    assert any("3 rows were skipped: a note under the table" in w for w in result.warnings)
    assert any("a totals row (合　计)" in w for w in result.warnings)
