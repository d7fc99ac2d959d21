"""``cxm export customers``: Excel-friendly CSV and XLSX, formula-safe, round-trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from cxm.customers.exporting import export_customers
from cxm.customers.importing import import_customers
from cxm.customers.models import Customer
from cxm.files import read_table
from cxm.store import Store

SOURCE = (
    "客户编号,姓名,手机,地区,获客日期,流失日期,流失原因,属性:爱好\n"
    "C001,张三,+86 138 0000 0001,华东,2023-01-05,,,钓鱼\n"
    'C002,"=HYPERLINK(""http://evil"",""x"")",,华北,2023-02-01,2024-03-01,员工冷漠,\n'
    "C003,@SUM(A1),,-西南,,,,\n"
)


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    path = tmp_path / "in.csv"
    path.write_text(SOURCE, encoding="utf-8")
    import_customers(store, path)
    return store


def test_csv_has_a_bom_and_escapes_formulas(loaded: Store, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    assert export_customers(loaded, out) == 3
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    frame = read_table(out).set_index("customer_id")
    assert frame.loc["C002", "name"] == '\'=HYPERLINK("http://evil","x")'
    assert frame.loc["C003", "name"] == "'@SUM(A1)"
    assert frame.loc["C003", "region"] == "'-西南"
    assert frame.loc["C001", "phone"] == "'+86 138 0000 0001"
    assert frame.loc["C002", "churn_reason"] == "staff_indifference"
    assert frame.loc["C001", "attr:爱好"] == "钓鱼"


def test_xlsx_cells_are_text_not_formulas(loaded: Store, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "out.xlsx"
    export_customers(loaded, out, file_format="xlsx")
    ws = load_workbook(out).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=False))
    header = [c.value for c in rows[0]]
    assert header[:3] == ["customer_id", "name", "phone"]
    names = {r[0].value: r[1] for r in rows[1:]}
    assert names["C002"].data_type == "s"
    assert str(names["C002"].value).startswith("'=")


def test_an_exported_file_imports_back_unchanged(loaded: Store, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    plain = tmp_path / "plain.csv"
    plain.write_text("客户编号,姓名,属性:爱好\nC010,周八,读书\n", encoding="utf-8")
    import_customers(loaded, plain)
    export_customers(loaded, out)
    with loaded.session() as s:
        before = {c.external_id: c.updated_at for c in s.scalars(select(Customer))}
    result = import_customers(loaded, out)
    # the apostrophe that made "=…" safe is taken off again on import
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, 4)
    with loaded.session() as s:
        after = {c.external_id: c.updated_at for c in s.scalars(select(Customer))}
    assert after == before


def test_the_cli_exports_csv_and_xlsx(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "in.csv"
    src.write_text(SOURCE, encoding="utf-8")
    assert cxm("import", "customers", str(src)).exit_code == 0
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"out.{fmt}"
        r = cxm("export", "customers", "--format", fmt, "--out", str(out), "--json")
        assert r.exit_code == 0, r.stderr
        assert json.loads(r.stdout) == {"file": str(out), "customers": 3}
        assert len(read_table(out)) == 3
    bad = cxm("export", "customers", "--format", "pdf")
    assert bad.exit_code == 1
    assert "use csv or xlsx" in bad.stderr
