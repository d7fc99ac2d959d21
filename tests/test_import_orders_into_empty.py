"""Order lines into an empty table: written straight into it (COPY on PostgreSQL), its
secondary indexes built at the end, and on PostgreSQL the foreign key checked once per
customer instead of by a trigger per row. Every guarantee stays: the indexes and the
foreign key are there afterwards, a failed import leaves the database as before, and a
customer deleted meanwhile refuses the import (issue 14, the import's speed)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from cxm.customers.importing import ImportOptions, import_customers, import_orders
from cxm.customers.importing.models import OrderLine
from cxm.customers.models import Purchase
from cxm.errors import InputError, ValidationFailed
from cxm.store import Store, make_engine
from cxm.store.migrate import upgrade
from tests.conftest import PG_URL, skip_or_fail

HEADER = "order_id,customer_id,date,product,quantity,unit_price\n"
LINES = "X,A,2024-01-02,Cup,1,2\nX,A,2024-01-02,Plate,2,3\nY,B,2024-01-03,Cup,1,2\n"


def _setup(store: Store, tmp_path: Path, lines: str = LINES) -> Path:
    customers = tmp_path / "customers.csv"
    customers.write_text("customer_id\nA\nB\n", encoding="utf-8")
    import_customers(store, customers)
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + lines, encoding="utf-8")
    return path


def _indexes(store: Store) -> set[str]:
    """The table's indexes and unique constraints, by name."""
    found = inspect(store.engine)
    return {str(i["name"]) for i in found.get_indexes("order_lines")} | {
        str(c["name"]) for c in found.get_unique_constraints("order_lines")
    }


def _count(store: Store, model: type) -> int:
    with store.session() as s:
        return len(s.execute(select(model.id)).all())


@pytest.mark.parametrize("thread", [True, False])
def test_lines_into_an_empty_table_keep_its_indexes_and_foreign_key(
    store: Store, tmp_path: Path, thread: bool
) -> None:
    path = _setup(store, tmp_path)
    indexes = _indexes(store)
    options = ImportOptions(writer_thread=thread)
    result = import_orders(store, path, options=options, chunk_rows=2)
    assert (result.inserted, result.orders) == (3, 2)
    wanted = {"ix_order_lines_order_id", "ix_order_lines_customer_product"}
    assert _indexes(store) == indexes >= {*wanted, "uq_order_lines_external_id"}
    again = import_orders(store, path, options=options, chunk_rows=2)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    with store.engine.connect() as conn, pytest.raises(IntegrityError):  # still enforced
        conn.execute(
            OrderLine.__table__.insert().values(
                external_id="Z#1",
                order_id="Z",
                customer_id=987_654_321,
                ordered_on=date(2024, 1, 2),
                product="Cup",
                quantity=1,
                amount=1,
            )
        )
    if store.engine.dialect.name == "postgresql":  # the triggers are back for everyone
        with store.engine.connect() as conn:
            role = conn.execute(text("SHOW session_replication_role")).scalar()
        assert role == "origin"


def test_a_failed_import_into_an_empty_table_leaves_it_as_before(
    store: Store, tmp_path: Path
) -> None:
    """The second chunk's problem is found after the first was written (indexes dropped):
    all of it is rolled back, the indexes included."""
    _fail_second_chunk(store, tmp_path)


def _fail_second_chunk(store: Store, tmp_path: Path) -> set[str]:
    """Import lines whose second chunk is bad into the empty table; assert nothing of it
    stayed, the indexes included; the table's indexes."""
    path = _setup(store, tmp_path, LINES + "Z,A,2024-01-02,Cup,two,2\n")
    indexes = _indexes(store)
    with pytest.raises(ValidationFailed):
        import_orders(store, path, chunk_rows=2)
    assert _indexes(store) == indexes
    assert (_count(store, OrderLine), _count(store, Purchase)) == (0, 0)
    return indexes


