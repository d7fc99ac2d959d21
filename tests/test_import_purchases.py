"""Importing purchases: amounts as people write them, order ids or content keys, checks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cxm.customers.importing import import_customers, import_purchases
from cxm.customers.models import Purchase
from cxm.errors import InputError, ValidationFailed
from cxm.store import Store


@pytest.fixture
def customers(store: Store, tmp_path: Path) -> Store:
    path = tmp_path / "customers.csv"
    path.write_text("客户编号,姓名\nC001,张三\nC002,李四\n", encoding="utf-8")
    import_customers(store, path)
    return store


def _purchases(store: Store) -> list[Purchase]:
    with store.session() as s:
        return list(s.scalars(select(Purchase).order_by(Purchase.id)))


def test_it_reads_amounts_with_separators_and_currency(customers: Store, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "订单编号,客户编号,购买日期,产品,数量,金额,成本\n"
        'O1,C001,2024/3/1,茶叶,2,"¥1,234.50",800\n'
        'O2,C002,2024年3月2日,茶具,1,"1,000",￥６００\n',
        encoding="utf-8",
    )
    assert import_purchases(customers, path).inserted == 2
    first, second = _purchases(customers)
    assert (first.external_id, first.purchased_on, first.product) == (
        "O1",
        date(2024, 3, 1),
        "茶叶",
    )
    assert (first.quantity, first.revenue, first.cost) == (2, Decimal("1234.50"), 800)
    assert (second.revenue, second.cost) == (1000, 600)


def test_without_order_ids_re_import_is_still_idempotent(customers: Store, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    rows = "C001,2024-03-01,茶叶,1,100\n"
    path.write_text(f"customer_id,date,product,quantity,revenue\n{rows}{rows}", encoding="utf-8")
    first = import_purchases(customers, path)
    assert first.inserted == 2  # two identical rows are two purchases
    again = import_purchases(customers, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    path.write_text(
        f"customer_id,date,product,quantity,revenue\n{rows}{rows}{rows}", encoding="utf-8"
    )
    assert import_purchases(customers, path).inserted == 1  # only the new third one


def test_a_changed_order_is_updated_by_its_order_id(customers: Store, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "order_id,customer_id,date,product,revenue\nO1,C001,2024-03-01,茶,10\n", "utf-8"
    )
    import_purchases(customers, path)
    path.write_text(
        "order_id,customer_id,date,product,revenue\nO1,C001,2024-03-01,茶,12\n", "utf-8"
    )
    result = import_purchases(customers, path)
    assert (result.updated, result.inserted) == (1, 0)
    assert _purchases(customers)[0].revenue == 12


def test_bad_purchase_rows_are_all_reported(customers: Store, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "order_id,customer_id,date,product,quantity,revenue\n"
        "O1,C001,2024-03-01,茶,-1,10\n"
        "O2,C999,2024-03-01,茶,1,10\n"
        "O3,C001,2099-01-01,茶,1,10\n"
        'O4,C001,2024-03-01,茶,1,"1 234,50"\n'
        "O1,C002,2024-03-01,茶,1,10\n"
        "O6,C001,2024-03-01,,1,10\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as info:
        import_purchases(customers, path)
    got = [(p.row, p.column) for p in info.value.problems]
    assert got == [
        (1, "quantity"),
        (2, "customer_id"),
        (3, "date"),
        (4, "revenue"),
        (5, "order_id"),
        (6, "product"),
    ]
    reasons = [p.reason for p in info.value.problems]
    assert reasons[0] == "must not be negative"
    assert "import the customers first" in reasons[1]
    assert reasons[4] == "duplicate id: row 1 has the same id"
    with customers.session() as s:
        assert s.scalar(select(func.count()).select_from(Purchase)) == 0


def test_purchases_need_a_revenue_column(customers: Store, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("customer_id,date,product\nC001,2024-03-01,茶\n", encoding="utf-8")
    with pytest.raises(InputError, match="revenue"):
        import_purchases(customers, path)


def test_content_keys_ignore_how_the_same_values_are_written(
    customers: Store, tmp_path: Path
) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "customer_id,date,product,quantity,revenue\nC001,2024-03-01,茶,2,100\n", "utf-8"
    )
    import_purchases(customers, path)
    path.write_text(
        "客户编号,购买日期,产品,数量,金额\nＣ００１,2024/3/1,茶,2.00,¥100.00\n", encoding="utf-8"
    )
    again = import_purchases(customers, path)
    assert (again.inserted, again.unchanged) == (0, 1)
