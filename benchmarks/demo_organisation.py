"""Time the demo's organisation step on its own (after the company step), on SQLite.

    PYTHONPATH=src python benchmarks/demo_organisation.py [customers]

Prints the seconds of the company step and of the organisation step, the rows written, and
the load average (the machine may be shared).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from cxm.demo.context import DemoContext
from cxm.demo.org_step import build_organisation
from cxm.demo.steps import build_company
from cxm.demo.truth import truth
from cxm.org.models import CustomerAssignment, Employee, Team
from cxm.store import Store


def main(customers: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'demo.db'}")
        ctx = DemoContext(store=store, customers=customers, seed=2024, truth=truth(2024, customers))
        start = time.perf_counter()
        build_company(ctx)
        company = time.perf_counter() - start
        start = time.perf_counter()
        build_organisation(ctx)
        organisation = time.perf_counter() - start
        with store.session() as s:
            counts = {
                m.__tablename__: s.scalar(select(func.count()).select_from(m))
                for m in (Team, Employee, CustomerAssignment)
            }
        store.close()
    print(f"customers {customers}: company step {company:.2f} s, organisation step "
          f"{organisation:.2f} s; rows {counts}; load average {os.getloadavg()}")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
