"""Order lines from real exports: quantity × unit price, grouped by invoice into purchases,
returns as negative lines, cancellations linked to their order, D/M/Y, M/D/Y, Chinese
dates, Excel serials, currency signs, decimal comma, presets and mapping files
(issue 14, item 1). Every file is built here; values are checked cell by cell and the
purchases against a direct computation with pandas."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from cxm.customers.importing import ImportOptions, import_customers, import_orders
from cxm.customers.importing.models import OrderLine
from cxm.customers.models import Customer, Purchase
from cxm.errors import InputError, ValidationFailed
from cxm.files.mapping import load_mapping
from cxm.store import Store

PRESETS = Path(__file__).parent / "data" / "presets"


def _customers(store: Store, tmp_path: Path, rows: list[tuple[str, str, str]]) -> None:
    path = tmp_path / "customers.csv"
    lines = ["customer_id,email,phone"] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_customers(store, path)


def _write(
    path: Path, header: list[str], rows: list[dict[str, str]], encoding: str = "utf-8"
) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({h: row.get(h, "") for h in header})
    path.write_bytes(buf.getvalue().encode(encoding))


def _header(name: str) -> list[str]:
    return next(csv.reader(io.StringIO((PRESETS / name).read_text(encoding="utf-8"))))


def _lines(store: Store) -> dict[str, tuple[object, ...]]:
    with store.session() as s:
        rows = s.execute(
            select(
                OrderLine.external_id,
                Customer.external_id,
                OrderLine.ordered_on,
                OrderLine.product,
                OrderLine.product_code,
                OrderLine.quantity,
                OrderLine.unit_price,
                OrderLine.amount,
                OrderLine.cancels,
            ).join(Customer, Customer.id == OrderLine.customer_id)
        ).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def _purchases(store: Store) -> dict[str, tuple[object, ...]]:
    with store.session() as s:
        rows = s.execute(
            select(
                Purchase.external_id,
                Customer.external_id,
                Purchase.purchased_on,
                Purchase.quantity,
                Purchase.revenue,
            ).join(Customer, Customer.id == Purchase.customer_id)
        ).all()
    return {r[0]: tuple(r[1:]) for r in rows}


UCI_ROWS = [
    # invoice 536365: two lines; 536366: one line; C536379: cancels one line of 536365;
    # a guest line (no CustomerID) is skipped, as the preset says.
    {"InvoiceNo": "536365", "StockCode": "85123A", "Description": "WHITE HANGING HEART",
     "Quantity": "6", "InvoiceDate": "12/1/2010 8:26", "UnitPrice": "2.55",
     "CustomerID": "17850", "Country": "United Kingdom"},
    {"InvoiceNo": "536365", "StockCode": "71053", "Description": "WHITE METAL LANTERN",
     "Quantity": "6", "InvoiceDate": "12/1/2010 8:26", "UnitPrice": "3.39",
     "CustomerID": "17850", "Country": "United Kingdom"},
    {"InvoiceNo": "536366", "StockCode": "22633", "Description": "HAND WARMER UNION JACK",
     "Quantity": "6", "InvoiceDate": "12/1/2010 8:28", "UnitPrice": "1.85",
     "CustomerID": "13047", "Country": "United Kingdom"},
    {"InvoiceNo": "536367", "StockCode": "84879", "Description": "ASSORTED BIRD ORNAMENT",
     "Quantity": "32", "InvoiceDate": "12/1/2010 8:34", "UnitPrice": "1.69",
     "CustomerID": "", "Country": "United Kingdom"},
    {"InvoiceNo": "C536379", "StockCode": "71053", "Description": "WHITE METAL LANTERN",
     "Quantity": "-2", "InvoiceDate": "12/13/2010 9:41", "UnitPrice": "3.39",
     "CustomerID": "17850", "Country": "United Kingdom"},
]  # fmt: skip


def _uci(store: Store, tmp_path: Path) -> Path:
    _customers(store, tmp_path, [("17850", "", ""), ("13047", "", "")])
    path = tmp_path / "Online Retail.csv"
    _write(path, _header("uci-online-retail.csv"), UCI_ROWS)
    return path


def test_uci_layout_imports_lines_orders_returns_and_cancellations(
    store: Store, tmp_path: Path
) -> None:
    path = _uci(store, tmp_path)
    result = import_orders(store, path, options=ImportOptions(preset="uci-online-retail"))
    assert (result.rows, result.inserted, result.skipped, result.orders) == (4, 4, 1, 3)
    d1, d13 = date(2010, 12, 1), date(2010, 12, 13)
    assert _lines(store) == {
        "536365#1": ("17850", d1, "WHITE HANGING HEART", "85123A", Decimal("6.000"),
                     Decimal("2.5500"), Decimal("15.30"), None),
        "536365#2": ("17850", d1, "WHITE METAL LANTERN", "71053", Decimal("6.000"),
                     Decimal("3.3900"), Decimal("20.34"), None),
        "536366#1": ("13047", d1, "HAND WARMER UNION JACK", "22633", Decimal("6.000"),
                     Decimal("1.8500"), Decimal("11.10"), None),
        "C536379#1": ("17850", d13, "WHITE METAL LANTERN", "71053", Decimal("-2.000"),
                      Decimal("3.3900"), Decimal("-6.78"), "536365"),
    }  # fmt: skip
    # The purchases are the invoices, summed directly from the file with pandas.
    frame = pd.DataFrame(UCI_ROWS)
    frame = frame[frame["CustomerID"] != ""]
    frame["amount"] = frame["Quantity"].astype(int) * frame["UnitPrice"].map(Decimal)
    expected = frame.groupby("InvoiceNo")["amount"].sum().map(lambda v: v.quantize(Decimal("0.01")))
    purchases = _purchases(store)
    assert {k: v[3] for k, v in purchases.items()} == expected.to_dict()
    assert purchases["536365"] == ("17850", d1, Decimal("12.000"), Decimal("35.64"))
    assert "Country" in result.mapping.get("ignored", [])
    assert any("no value in CustomerID" in w for w in result.warnings)


def test_reimporting_the_same_order_file_changes_nothing(store: Store, tmp_path: Path) -> None:
    path = _uci(store, tmp_path)
    options = ImportOptions(preset="uci-online-retail")
    import_orders(store, path, options=options)
    before = (_lines(store), _purchases(store))
    again = import_orders(store, path, options=options)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert (_lines(store), _purchases(store)) == before


def test_a_mapping_file_with_decimal_comma_dmy_and_semicolons(store: Store, tmp_path: Path) -> None:
    _customers(store, tmp_path, [("K-1", "", ""), ("K-2", "", "")])
    path = tmp_path / "erp.csv"
    path.write_text(
        "Beleg;Kunde;Datum;Artikel;Menge;Einzelpreis;Land\n"
        "R1;K-1;05.03.2024;Kaffee;2;1.234,50;DE\n"
        "R1;K-1;05.03.2024;Tee;3;0,99;DE\n"
        "R2;K-2;45356;Kakao;1;12,5;AT\n",  # an Excel serial day number: 2024-03-05
        encoding="utf-8",
    )
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns:\n  Beleg: order_id\n  Kunde: customer_id\n  Datum: date\n"
        "  Artikel: product\n  Menge: quantity\n  Einzelpreis: unit_price\n"
        "decimal_comma: true\ndate_format: DMY\ndelimiter: ';'\n",
        encoding="utf-8",
    )
    result = import_orders(store, path, options=ImportOptions(mapping=load_mapping(mapping)))
    assert result.orders == 2
    assert any("'Land'" in w for w in result.warnings)  # unknown column: warned, not refused
    lines = _lines(store)
    assert lines["R1#1"][1:] == (date(2024, 3, 5), "Kaffee", None, Decimal("2.000"),
                                 Decimal("1234.5000"), Decimal("2469.00"), None)  # fmt: skip
    assert lines["R1#2"][6] == Decimal("2.97")
    assert lines["R2#1"][1] == date(2024, 3, 5)
    assert _purchases(store)["R1"][3] == Decimal("2471.97")


def test_tmall_gbk_export_with_yuan_signs_and_chinese_dates(store: Store, tmp_path: Path) -> None:
    _customers(store, tmp_path, [("tb_张三", "", ""), ("tb_李四", "", "")])
    path = tmp_path / "ExportOrderList.csv"
    header = _header("tmall.csv")
    rows = [
        {"订单编号": "1001", "买家会员名": "tb_张三", "买家实际支付金额": "￥1,234.50",
         "订单状态": "交易成功", "订单创建时间": "2024年3月5日 10:15", "宝贝标题": "保温杯",
         "宝贝总数量": "2"},
        {"订单编号": "1002", "买家会员名": "tb_李四", "买家实际支付金额": "88.00",
         "订单状态": "交易关闭", "订单创建时间": "2024年3月6日", "宝贝标题": "茶叶",
         "宝贝总数量": "1"},
        {"订单编号": "1003", "买家会员名": "tb_李四", "买家实际支付金额": "59.9元",
         "订单状态": "交易成功", "订单创建时间": "2024-03-07 08:00:00", "宝贝标题": "茶杯",
         "宝贝总数量": "1"},
    ]  # fmt: skip
    _write(path, header, rows, encoding="gbk")
    result = import_orders(store, path, options=ImportOptions(preset="taobao"))
    assert (result.rows, result.skipped, result.orders) == (2, 1, 2)
    assert _purchases(store) == {
        "1001": ("tb_张三", date(2024, 3, 5), Decimal("2.000"), Decimal("1234.50")),
        "1003": ("tb_李四", date(2024, 3, 7), Decimal("1.000"), Decimal("59.90")),
    }
    assert any("交易关闭" in w for w in result.warnings)


def test_shopify_lines_fill_down_and_find_the_customer_by_email(
    store: Store, tmp_path: Path
) -> None:
    _customers(store, tmp_path, [("S1", "Ann@Example.com", ""), ("S2", "bo@example.com", "")])
    path = tmp_path / "orders_export.csv"
    rows = [
        {"Name": "#1001", "Email": "ann@example.com", "Financial Status": "paid",
         "Created at": "2024-03-05 10:15:00 +0800", "Lineitem quantity": "2",
         "Lineitem name": "Mug", "Lineitem price": "12.50", "Lineitem sku": "MUG-1",
         "Total": "40.00"},
        {"Name": "#1001", "Lineitem quantity": "1", "Lineitem name": "Tea",
         "Lineitem price": "15.00", "Lineitem sku": "TEA-1"},
        {"Name": "#1002", "Email": "bo@example.com", "Financial Status": "voided",
         "Created at": "2024-03-06 09:00:00 +0800", "Lineitem quantity": "1",
         "Lineitem name": "Mug", "Lineitem price": "12.50"},
    ]  # fmt: skip
    _write(path, _header("shopify.csv"), rows)
    result = import_orders(store, path, options=ImportOptions(preset="shopify"))
    assert (result.rows, result.skipped, result.orders) == (2, 1, 1)
    lines = _lines(store)
    assert set(lines) == {"#1001#1", "#1001#2"}
    assert lines["#1001#2"][:2] == ("S1", date(2024, 3, 5))  # filled down from line 1
    assert _purchases(store)["#1001"] == (
        "S1",
        date(2024, 3, 5),
        Decimal("3.000"),
        Decimal("40.00"),
    )


def test_olist_items_join_their_orders_file(store: Store, tmp_path: Path) -> None:
    _customers(store, tmp_path, [("c1", "", ""), ("c2", "", "")])
    items = tmp_path / "olist_order_items_dataset.csv"
    orders = tmp_path / "olist_orders_dataset.csv"
    _write(items, _header("olist_order_items_dataset.csv"), [
        {"order_id": "o1", "order_item_id": "1", "product_id": "p1", "price": "58.90",
         "freight_value": "13.29", "seller_id": "s", "shipping_limit_date": "2017-09-19 09:45:35"},
        {"order_id": "o1", "order_item_id": "2", "product_id": "p2", "price": "10.00"},
        {"order_id": "o2", "order_item_id": "1", "product_id": "p1", "price": "58.90"},
    ])  # fmt: skip
    _write(orders, _header("olist_orders_dataset.csv"), [
        {"order_id": "o1", "customer_id": "c1", "order_status": "delivered",
         "order_purchase_timestamp": "2017-09-13 08:59:02"},
        {"order_id": "o2", "customer_id": "c2", "order_status": "canceled",
         "order_purchase_timestamp": "2017-09-14 08:59:02"},
    ])  # fmt: skip
    result = import_orders(store, items, options=ImportOptions(preset="olist"))
    assert (result.rows, result.skipped, result.orders) == (2, 1, 1)
    assert _purchases(store) == {
        "o1": ("c1", date(2017, 9, 13), Decimal("2.000"), Decimal("68.90"))
    }


def test_a_mapping_file_wins_over_the_preset_and_says_so(store: Store, tmp_path: Path) -> None:
    path = _uci(store, tmp_path)
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns:\n  Country: ignore\ndate_format: '%m/%d/%Y %H:%M'\n")
    result = import_orders(
        store,
        path,
        options=ImportOptions(preset="uci-online-retail", mapping=load_mapping(mapping)),
    )
    assert any("overrides the preset for: date_format" in w for w in result.warnings)
    assert result.mapping["source"] == "preset uci-online-retail + m.yaml"


def test_a_dry_run_shows_the_mapping_and_first_rows_and_stores_nothing(
    store: Store, tmp_path: Path
) -> None:
    path = _uci(store, tmp_path)
    result = import_orders(
        store, path, dry_run=True, options=ImportOptions(preset="uci-online-retail", preview=2)
    )
    assert result.mapping["columns"]["order_id"] == "InvoiceNo"
    assert result.mapping["date_format"] == "MDY"
    assert [r["external_id"] for r in result.preview] == ["536365#1", "536365#2"]
    assert result.preview[1]["amount"] == "20.34"
    assert _lines(store) == {} and _purchases(store) == {}


def test_an_ambiguous_date_column_is_refused_until_the_order_is_given(
    store: Store, tmp_path: Path
) -> None:
    _customers(store, tmp_path, [("A", "", "")])
    path = tmp_path / "o.csv"
    path.write_text(
        "order_id,customer_id,date,product,quantity,unit_price\nX,A,05/03/2024,Cup,1,2\n"
    )
    with pytest.raises(ValidationFailed) as info:
        import_orders(store, path)
    [problem] = info.value.problems
    assert (problem.row, problem.column, problem.value) == (1, "date", "05/03/2024")
    assert "--date-format" in problem.reason
    import_orders(store, path, options=ImportOptions(date_format="MDY"))
    assert _lines(store)["X#1"][1] == date(2024, 5, 3)


def test_a_column_that_writes_both_orders_is_refused(store: Store, tmp_path: Path) -> None:
    _customers(store, tmp_path, [("A", "", "")])
    path = tmp_path / "o.csv"
    path.write_text(
        "order_id,customer_id,date,product,unit_price\nX,A,13/03/2024,Cup,2\nY,A,03/14/2024,Cup,2\n"
    )
    with pytest.raises(ValidationFailed) as info:
        import_orders(store, path)
    assert any("day first (13/03/2024) and month first (03/14/2024)" in p.reason
               for p in info.value.problems)  # fmt: skip
    assert _lines(store) == {}


def test_bad_lines_are_refused_with_row_column_value_and_nothing_is_written(
    store: Store, tmp_path: Path
) -> None:
    _customers(store, tmp_path, [("A", "", "")])
    path = tmp_path / "o.csv"
    path.write_text(
        "order_id,customer_id,date,product,quantity,unit_price\n"
        "X,A,2024-01-02,Cup,1,2\nX,Z,2024-01-02,Cup,1,2\nY,A,2024-01-02,Cup,two,2\n"
    )
    with pytest.raises(ValidationFailed) as info:
        import_orders(store, path)
    got = {(p.row, p.column, p.value) for p in info.value.problems}
    assert got == {(2, "customer_id", "Z"), (3, "quantity", "two")}
    assert _lines(store) == {} and _purchases(store) == {}


def test_an_unknown_preset_lists_the_known_ones(store: Store, tmp_path: Path) -> None:
    path = _uci(store, tmp_path)
    with pytest.raises(InputError, match="shopify"):
        import_orders(store, path, options=ImportOptions(preset="amazon"))


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("columns: [a, b]\n", "'columns'"),
        ("date_format: DD-MM\n", "'date_format'"),
        ("decimal_comma: maybe\n", "'decimal_comma'"),
        ("customer_key: fax\n", "'customer_key'"),
        ("join: {file: ../secret.csv, on: id, columns: {a: b}}\n", "'join.file'"),
        ("colums: {}\n", "'colums'"),
    ],
)
def test_a_bad_mapping_file_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=key):
        load_mapping(path)


def test_a_join_in_a_mapping_file_reads_the_on_key(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("join:\n  file: orders.csv\n  on: order_id\n  columns: {cust: customer_id}\n")
    join = load_mapping(path).join
    assert join is not None and (join.file, join.on) == ("orders.csv", "order_id")


def test_lines_read_one_per_chunk_are_stored_as_in_one_chunk(store: Store, tmp_path: Path) -> None:
    """Line numbers, fill-down, customers and dates are carried across chunks."""
    path = _uci(store, tmp_path)
    options = ImportOptions(preset="uci-online-retail")
    result = import_orders(store, path, options=options, chunk_rows=1)
    assert (result.rows, result.inserted, result.orders) == (4, 4, 3)
    lines, purchases = _lines(store), _purchases(store)
    assert lines["C536379#1"][-1] == "536365"
    assert purchases["536365"] == ("17850", date(2010, 12, 1), Decimal("12.000"), Decimal("35.64"))
    again = import_orders(store, path, options=options)  # one chunk
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert (_lines(store), _purchases(store)) == (lines, purchases)


def test_an_import_leaves_the_connections_checking_foreign_keys(
    store: Store, tmp_path: Path
) -> None:
    """SQLite: the import checks its customers itself and turns the per-row check back on."""
    path = _uci(store, tmp_path)
    import_orders(store, path, options=ImportOptions(preset="uci-online-retail"))
    if store.engine.dialect.name != "sqlite":
        return
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_customers_gone_before_the_commit_refuse_the_import(store: Store) -> None:
    from cxm.customers.importing.run import _customers_exist

    with (
        store.engine.connect() as conn,
        pytest.raises(InputError, match="deleted while the file was being imported"),
    ):
        _customers_exist(conn, {987_654_321})
