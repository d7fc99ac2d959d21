"""Shared reads: inside one report a reader runs once per database and arguments, each
caller gets its own copy, and outside the block every call reads the store afresh."""

from __future__ import annotations

from datetime import date

from cxm.frames import customers_frame, profit_by_customer, shared_reads
from cxm.store import Store
from tests.management_factories import add_customer


def _count_selects(store: Store) -> list[str]:
    from sqlalchemy import event

    seen: list[str] = []

    def on_execute(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", on_execute)
    return seen


def test_a_reader_runs_once_per_arguments_inside_shared_reads(store: Store) -> None:
    add_customer(store, "a", profit=10.0)
    add_customer(store, "b", profit=5.0, bought_on=date(2025, 7, 1))
    selects = _count_selects(store)
    with shared_reads(), store.session() as s:
        first = customers_frame(s)
        n_after_first = len(selects)
        second = customers_frame(s)
        customers_frame(s, attributes=False, dates_only=False)  # the same arguments
        assert len(selects) == n_after_first  # no second read
        assert first.equals(second)
        assert first is not second
        # Other arguments are another read.
        july = profit_by_customer(s, start=date(2025, 7, 1))
        assert len(selects) > n_after_first
        assert sorted(july.tolist()) == [5.0]
        assert sorted(profit_by_customer(s).tolist()) == [5.0, 10.0]


def test_each_caller_gets_its_own_copy(store: Store) -> None:
    add_customer(store, "a", profit=10.0, region="north")
    with shared_reads(), store.session() as s:
        mine = customers_frame(s, attributes=True)
        mine["region"] = "changed"
        mine.loc[:, "status"] = "changed"
        mine["extra"] = 1
        theirs = customers_frame(s, attributes=True)
    assert theirs["region"].tolist() == ["north"]
    assert theirs["status"].tolist() == ["active"]
    assert "extra" not in theirs


def test_outside_shared_reads_every_call_reads_the_store(store: Store) -> None:
    add_customer(store, "a")
    with store.session() as s:
        assert len(customers_frame(s)) == 1
    add_customer(store, "b")
    with store.session() as s:
        assert len(customers_frame(s)) == 2
    with store.session() as s:
        assert len(customers_frame(s)) == 2


def test_a_write_inside_shared_reads_ends_what_was_read(store: Store) -> None:
    add_customer(store, "a")
    selects = _count_selects(store)
    with shared_reads():
        with store.session() as s:
            assert len(customers_frame(s)) == 1
        n_read = len(selects)
        with store.session() as s:  # nothing written: the frame is not read again
            assert len(customers_frame(s)) == 1
        assert len(selects) == n_read
        add_customer(store, "b")  # a command that writes, then reads what it wrote
        with store.session() as s:
            assert len(customers_frame(s)) == 2
        assert len(selects) > n_read


def test_a_command_reads_each_frame_once(store: Store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """``cxm`` runs each command in :func:`one_command`: the first store it opens starts the
    per-command read cache, which ends with the command."""
    from cxm.cli.context import one_command, open_store
    from cxm.frames import sharing_reads

    monkeypatch.setenv("CXM_DATABASE_URL", str(store.engine.url))
    assert not sharing_reads()
    with one_command():
        assert not sharing_reads()  # a command that opens no store caches nothing
        with open_store():
            assert sharing_reads()
    assert not sharing_reads()


def test_the_server_command_opens_no_read_cache(store: Store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """``cxm serve`` with one worker serves in the command's own context: its requests
    must not share a cache."""
    from cxm.cli.context import one_command, open_store
    from cxm.frames import sharing_reads

    monkeypatch.setenv("CXM_DATABASE_URL", str(store.engine.url))
    with one_command(), open_store(cache=False):
        assert not sharing_reads()
