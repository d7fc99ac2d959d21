"""Writing the demo company into the store: emptiness check, ``--replace`` wipe, and fast
SQLAlchemy Core bulk inserts (executemany in batches)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, delete, func, select, update

from cxm.customers.models import Customer, Employee, Purchase, Team, Touchpoint
from cxm.demo.vocabulary import START
from cxm.errors import InputError
from cxm.i18n import _
from cxm.store import Store
from cxm.store.bulk import BATCH_ROWS, insert_rows

__all__ = [
    "BATCH_ROWS",
    "SHANGHAI",
    "StoreNotEmpty",
    "clear_store",
    "customer_count",
    "insert_rows",
    "refuse_if_not_empty",
    "write_company",
]

#: The demo company's local time (China Standard Time, no daylight saving).
SHANGHAI = timezone(timedelta(hours=8))


class StoreNotEmpty(InputError):
    """The demo refuses to mix its company into a store that holds customers."""

    code = "store_not_empty"


def customer_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Customer)).scalar_one())


def clear_store(conn: Connection) -> None:
    """Delete every row of every table CXM knows, children before parents (FK-safe).

    Uses ``Base.metadata.sorted_tables`` so that tables added by any domain are included.
    """
    from cxm.registry import metadata

    # The one foreign key against the table order (a team's lead is an employee of it).
    conn.execute(update(Team).values(lead_id=None))
    for table in reversed(metadata.sorted_tables):
        conn.execute(delete(table))


def _ids_in_order(conn: Connection, table: Table, key: str) -> np.ndarray:
    """Database ids ordered by the zero-padded external key (= the generator's order)."""
    rows = conn.execute(select(table.c.id).order_by(table.c[key])).scalars().all()
    return np.asarray(rows, dtype=np.int64)


def _days_to_dates(days: np.ndarray) -> list[Any]:
    return list((np.datetime64(START, "D") + days.astype("timedelta64[D]")).astype(object))


def _timestamps(days: np.ndarray, seconds: np.ndarray) -> list[datetime]:
    # Business hours are drawn in the company's local time and stored in UTC.
    base = datetime.combine(START, time(0), tzinfo=SHANGHAI).astimezone(UTC)
    return [
        base + timedelta(days=int(d), seconds=int(s))
        for d, s in zip(days.tolist(), seconds.tolist(), strict=True)
    ]


def _external_ids(prefix: str, n: int) -> list[str]:
    width = max(7, len(str(n)))
    return [f"{prefix}{i + 1:0{width}d}" for i in range(n)]


def write_company(
    conn: Connection,
    *,
    team_names: Iterable[str],
    employees: pd.DataFrame,
    customers: pd.DataFrame,
    purchases: pd.DataFrame,
    touchpoints: pd.DataFrame,
    on_batch: Callable[[int], None] | None = None,
) -> dict[str, np.ndarray]:
    """Insert teams, employees, customers, purchases and touchpoints; returns the database
    ids of teams, employees and customers in generator order."""
    now = datetime.now(UTC)
    names = list(team_names)
    stamp = {"created_at": [now] * len(names), "updated_at": [now] * len(names)}
    insert_rows(conn, Team.__table__, {"name": names, **stamp})  # type: ignore[arg-type]
    by_name = {row[0]: row[1] for row in conn.execute(select(Team.name, Team.id))}
    team_ids = np.asarray([by_name[t] for t in names], dtype=np.int64)

    k = len(employees)
    insert_rows(
        conn,
        Employee.__table__,  # type: ignore[arg-type]
        {
            "external_id": employees["external_id"].tolist(),
            "name": employees["name"].tolist(),
            "team_id": team_ids[employees["team"].to_numpy()].tolist(),
            "created_at": [now] * k,
            "updated_at": [now] * k,
        },
    )
    employee_ids = _ids_in_order(conn, Employee.__table__, "external_id")  # type: ignore[arg-type]

    n = len(customers)
    cols = ["external_id", "name", "phone", "email", "region", "channel", "acquired_on"]
    cols += ["status", "churned_on", "churn_reason", "churn_note", "attributes"]
    data: dict[str, Sequence[Any]] = {c: customers[c].tolist() for c in cols}
    data["created_at"] = [now] * n
    data["updated_at"] = [now] * n
    insert_rows(conn, Customer.__table__, data, on_batch=on_batch)  # type: ignore[arg-type]
    customer_ids = _ids_in_order(conn, Customer.__table__, "external_id")  # type: ignore[arg-type]

    m = len(purchases)
    insert_rows(
        conn,
        Purchase.__table__,  # type: ignore[arg-type]
        {
            "external_id": _external_ids("P", m),
            "customer_id": customer_ids[purchases["customer"].to_numpy()].tolist(),
            "purchased_on": _days_to_dates(purchases["day"].to_numpy()),
            "product": purchases["product"].tolist(),
            "quantity": purchases["quantity"].astype(float).tolist(),
            "revenue": purchases["revenue"].tolist(),
            "cost": purchases["cost"].tolist(),
            "created_at": [now] * m,
            "updated_at": [now] * m,
        },
        on_batch=on_batch,
    )

    m = len(touchpoints)
    insert_rows(
        conn,
        Touchpoint.__table__,  # type: ignore[arg-type]
        {
            "external_id": _external_ids("T", m),
            "customer_id": customer_ids[touchpoints["customer"].to_numpy()].tolist(),
            "occurred_at": _timestamps(
                touchpoints["day"].to_numpy(), touchpoints["second"].to_numpy()
            ),
            "channel": touchpoints["channel"].tolist(),
            "stage": touchpoints["stage"].tolist(),
            "employee_id": employee_ids[touchpoints["employee"].to_numpy()].tolist(),
            "team_id": team_ids[touchpoints["team"].to_numpy()].tolist(),
            "note": touchpoints["note"].tolist(),
            "created_at": [now] * m,
            "updated_at": [now] * m,
        },
        on_batch=on_batch,
    )
    return {"teams": team_ids, "employees": employee_ids, "customers": customer_ids}


def refuse_if_not_empty(store: Store) -> None:
    n = customer_count(store)
    if n:
        raise StoreNotEmpty(
            _(
                "The database already holds {n} customers; the demo builds its company in an "
                "empty database. Run `cxm demo --replace` to delete ALL data in it first, or "
                "point CXM_DATABASE_URL at another database.",
                n=n,
            )
        )
