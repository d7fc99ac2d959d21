"""Export and erasure of one customer on a demo database: seconds per customer.

Erasure searches every free text of the whole database for the person's name, phone and
e-mail, so its cost grows with the database; this prints it for a demo of ``--customers``
customers (SQLite, and PostgreSQL when ``--postgres URL`` is given), with backup and
restore times of the same database.

    .venv/bin/python benchmarks/privacy.py --customers 5000
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import select, text

from cxm.customers.models import Customer
from cxm.demo import run_demo
from cxm.privacy.erase import erase_customer
from cxm.privacy.export import export_customer
from cxm.store import Store
from cxm.store.backup import backup, restore


def measure(url: str, customers: int, people: int, workdir: Path) -> None:
    store = Store.open(url)
    try:
        if store.dialect == "postgresql":
            names = [t for t in store.table_names() if t != "alembic_version"]
            with store.engine.begin() as conn:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " CASCADE"))
        started = time.perf_counter()
        run_demo(store, customers=customers, seed=7)
        built = time.perf_counter() - started
        print(f"{store.dialect}: demo of {customers} customers in {built:.1f} s")
        with store.session() as s:
            refs = list(s.scalars(select(Customer.external_id).order_by(Customer.id).limit(people)))
        started = time.perf_counter()
        for ref in refs:
            with store.session() as s:
                export_customer(s, reference=ref, done_by="bench", key=None)
        export_s = (time.perf_counter() - started) / len(refs)
        started = time.perf_counter()
        for ref in refs:
            with store.session() as s:
                erase_customer(s, reference=ref, done_by="bench")
        erase_s = (time.perf_counter() - started) / len(refs)
        print(f"  export {export_s * 1000:.0f} ms, erase {erase_s * 1000:.0f} ms per customer")
        started = time.perf_counter()
        result = backup(store, out=workdir / f"b-{store.dialect}")
        backup_s = time.perf_counter() - started
        started = time.perf_counter()
        restore(store, source=result.path)
        print(
            f"  backup {backup_s:.1f} s ({result.size_bytes / 1e6:.1f} MB), "
            f"restore {time.perf_counter() - started:.1f} s; load {os.getloadavg()[0]:.2f}"
        )
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--people", type=int, default=5, help="Customers exported and erased.")
    parser.add_argument("--postgres", default="", help="A PostgreSQL URL (its tables are emptied).")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}, cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as tmp:
        measure(f"sqlite:///{tmp}/cxm.db", args.customers, args.people, Path(tmp))
        if args.postgres:
            measure(args.postgres, args.customers, args.people, Path(tmp))


if __name__ == "__main__":
    main()
