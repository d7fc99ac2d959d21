"""``cxm export TABLE|all --format parquet`` and ``cxm compute customers`` (issue 22), on
SQLite and PostgreSQL; and the demo unchanged with ``CXM_COMPUTE=duckdb``."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from cxm.store import Store
from tests.management_factories import add_customer, add_purchase


def _company(store: Store) -> None:
    """Customers with Chinese names, several purchases each (one on a shared day)."""
    for i in range(6):
        cid = add_customer(store, f"客户{i}", profit=10.25 * (i + 1), bought_on=date(2025, 3, 1))
        with store.session() as s:
            add_purchase(s, cid, f"客户{i}-2", 3.33, date(2025, 3, 1))
            add_purchase(s, cid, f"客户{i}-3", 0.01 * i, date(2025, 7, 1 + i))
            s.commit()
    with store.session() as s:
        from cxm.customers.models import Customer

        c = s.get(Customer, 1)
        assert c is not None
        c.name, c.phone = "张三", "13800000000"
        s.commit()


def test_export_all_writes_exact_parquet_without_contact_details(
    store: Store, cxm: Any, tmp_path: Path
) -> None:
    _company(store)
    result = cxm("export", "all", "--format", "parquet", "--out", str(tmp_path), "--json")
    assert result.exit_code == 0, result.stderr
    files = json.loads(result.stdout)["files"]
    assert set(files) >= {"customers", "purchases", "touchpoints", "customer_aggregates"}
    purchases = pd.read_parquet(tmp_path / "purchases.parquet")
    assert len(purchases) == 18
    assert Decimal("20.50") in set(purchases["revenue"])  # money as decimal(14, 2), exact
    assert purchases["purchased_on"].map(type).eq(date).all()
    customers = pd.read_parquet(tmp_path / "customers.parquet")
    assert not {"name", "phone", "email"} & set(customers.columns)
    assert "客户0" in set(customers["external_id"])
    refused = cxm("export", "purchases", "--format", "csv", "--out", str(tmp_path))
    assert refused.exit_code != 0 and "parquet" in refused.stderr


def test_compute_customers_from_parquet_equals_the_store(
    store: Store, cxm: Any, tmp_path: Path
) -> None:
    from cxm.frames.engines import _on_store
    from cxm.management.computed import read_aggregates

    _company(store)
    assert cxm("export", "purchases", "--out", str(tmp_path)).exit_code == 0
    result = cxm("compute", "customers", "--source", str(tmp_path / "purchases.parquet"), "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["engine"] == "duckdb" and summary["customers"] == 6
    assert summary["as_of"] == "2025-07-06"  # the last purchase of the file
    with store.session() as s:
        stored = read_aggregates(s)
        expected = _on_store(s, "customers", {"as_of": date(2025, 7, 6)})
    assert (stored["engine"] == "duckdb").all()
    for col in expected.columns:
        assert stored[col].tolist() == expected[col].tolist(), col
    assert stored["revenue_cents"].tolist()[0] == 2050 + 666 + 0  # 20.50 + 6.66 + 0.00
    # On the store itself: the same table.
    again = cxm("compute", "customers", "--engine", "store", "--as-of", "2025-07-06", "--json")
    assert again.exit_code == 0, again.stderr
    with store.session() as s:
        assert read_aggregates(s)[list(expected.columns)].equals(stored[list(expected.columns)])


def test_compute_refuses_unknown_customers_and_writes_nothing(
    store: Store, cxm: Any, tmp_path: Path
) -> None:
    from cxm.management.computed import read_aggregates

    _company(store)
    assert cxm("compute", "customers", "--engine", "store").exit_code == 0
    bad = pd.DataFrame(
        {
            "customer_id": [1, 424242],
            "purchased_on": [date(2025, 1, 1), date(2025, 1, 2)],
            "revenue": [1.0, 2.0],
            "cost": [None, 1.0],
        }
    )
    bad.to_parquet(tmp_path / "bad.parquet")
    result = cxm("compute", "customers", "--source", str(tmp_path / "bad.parquet"))
    assert result.exit_code != 0
    assert "424242" in result.stderr and "nothing was written" in result.stderr
    with store.session() as s:
        assert (read_aggregates(s)["engine"] == "store").all()  # the earlier table stays
    missing = cxm("compute", "customers", "--source", str(tmp_path / "nope.parquet"))
    assert missing.exit_code != 0 and "nope.parquet" in missing.stderr
    zh = cxm("compute", "customers", "--source", str(tmp_path / "bad.parquet"), lang="zh-CN")
    assert "未写入任何数据" in zh.stderr


@pytest.mark.slow
def test_the_demo_is_unchanged_with_duckdb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``cxm demo --json`` gives the same figures with CXM_COMPUTE=duckdb as on the store."""
    from tests.golden.commands import compare, stable

    outputs = {}
    for engine in ("store", "duckdb"):
        monkeypatch.setenv("CXM_DATABASE_URL", f"sqlite:///{tmp_path / engine}.db")
        monkeypatch.setenv("CXM_COMPUTE", engine)
        monkeypatch.chdir(tmp_path)
        from tests.golden.commands import _run

        outputs[engine] = stable(
            json.loads(_run(["demo", "--customers", "300", "--seed", "7", "--json"]))
        )
    problems = compare(outputs["store"], outputs["duckdb"])
    assert not problems, "\n".join(problems[:20])
