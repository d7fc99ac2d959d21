"""One customer across sources: probable duplicates on normalised phone, e-mail, hashed
ID-card number and shop buyer id; audited merges that move every row; undo restores the
customer exactly (issue 14, item 5)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from cxm.customers.importing import import_customers, import_orders, import_purchases
from cxm.customers.importing.merging import find_duplicates, merge_customers, unmerge
from cxm.customers.importing.models import CustomerMerge, OrderLine
from cxm.customers.models import Customer, Purchase
from cxm.errors import InputError
from cxm.store import Store

CUSTOMERS = (
    "customer_id,name,phone,email,region,attr:buyer_id,attr:id_card\n"
    "SHOP-1,,+86 138-0013-8000,,华东,tb_zhang,\n"
    "CRM-7,张三,13800138000,Zhang.San@Example.com,,,11010519491231002X\n"
    "SURVEY-3,,,zhang.san@example.com,,,\n"
    "CRM-8,李四,13900000000,,华北,,110105194912310021\n"
    "SHOP-2,,,,,TB_ZHANG,\n"
    "KIOSK-1,,,,,,11010519491231002x\n"
)


def _load(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(CUSTOMERS, encoding="utf-8")
    import_customers(store, path)
    purchases = tmp_path / "purchases.csv"
    purchases.write_text(
        "order_id,customer_id,date,product,revenue\n"
        "P1,SHOP-1,2024-01-02,Cup,10\nP2,CRM-7,2024-01-03,Tea,20\n",
        encoding="utf-8",
    )
    import_purchases(store, purchases)
    lines = tmp_path / "lines.csv"
    lines.write_text(
        "order_id,customer_id,date,product,quantity,unit_price\nO9,SHOP-1,2024-02-01,Mug,2,4.5\n",
        encoding="utf-8",
    )
    import_orders(store, lines)


def _customer(store: Store, external_id: str) -> dict[str, object] | None:
    with store.session() as s:
        row = (
            s.execute(select(Customer.__table__).where(Customer.external_id == external_id))
            .mappings()
            .first()
        )
    return None if row is None else {k: v for k, v in row.items() if k != "updated_at"}


def _owners(store: Store) -> dict[str, str]:
    with store.session() as s:
        rows = s.execute(select(Purchase.external_id, Customer.external_id).join(Customer)).all()
        lines = s.execute(
            select(OrderLine.external_id, Customer.external_id).join(
                Customer, Customer.id == OrderLine.customer_id
            )
        ).all()
    return dict(rows) | dict(lines)


def test_duplicates_are_found_on_each_normalised_key(store: Store, tmp_path: Path) -> None:
    _load(store, tmp_path)
    with store.session() as s:
        groups = {(g.key, g.value): g.customers for g in find_duplicates(s)}
    card = hashlib.sha256(b"11010519491231002X").hexdigest()[:12]
    assert groups == {
        ("phone", "13800138000"): ("CRM-7", "SHOP-1"),
        ("email", "zhang.san@example.com"): ("CRM-7", "SURVEY-3"),
        ("buyer_id", "tb_zhang"): ("SHOP-1", "SHOP-2"),
        ("id_card", card): ("CRM-7", "KIOSK-1"),
    }
    assert all("110105" not in value for _key, value in groups)  # the number never shows


def test_a_merge_moves_every_row_and_undo_restores_everything(store: Store, tmp_path: Path) -> None:
    _load(store, tmp_path)
    before = _customer(store, "SHOP-1"), _customer(store, "CRM-7"), _owners(store)
    with store.session() as s:
        record = merge_customers(s, kept="CRM-7", merged="SHOP-1", by="alice")
        merge_id = record.id
        assert record.keys == "phone"
    assert _customer(store, "SHOP-1") is None
    kept = _customer(store, "CRM-7")
    assert kept is not None
    assert (kept["region"], kept["name"]) == ("华东", "张三")  # filled from SHOP-1, name kept
    assert kept["attributes"] == {"buyer_id": "tb_zhang", "id_card": "11010519491231002X"}
    assert _owners(store) == {"P1": "CRM-7", "P2": "CRM-7", "O9": "CRM-7", "O9#1": "CRM-7"}
    with store.session() as s:
        audit = s.get(CustomerMerge, merge_id)
        assert audit is not None
        assert (audit.merged_external_id, audit.merged_by) == ("SHOP-1", "alice")
        assert sorted(audit.moved) == ["order_lines.customer_id", "purchases.customer_id"]
    with store.session() as s:
        unmerge(s, merge_id=merge_id)
    assert (_customer(store, "SHOP-1"), _customer(store, "CRM-7"), _owners(store)) == before
    with store.session() as s, pytest.raises(InputError, match="already undone"):
        unmerge(s, merge_id=merge_id)


def test_customers_sharing_no_key_are_only_merged_with_force(store: Store, tmp_path: Path) -> None:
    _load(store, tmp_path)
    with store.session() as s, pytest.raises(InputError, match="share no match key"):
        merge_customers(s, kept="CRM-8", merged="SURVEY-3")
    with store.session() as s:
        assert merge_customers(s, kept="CRM-8", merged="SURVEY-3", force=True).keys == "forced"
    assert _customer(store, "SURVEY-3") is None


def test_the_commands(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "customers.csv"
    path.write_text(CUSTOMERS, encoding="utf-8")
    assert cxm("import", "customers", str(path)).exit_code == 0
    r = cxm("customers", "duplicates", "--keys", "phone,email", "--json")
    assert r.exit_code == 0, r.stderr
    assert {g["key"]: g["customers"] for g in json.loads(r.stdout)} == {
        "phone": ["CRM-7", "SHOP-1"],
        "email": ["CRM-7", "SURVEY-3"],
    }
    merged = json.loads(cxm("customers", "merge", "CRM-7", "SURVEY-3", "--json").stdout)
    assert (merged["keys"], merged["merged"]) == ("email", "SURVEY-3")
    trail = json.loads(cxm("customers", "merges", "--json").stdout)
    assert [m["merged"] for m in trail] == ["SURVEY-3"]
    r = cxm("customers", "unmerge", str(merged["merge"]))
    assert r.exit_code == 0 and "SURVEY-3" in r.stdout
    bad = cxm("customers", "duplicates", "--keys", "shoe_size")
    assert bad.exit_code != 0 and "shoe_size" in bad.stderr and "Traceback" not in bad.stderr
