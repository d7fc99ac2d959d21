"""The import, mapping and merge commands speak zh-CN throughout: no English message of
the app's catalogue (table headers, warnings, field notes) is left in their output
(issue 14, item 6)."""

from __future__ import annotations

import re
from pathlib import Path

from cxm.customers.importing.columns import CUSTOMER_FIELDS, ORDER_FIELDS, PURCHASE_FIELDS
from cxm.i18n import catalog

#: Field names are the words of the mapping syntax (``columns: {InvoiceNo: order_id}``):
#: shown as they must be written, in every language.
IDENTIFIERS = {f.name for f in (*CUSTOMER_FIELDS, *ORDER_FIELDS, *PURCHASE_FIELDS)}

UCI = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
    "536365,85123A,WHITE HANGING HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom\n"
    "536366,22633,HAND WARMER,6,12/1/2010 8:28,1.85,,United Kingdom\n"
)


#: The file's own column names are data, shown as the file writes them ("Description" is
#: also a message of the catalogue, a table header elsewhere).
FILE_COLUMNS = set(UCI.splitlines()[0].split(","))


def _english_left(text: str) -> list[str]:
    """Catalogue messages (with a zh-CN translation) that appear in English in ``text``."""
    left = []
    for message in catalog("zh-CN"):
        if "{" in message or len(message) < 3 or message in IDENTIFIERS | FILE_COLUMNS:
            continue
        if re.search(rf"(?<![\w-]){re.escape(message)}(?![\w-])", text):
            left.append(message)
    return left


def test_import_and_merge_commands_print_no_english(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    customers = tmp_path / "c.csv"
    customers.write_text(
        "customer_id,phone,extra\n17850,13800138000,x\n17851,+86 138 0013 8000,y\n",
        encoding="utf-8",
    )
    orders = tmp_path / "o.csv"
    orders.write_text(UCI, encoding="utf-8")
    runs = [
        ("import", "customers", str(customers)),
        ("import", "orders", str(orders), "--preset", "uci-online-retail", "--dry-run"),
        ("import", "orders", str(orders), "--preset", "uci-online-retail"),
        ("customers", "duplicates"),
        ("customers", "merge", "17850", "17851"),
        ("customers", "merges"),
    ]
    for args in runs:
        r = cxm("--lang", "zh-CN", *args)
        assert r.exit_code == 0, (args, r.stderr)
        out = r.stdout + r.stderr
        assert _english_left(out) == [], (args, out)
    bad = cxm("--lang", "zh-CN", "import", "orders", str(orders), "--date-format", "dd")
    assert "请使用 YMD、DMY、MDY" in bad.stderr
