"""``cxm import orders`` through the real command line: presets, --date-format, and a dry
run that prints the mapping and the first rows as they would be stored."""

from __future__ import annotations

import json
from pathlib import Path

UCI = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
    "536365,85123A,WHITE HANGING HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom\n"
    "536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom\n"
    "C536379,71053,WHITE METAL LANTERN,-2,12/13/2010 9:41,3.39,17850,United Kingdom\n"
)


def _setup(cxm, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    customers = tmp_path / "c.csv"
    customers.write_text("customer_id\n17850\n", encoding="utf-8")
    assert cxm("import", "customers", str(customers)).exit_code == 0
    path = tmp_path / "retail.csv"
    path.write_text(UCI, encoding="utf-8")
    return path


def test_a_dry_run_prints_the_mapping_and_the_first_rows(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _setup(cxm, tmp_path)
    r = cxm("import", "orders", str(path), "--preset", "uci-online-retail", "--dry-run")
    assert r.exit_code == 0, r.stderr
    assert "InvoiceNo" in r.stdout and "order_id" in r.stdout
    assert "536365#2" in r.stdout and "20.34" in r.stdout
    assert "C536379#1" in r.stdout and "-6.78" in r.stdout
    data = json.loads(
        cxm("import", "orders", str(path), "--preset", "uci-online-retail", "--json").stdout
    )
    assert (data["inserted"], data["orders"], data["dry_run"]) == (3, 2, False)


def test_date_format_on_the_command_line(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _setup(cxm, tmp_path)
    r = cxm(
        "import", "orders", str(path), "--preset", "uci-online-retail",
        "--date-format", "dmy", "--json",
    )  # fmt: skip
    assert r.exit_code == 1  # 12/13/2010 is no day/month date
    problems = json.loads(r.stdout)["details"]
    assert {(p["row"], p["column"], p["value"]) for p in problems} == {
        (3, "InvoiceDate", "12/13/2010 9:41")
    }


def test_a_bad_date_format_is_one_clear_line(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _setup(cxm, tmp_path)
    r = cxm("import", "orders", str(path), "--date-format", "dd/mm")
    assert r.exit_code != 0
    assert "--date-format 'dd/mm'" in r.stderr and "Traceback" not in r.stderr
