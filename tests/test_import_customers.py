"""Importing customers: headers in English or Chinese, attributes, upsert, idempotence."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from cxm.customers.codes import ChurnReason, CustomerStatus
from cxm.customers.importing import import_customers
from cxm.customers.models import Customer
from cxm.store import Store

CHINESE = (
    "客户编号,姓名,手机,邮箱,地区,渠道,获客日期,状态,流失日期,流失原因,流失说明,属性:爱好\n"
    "C001,张三,138 0000 0001,zhang@example.cn,华东,门店,2023/1/5,,,,,钓鱼\n"
    "C002,李四,,li@example.cn,华北,电商,2023年2月1日,已流失,2024-03-01,员工冷漠,店员态度差,\n"
    "C003,王五,+86 21 5555 1234,,华南,推荐,45000,,2024-05-01,won_by_competitor,,登山\n"
)


def _customers(store: Store) -> dict[str, Customer]:
    with store.session() as s:
        return {c.external_id: c for c in s.scalars(select(Customer))}


def test_it_imports_a_file_with_chinese_headers(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "客户.csv"
    path.write_text(CHINESE, encoding="utf-8")
    result = import_customers(store, path)
    assert (result.rows, result.inserted, result.updated, result.unchanged) == (3, 3, 0, 0)
    assert result.warnings == ()
    got = _customers(store)
    zhang, li, wang = got["C001"], got["C002"], got["C003"]
    assert (zhang.name, zhang.phone, zhang.region, zhang.channel) == (
        "张三",
        "138 0000 0001",
        "华东",
        "门店",
    )
    assert zhang.acquired_on == date(2023, 1, 5)
    assert zhang.status == CustomerStatus.ACTIVE
    assert zhang.attributes == {"爱好": "钓鱼"}
    assert li.status == CustomerStatus.CHURNED
    assert li.churn_reason == ChurnReason.STAFF_INDIFFERENCE
    assert li.churn_note == "店员态度差"
    assert li.attributes == {}
    assert wang.acquired_on == date(2023, 3, 15)  # Excel serial 45000
    assert wang.status == CustomerStatus.CHURNED  # a churn date implies it
    assert wang.churn_reason == ChurnReason.WON_BY_COMPETITOR


def test_it_imports_english_headers_in_any_case(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "Customer ID,Name,E-mail,Acquisition Date,attr:hobbies\n"
        "A1,Alice,alice@example.com,2024-01-02,chess\n",
        encoding="utf-8",
    )
    import_customers(store, path)
    alice = _customers(store)["A1"]
    assert (alice.name, alice.email, alice.attributes) == (
        "Alice",
        "alice@example.com",
        {"hobbies": "chess"},
    )


def test_re_importing_the_same_file_changes_nothing(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(CHINESE, encoding="utf-8")
    import_customers(store, path)
    before = {k: (c.id, c.updated_at, c.attributes) for k, c in _customers(store).items()}
    again = import_customers(store, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    after = {k: (c.id, c.updated_at, c.attributes) for k, c in _customers(store).items()}
    assert after == before


def test_it_updates_only_what_changed_and_only_the_columns_in_the_file(
    store: Store, tmp_path: Path
) -> None:
    first = tmp_path / "first.csv"
    first.write_text(CHINESE, encoding="utf-8")
    import_customers(store, first)
    stamps = {k: c.updated_at for k, c in _customers(store).items()}
    second = tmp_path / "second.csv"
    second.write_text("客户编号,地区,属性:家庭\nC001,西南,已婚\nC002,华北,\n", encoding="utf-8")
    result = import_customers(store, second)
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 1)
    got = _customers(store)
    assert got["C001"].region == "西南"
    assert got["C001"].name == "张三"  # not in the file: kept
    assert got["C001"].attributes == {"爱好": "钓鱼", "家庭": "已婚"}  # merged
    assert got["C001"].updated_at > stamps["C001"]
    assert got["C002"].updated_at == stamps["C002"]
    assert got["C003"].region == "华南"


def test_a_dry_run_validates_and_counts_but_saves_nothing(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(CHINESE, encoding="utf-8")
    result = import_customers(store, path, dry_run=True)
    assert (result.inserted, result.dry_run) == (3, True)
    assert _customers(store) == {}


def test_it_streams_in_chunks_and_reports_progress(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text(
        "customer_id,name\n" + "".join(f"K{i:04d},n{i}\n" for i in range(250)), encoding="utf-8"
    )
    seen: list[tuple[int, int]] = []
    result = import_customers(
        store, path, chunk_rows=100, progress=lambda d, t: seen.append((d, t))
    )
    assert result.inserted == 250
    assert len(seen) == 3
    assert seen[-1][0] == seen[-1][1] == path.stat().st_size


def test_it_imports_an_xlsx_workbook(store: Store, tmp_path: Path) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    path = tmp_path / "客户.xlsx"
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["客户编号", "姓名", "获客日期", "电话"])
    ws.append(["X1", "赵六", datetime(2024, 1, 5), 13800000000])
    ws.append(["X2", "钱七", "2024-02-01", None])
    book.save(path)
    result = import_customers(store, path)
    assert result.inserted == 2
    got = _customers(store)
    assert got["X1"].acquired_on == date(2024, 1, 5)
    assert got["X1"].phone == "13800000000"
    assert got["X1"].attributes == {}  # no attr: columns: an empty object, never null


def test_it_imports_an_spss_file(store: Store, tmp_path: Path) -> None:
    import pandas as pd
    import pyreadstat

    path = tmp_path / "customers.sav"
    frame = pd.DataFrame(
        {"customer_id": ["S1", "S2"], "region": ["华东", "华北"], "age": [31.0, 45.0]}
    )
    pyreadstat.write_sav(frame, str(path))
    result = import_customers(store, path)
    assert result.inserted == 2
    assert result.warnings == ("Column 'age' is not a known field and was ignored.",)
    assert _customers(store)["S2"].region == "华北"


def test_it_understands_the_headers_of_chinese_crm_exports(store: Store, tmp_path: Path) -> None:
    """Member systems and CRMs name the same fields otherwise (会员姓名, 移动电话, 所在地区,
    客户来源, 注册时间 with the time of day): every one is recognised, none ignored."""
    path = tmp_path / "会员导出.csv"
    path.write_text(
        "会员号,会员姓名,移动电话,所在地区,客户来源,注册时间\n"
        "M1,赵六,13900000002,西南,小程序,2024-06-18 14:03:27\n"
        "M2,钱七,,华中,门店,2024/7/1 9:05\n",
        encoding="gb18030",
    )
    result = import_customers(store, path)
    assert result.warnings == ()
    zhao, qian = _customers(store)["M1"], _customers(store)["M2"]
    assert (zhao.name, zhao.phone, zhao.region, zhao.channel, zhao.acquired_on) == (
        "赵六", "13900000002", "西南", "小程序", date(2024, 6, 18),
    )  # fmt: skip
    assert (qian.name, qian.region, qian.channel, qian.acquired_on) == (
        "钱七", "华中", "门店", date(2024, 7, 1),
    )  # fmt: skip