# PostgreSQL only: on SQLite the importer's write transaction holds the whole database, so
# no one can delete meanwhile.
@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_customer_deleted_during_the_import_refuses_it(store: Store, tmp_path: Path) -> None:
    """PostgreSQL without the per-row trigger, into a table that has lines already (so
    not locked for the import): the lines of customer A are written, then A is deleted by
    another connection (nothing locks A yet); the import's own check at the end finds A
    gone and rolls everything back. (Into an empty table the delete would wait for the
    import: its cascade needs the table the import holds.)"""
    assert store.engine.dialect.name == "postgresql"
    with store.engine.connect() as conn:
        superuser = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
        if not superuser.scalar():
            skip_or_fail("the test role may not write without the per-row triggers")
    path = _setup(store, tmp_path, "W,B,2024-01-01,Cup,1,2\n")
    import_orders(store, path)
    path.write_text(HEADER + LINES, encoding="utf-8")
    deleted: list[int] = []

    def delete_a(_done: int, _total: int) -> None:
        if not deleted:
            with store.engine.begin() as other:
                other.execute(text("SET LOCAL lock_timeout = '10s'"))  # fail, never hang
                other.execute(text("DELETE FROM customers WHERE external_id = 'A'"))
            deleted.append(1)

    with pytest.raises(InputError, match="deleted while the file was being imported"):
        import_orders(
            store, path, chunk_rows=2, progress=delete_a, options=ImportOptions(writer_thread=False)
        )
    assert deleted
    assert (_count(store, OrderLine), _count(store, Purchase)) == (1, 1)


@pytest.fixture
def plain_role_store(worker_name: str) -> Iterator[Store]:
    """A store on PostgreSQL reached as a role that is not a superuser (as most companies'
    application role is): it owns its database, so it migrates it, but it may not switch
    the per-row triggers off."""
    if not PG_URL:
        skip_or_fail("CXM_TEST_POSTGRES_URL is not set")
    suffix = f"{worker_name}_{os.getpid()}"
    role, database = f"cxm_plain_{suffix}", f"cxm_plain_{suffix}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=None)
    # The names are made here from the worker's name and the pid, never input.
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER'))
        conn.execute(text(f'CREATE DATABASE "{database}" OWNER "{role}"'))
    url = make_url(PG_URL).set(username=role, password=None, database=database)
    store = Store(make_engine(url.render_as_string(hide_password=False)))
    try:
        upgrade(store.engine)
        yield store
    finally:
        store.close()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


@pytest.mark.postgres
def test_a_role_that_is_not_a_superuser_imports_with_the_row_triggers_on(
    plain_role_store: Store, tmp_path: Path
) -> None:
    """The fallback of the fast path: the refused ``SET session_replication_role`` leaves
    the import's transaction usable, the lines are COPY'd with the foreign key's triggers
    on, and everything else is as for a superuser — indexes and constraint back, the
    foreign key enforced, a failed import rolled back whole."""
    store = plain_role_store
    with store.engine.connect() as conn:
        assert conn.execute(
            text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar() is False  # fmt: skip
        with pytest.raises(DBAPIError, match="permission denied"):  # what the fast path asks
            conn.execute(text("SET session_replication_role = replica"))
    indexes = _fail_second_chunk(store, tmp_path)
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + LINES, encoding="utf-8")
    result = import_orders(store, path, chunk_rows=2)
    assert (result.inserted, result.orders) == (3, 2)
    assert _indexes(store) == indexes >= {"uq_order_lines_external_id"}
    assert (_count(store, OrderLine), _count(store, Purchase)) == (3, 2)
    again = import_orders(store, path, chunk_rows=2)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    with store.engine.connect() as conn, pytest.raises(IntegrityError):
        conn.execute(
            OrderLine.__table__.insert().values(
                external_id="Z#1", order_id="Z", customer_id=987_654_321,
                ordered_on=date(2024, 1, 2), product="Cup", quantity=1, amount=1,
            )
        )  # fmt: skip
