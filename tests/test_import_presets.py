"""Every preset imports a file built on its real header fixture (tests/data/presets,
sources in SOURCES.md): each order preset maps the fixture's header, and rows written
under it import to the expected purchases; the response presets' fixtures are read with
the right number of header rows (issue 14, item 1)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from cxm.customers.importing import ImportOptions, import_customers, import_orders
from cxm.customers.importing.columns import ORDER_FIELDS, map_columns
from cxm.customers.models import Customer, Purchase
from cxm.files.presets import PRESETS, preset_names
from cxm.responses_io.reading import read_responses_file
from cxm.store import Store

FIXTURES = Path(__file__).parent / "data" / "presets"
FILES = {
    "uci-online-retail": "uci-online-retail.csv",
    "shopify": "shopify.csv",
    "tmall": "tmall.csv",
    "youzan": "youzan.csv",
    "olist": "olist_order_items_dataset.csv",
}


def _header(name: str) -> list[str]:
    return next(csv.reader(io.StringIO((FIXTURES / name).read_text(encoding="utf-8"))))


def test_every_preset_has_a_header_fixture_named_in_sources() -> None:
    sources = (FIXTURES / "SOURCES.md").read_text(encoding="utf-8")
    assert set(preset_names("orders")) == set(FILES)
    for name in FILES.values():
        assert f"`{name}`" in sources
    for name in ("qualtrics.csv", "qualtrics-legacy.csv", "limesurvey.csv"):
        assert f"`{name}`" in sources and (FIXTURES / name).exists()


@pytest.mark.parametrize("preset", sorted(FILES))
def test_each_order_preset_maps_its_real_header(preset: str) -> None:
    mapping = PRESETS[preset].mapping
    header = _header(FILES[preset])
    if mapping.join is not None:
        header += [c for c in mapping.join.columns if c not in header]
    explicit = {**(mapping.join.columns if mapping.join else {}), **mapping.columns}
    columns = map_columns(
        FILES[preset], header, ORDER_FIELDS, allow_attributes=False, explicit=explicit
    )
    assert {"order_id", "date"} <= set(columns.fields)
    assert {"unit_price", "amount"} & set(columns.fields)
    assert all(mapping.columns[c] == "ignore" for c in columns.ignored)


def test_youzan_rows_find_the_customer_by_phone(store: Store, tmp_path: Path) -> None:
    customers = tmp_path / "c.csv"
    customers.write_text("customer_id,phone\nY1,+86 139-0000-0001\nY2,13900000002\n")
    import_customers(store, customers)
    header = _header("youzan.csv")
    rows = [
        {"订单号": "E2024", "订单状态": "交易成功", "下单时间": "2024-03-05 10:00:00",
         "买家手机号": "13900000001", "商品名称": "咖啡豆", "商品编码": "K1", "商品单价": "￥45.00",
         "商品数量": "2", "商品实际成交金额": "80.00"},
        {"订单号": "E2024", "订单状态": "交易成功", "下单时间": "2024-03-05 10:00:00",
         "买家手机号": "13900000001", "商品名称": "滤纸", "商品编码": "K2", "商品单价": "5",
         "商品数量": "1", "商品实际成交金额": "5"},
        {"订单号": "E2025", "订单状态": "已关闭", "下单时间": "2024-03-06 10:00:00",
         "买家手机号": "13900000002", "商品名称": "咖啡豆", "商品单价": "45", "商品数量": "1",
         "商品实际成交金额": "45"},
    ]  # fmt: skip
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows({h: r.get(h, "") for h in header} for r in rows)
    path = tmp_path / "youzan.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    result = import_orders(store, path, options=ImportOptions(preset="youzan"))
    assert (result.rows, result.skipped, result.orders) == (2, 1, 1)
    with store.session() as s:
        got = s.execute(
            select(Purchase.external_id, Customer.external_id, Purchase.purchased_on,
                   Purchase.revenue).join(Customer)
        ).all()  # fmt: skip
    # The paid amount (80.00 after a discount) wins over quantity x unit price (90.00).
    assert got == [("E2024", "Y1", date(2024, 3, 5), Decimal("85.00"))]


@pytest.mark.parametrize(
    ("name", "rows", "source"),
    [("qualtrics.csv", 3, "qualtrics"), ("qualtrics-legacy.csv", 2, "qualtrics-legacy"),
     ("limesurvey.csv", 1, "limesurvey")],
)  # fmt: skip
def test_response_fixtures_are_read_with_their_header_rows(
    tmp_path: Path, name: str, rows: int, source: str
) -> None:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    width = len(next(csv.reader(io.StringIO(text))))
    path = tmp_path / name
    path.write_text(text + ",".join(["1"] * width) + "\n", encoding="utf-8")
    file = read_responses_file(path)
    assert (file.header_rows, file.source, len(file.frame)) == (rows, source, 1)
