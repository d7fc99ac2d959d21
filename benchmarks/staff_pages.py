"""Time the staff pages of issue 17 items 3–6 (customers, questionnaires, waves, segments,
targets) through the real app on an existing database, e.g. the 20,000-customer demo:

    cxm demo                                   # CXM_DATABASE_URL=sqlite:///demo.db
    .venv/bin/python benchmarks/staff_pages.py --db sqlite:///demo.db [--runs 30]

Signs in an admin (created if missing, with an API token), requests each page ``--runs``
times in-process (the ASGI app through its TestClient: server time, no network) and prints
p50 / p95 wall and CPU milliseconds per page, the compressed page weight, and the load
average; asserts nothing. With ``--plans`` it prints the query plans of the customer search
(an index, never a scan of the customers). Goal (issue 17): p95 < 300 ms at 20,000 customers.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import statistics
import time
import warnings
from typing import Any


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _admin_token(store: Any) -> str:
    from sqlalchemy import select

    from cxm.accounts import create_token, create_user
    from cxm.accounts.models import StaffUser
    from cxm.accounts.passwords import hash_password

    with store.session() as s:
        if s.scalar(select(StaffUser.id).where(StaffUser.name == "bench-admin")) is None:
            create_user(s, name="bench-admin", role="admin", password_hash=hash_password("x" * 16))
        return create_token(s, name="bench-admin", label="bench").secret


def _targets(store: Any) -> dict[str, Any]:
    from sqlalchemy import func, select

    from cxm.customers.models import Customer
    from cxm.management.models import SegmentDefinition
    from cxm.surveys.models import Questionnaire, Wave

    with store.session() as s:
        top = s.scalar(select(func.max(Customer.id))) or 1
        rng = random.Random(7)
        ids = [rng.randint(1, top) for _ in range(200)]
        rows = s.execute(
            select(Customer.id, Customer.external_id, Customer.name, Customer.phone).where(
                Customer.id.in_(ids)
            )
        ).all()
        wave = s.scalar(select(Wave.id).order_by(Wave.id.desc()).limit(1))
        q = s.scalar(select(Questionnaire.code).order_by(Questionnaire.id).limit(1))
        d = s.scalar(select(SegmentDefinition.name).order_by(SegmentDefinition.id).limit(1))
    return {"customers": rows, "wave": wave, "questionnaire": q, "definition": d}


def _pages(t: dict[str, Any]) -> dict[str, Any]:
    rows = t["customers"]
    pages: dict[str, Any] = {
        "customers: search by id": lambda i: f"/staff/customers?q={rows[i % len(rows)][1]}",
        "customers: search by name prefix": lambda i: (
            "/staff/customers?q=" + (rows[i % len(rows)][2] or "王")[:1]
        ),
        "customers: search by phone": lambda i: f"/staff/customers?q={rows[i % len(rows)][3]}",
        "customer 360": lambda i: f"/staff/customers/{rows[i % len(rows)][0]}",
        "questionnaires": lambda i: "/staff/questionnaires",
        "waves": lambda i: "/staff/waves",
        "waves/new": lambda i: "/staff/waves/new",
        "segments": lambda i: "/staff/segments",
    }
    if t["questionnaire"]:
        q = t["questionnaire"]
        pages["questionnaire (versions)"] = lambda i: f"/staff/questionnaires/{q}"
        pages["questionnaire preview"] = lambda i: f"/staff/questionnaires/{q}/preview"
        pages["questionnaire editor"] = lambda i: f"/staff/questionnaires/{q}/edit"
    if t["wave"]:
        w = t["wave"]
        pages["wave"] = lambda i: f"/staff/waves/{w}"
        pages["wave: send (preview)"] = lambda i: f"/staff/waves/{w}/send"
        pages["wave: interview lookup"] = lambda i: f"/staff/waves/{w}/interview"
    if t["definition"]:
        d = t["definition"]
        pages["targets"] = lambda i: f"/staff/targets?definition={d}&kpi=csat"
        pages["targets: proposals (on request)"] = lambda i: (
            f"/staff/targets?definition={d}&kpi=csat&propose=true"
        )
    return pages


def _plans(store: Any) -> None:
    from sqlalchemy import select

    from cxm.customers.models import Customer

    c = Customer
    stmts = {
        "external id": select(c.id).where(c.external_id == "C000001"),
        "phone": select(c.id).where(c.phone == "13800000000"),
        "e-mail": select(c.id).where(c.email == "a@b.cn"),
        "name prefix": select(c.id).where(c.name >= "王", c.name < "王\uffff").limit(50),
    }
    with store.engine.connect() as conn:
        for label, stmt in stmts.items():
            sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
            prefix = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
            plan = [" ".join(map(str, r)) for r in conn.exec_driver_sql(prefix + sql)]
            print(f"{label}: " + " | ".join(plan))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=os.environ.get("CXM_DATABASE_URL"))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--plans", action="store_true")
    args = parser.parse_args()
    from cxm.config import Settings
    from cxm.store import Store
    from cxm.web.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    store = Store.open(args.db)
    if args.plans:
        _plans(store)
    token = _admin_token(store)
    targets = _targets(store)
    settings = Settings(database_url=args.db, env="test", secret_key="b" * 48)
    app = create_app(settings, store=store)
    headers = {"Authorization": f"Bearer {token}", "accept": "text/html"}
    print(f"load average before: {os.getloadavg()}")
    print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'p95 CPU':>8} {'KB gz':>6}  status")
    with TestClient(app, raise_server_exceptions=False) as client:
        for name, url_of in _pages(targets).items():
            client.get(url_of(0), headers=headers)  # warm: templates, caches
            wall, cpu, statuses, size = [], [], set(), 0
            for i in range(args.runs):
                t0, c0 = time.perf_counter(), time.process_time()
                r = client.get(url_of(i), headers=headers)
                wall.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
                statuses.add(r.status_code)
                size = len(gzip.compress(r.content))
            print(
                f"{name:34} {statistics.median(wall):8.1f} {_pct(wall, 0.95):8.1f} "
                f"{_pct(cpu, 0.95):8.1f} {size / 1024:6.1f}  {sorted(statuses)}"
            )
    print(f"load average after: {os.getloadavg()}")
    store.close()


if __name__ == "__main__":
    main()
