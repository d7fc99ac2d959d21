"""What a kept result compares before it is used again: the latest id or update time of
each table it read (one query, answered by indexes), and a kept result served stale rather
than computed again while it is younger than its refresh interval (SQLite and PostgreSQL)."""

from __future__ import annotations

import time

from sqlalchemy import select

from cxm.customers.models import Customer
from cxm.store import Store
from cxm.store.changes import data_fingerprint
from cxm.store.kept import KeptResults, clear_all
from cxm.text.models import TextEntry, TextSource


def _watched() -> tuple[object, ...]:
    return (Customer.id, Customer.updated_at, TextEntry.updated_at)


def test_the_fingerprint_moves_when_a_row_is_added_or_changed(store: Store) -> None:
    with store.session() as s:
        empty = data_fingerprint(s, *_watched())
        assert empty == ("None", "None", "None")
        s.add(Customer(external_id="C1", name="王小明"))
    with store.session() as s:
        added = data_fingerprint(s, *_watched())
        assert added != empty
        assert data_fingerprint(s, *_watched()) == added  # nothing changed: the same
        customer = s.scalars(select(Customer)).one()
        customer.name = "王晓明"
    with store.session() as s:
        changed = data_fingerprint(s, *_watched())
        assert changed[0] == added[0] and changed[1] != added[1]
        assert data_fingerprint(s) == ()


def test_a_young_kept_result_is_served_stale_instead_of_computed_again(store: Store) -> None:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    slow: KeptResults[int] = KeptResults("test slow", _watched, refresh_after_s=3600)
    eager: KeptResults[int] = KeptResults("test eager", _watched)
    with store.session() as s:
        first = slow.get_waiting(s, "k", compute)
        assert (first.value, first.fresh) == (1, True)
        assert eager.get_waiting(s, "k", compute).value == 2
        s.add(TextEntry(source=TextSource.COMPLAINT_LOG, text="送货太慢"))
    with store.session() as s:
        stale = slow.get(s, "k", compute)
        assert stale is not None and (stale.value, stale.fresh) == (1, False)
        assert len(calls) == 2  # not computed again: younger than its interval
        assert slow.get_waiting(s, "k", compute, stale_ok=False).value == 3  # unless asked
        assert eager.get(s, "k", compute) is not None  # stale, a new one computed beside
        eager.wait("k")
        assert len(calls) == 4
        again = eager.get(s, "k", compute)
        assert again is not None and (again.value, again.fresh) == (4, True)


def test_a_caller_that_cannot_wait_gets_the_result_if_it_comes_within_its_patience(
    store: Store,
) -> None:
    def slow() -> int:
        time.sleep(0.3)
        return 7

    kept: KeptResults[int] = KeptResults("test patience", _watched)
    with store.session() as s:
        assert kept.get(s, "a", slow, wait=False) is None  # computed beside
        found = kept.get(s, "b", slow, wait=False, patience_s=30)
        assert found is not None and (found.value, found.fresh) == (7, True)
        kept.wait("a")
        again = kept.get(s, "a", slow, wait=False)
        assert again is not None and again.value == 7


def test_clear_all_forgets_every_kept_result(store: Store) -> None:
    """What a test that puts its database back to an earlier state calls: a result kept from
    data since undone is computed again, in every KeptResults of the process."""
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    one: KeptResults[int] = KeptResults("test one", _watched)
    two: KeptResults[int] = KeptResults("test two", _watched)
    with store.session() as s:
        assert [k.get_waiting(s, "k", compute).value for k in (one, two)] == [1, 2]
        assert one.get_waiting(s, "k", compute).value == 1  # kept: same data
        clear_all()
        assert [k.get_waiting(s, "k", compute).value for k in (one, two)] == [3, 4]


def test_clear_all_forgets_the_caches_modules_keep_by_database(store: Store) -> None:
    """A database emptied under the same URL (each PostgreSQL test's): the day the customer
    page judges by, read from the last purchase and kept ten minutes per database, is read
    again after ``clear_all`` instead of coming from the data that were there before."""
    from datetime import date
    from decimal import Decimal

    from cxm.clock import today
    from cxm.customers.models import Purchase
    from cxm.management.customer_view import analysis_day

    long_ago = date(2020, 3, 1)
    with store.session() as s:
        customer = Customer(external_id="C1")
        s.add(customer)
        s.flush()
        s.add(Purchase(external_id="P1", customer_id=customer.id, purchased_on=long_ago,
                       product="tea", quantity=Decimal(1), revenue=Decimal(10)))  # fmt: skip
    with store.session() as s:
        assert analysis_day(s) == long_ago
    with store.session() as s:
        s.query(Purchase).delete()
    with store.session() as s:
        assert analysis_day(s) == long_ago  # kept: read at most every ten minutes
        clear_all()
        assert analysis_day(s) == today()
