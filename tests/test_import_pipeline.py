"""Chunks written on a thread of their own while the next is validated: every write runs,
in order, one at a time; a write's error reaches the import, before a later error that it
caused."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from cxm.customers.importing import ImportOptions, import_customers, import_orders
from cxm.customers.importing.models import OrderLine
from cxm.customers.importing.pipeline import BackgroundWrites, writer_thread_wanted
from cxm.store import Store


def _chunk(n: int) -> pd.DataFrame:
    return pd.DataFrame({"n": [n] * n})


@pytest.mark.parametrize("background", [True, False])
def test_every_chunk_is_written_in_order_and_counted(background: bool) -> None:
    written: list[int] = []
    threads: set[str] = set()

    def write(rows: pd.DataFrame) -> int:
        written.append(int(rows["n"].iloc[0]))
        threads.add(threading.current_thread().name)
        return len(rows)

    with BackgroundWrites(write, background=background) as writes:
        for n in (1, 2, 3):
            writes.submit(_chunk(n))
        assert writes.finish() == 6
    assert written == [1, 2, 3]
    assert (threading.current_thread().name in threads) is not background


def test_a_failed_write_is_raised_by_the_next_submit() -> None:
    def write(rows: pd.DataFrame) -> int:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"), BackgroundWrites(write, background=True) as w:
        w.submit(_chunk(1))
        w.submit(_chunk(2))


def test_a_failed_write_wins_over_the_error_it_caused() -> None:
    failed = threading.Event()

    def write(rows: pd.DataFrame) -> int:
        failed.set()
        raise OSError("disk full")

    with (
        pytest.raises(OSError, match="disk full") as info,
        BackgroundWrites(write, background=True) as writes,
    ):
        writes.submit(_chunk(1))
        failed.wait(5)
        raise RuntimeError("current transaction is aborted")
    assert isinstance(info.value.__cause__, RuntimeError)


def test_an_error_while_validating_waits_for_the_write_in_flight() -> None:
    done = threading.Event()

    def write(rows: pd.DataFrame) -> int:
        done.wait(0.2)
        done.set()
        return len(rows)

    with (
        pytest.raises(ValueError, match="bad row"),
        BackgroundWrites(write, background=True) as writes,
    ):
        writes.submit(_chunk(1))
        raise ValueError("bad row")
    assert done.is_set()


def test_whether_to_use_the_thread_is_what_the_caller_says() -> None:
    assert writer_thread_wanted(True) is True
    assert writer_thread_wanted(False) is False
    assert writer_thread_wanted(None, "postgresql") is True  # the server works apart
    assert isinstance(writer_thread_wanted(None, "sqlite"), bool)  # by the load average


@pytest.mark.parametrize("first, then", [(True, False), (False, True)])
def test_order_lines_with_and_without_the_thread_store_the_same(
    store: Store, tmp_path: Path, first: bool, then: bool
) -> None:
    customers = tmp_path / "customers.csv"
    customers.write_text("customer_id\n17850\n13047\n", encoding="utf-8")
    import_customers(store, customers)
    header = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
    rows = [
        f"5363{i % 7},A{i % 3},ITEM {i % 3},{i % 5 + 1},12/{i % 9 + 1}/2010 9:00,1.{i:02d},"
        f"{17850 if i % 2 else 13047},UK"
        for i in range(40)
    ]
    path = tmp_path / "Online Retail.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    preset = "uci-online-retail"
    one = import_orders(
        store, path, options=ImportOptions(preset=preset, writer_thread=first), chunk_rows=3
    )
    assert (one.inserted, one.orders) == (40, 7)
    with store.session() as s:
        lines = s.execute(select(OrderLine.external_id, OrderLine.amount)).all()
    two = import_orders(
        store, path, options=ImportOptions(preset=preset, writer_thread=then), chunk_rows=3
    )
    assert (two.inserted, two.updated, two.unchanged) == (0, 0, 40)
    with store.session() as s:
        assert sorted(s.execute(select(OrderLine.external_id, OrderLine.amount)).all()) == sorted(
            lines
        )
