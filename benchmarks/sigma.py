"""Defects over many opportunities with compiled rules, and a control chart over many points.

1. ``--opportunities`` records (default 10,000,000) spread over 30 standards and 12 months,
   in memory as numpy columns; each standard's rule is compiled from its text and counted
   per month and team with :func:`cxm.standards.defects.count_defects` (goal < 2 s).
2. A p chart with Nelson rules over ``--points`` points (default 100,000; goal < 0.5 s).
3. ``--store-records`` touchpoints (default 50,000) in a fresh SQLite store, read and checked
   with ``check_standards`` (the store read timed separately from the counting).

    .venv/bin/python benchmarks/sigma.py
    .venv/bin/python benchmarks/sigma.py --opportunities 1000000 --store-records 0
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cxm.analytics.control_charts import control_chart
from cxm.standards.defects import count_defects
from cxm.standards.rules import compile_rule

SCHEMA = {
    "wait_seconds": "number",
    "greeted": "bool",
    "days_late": "number",
    "csat": "number",
    "returned": "bool",
}
RULES = [
    "wait_seconds <= 20",
    "greeted",
    "days_late <= 0",
    "csat >= 4",
    "not returned or days_late <= 14",
    "wait_seconds <= 60 and csat >= 3",
]


def _columns(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    greeted = (rng.random(n) < 0.97).astype(float)
    return {
        "wait_seconds": rng.exponential(8.0, n),
        "greeted": greeted,
        "days_late": np.floor(rng.normal(-2.0, 2.0, n)),
        "csat": rng.integers(1, 6, n).astype(float),
        "returned": (rng.random(n) < 0.05).astype(float),
    }


def opportunities(n: int) -> None:
    rng = np.random.default_rng(18)
    cols = _columns(n, rng)
    standard = rng.integers(0, 30, n)
    month = rng.integers(0, 12, n)
    team = rng.integers(0, 8, n)
    # records arrive grouped by standard (each standard reads its own stage's records)
    order = np.argsort(standard, kind="stable")
    cols = {k: v[order] for k, v in cols.items()}
    month, team, standard = month[order], team[order], standard[order]
    bounds = np.searchsorted(standard, np.arange(31))
    t0 = time.perf_counter()
    total_defects = total_opps = 0
    for s in range(30):
        lo, hi = bounds[s], bounds[s + 1]
        rule = compile_rule(RULES[s % len(RULES)], SCHEMA)
        part = {k: v[lo:hi] for k, v in cols.items()}
        counted = count_defects(part, rule, keys={"month": month[lo:hi], "team": team[lo:hi]})
        total_defects += int(counted["defects"].sum())
        total_opps += int(counted["opportunities"].sum())
    elapsed = time.perf_counter() - t0
    print(
        f"defects: {total_opps:,} opportunities, 30 standards x 12 months x 8 teams, "
        f"{total_defects:,} defects in {elapsed:.2f} s (goal < 2 s)"
    )


def chart(points: int) -> None:
    rng = np.random.default_rng(6)
    sizes = rng.integers(80, 120, points)
    frame = pd.DataFrame({"d": rng.binomial(sizes, 0.05), "n": sizes})
    t0 = time.perf_counter()
    result = control_chart(frame, "p", "d", "n", base=1000)
    elapsed = time.perf_counter() - t0
    print(
        f"p chart: {points:,} points, {len(result.violations):,} rule violations listed "
        f"in {elapsed:.3f} s (goal < 0.5 s)"
    )


def store(records: int) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert

    from cxm.customers.codes import JourneyStage
    from cxm.customers.models import Customer, Touchpoint
    from cxm.standards.checking import check_standards
    from cxm.standards.definitions import load_standards
    from cxm.standards.models import RecordFields
    from cxm.store import Store

    rng = np.random.default_rng(3)
    with tempfile.TemporaryDirectory() as tmp:
        st = Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
        yaml_lines = ["fields:", "  touchpoints: {wait_seconds: number, csat: number}"]
        yaml_lines.append("standards:")
        for i, rule in enumerate(["wait_seconds <= 20", "csat >= 4", "wait_seconds <= 60"]):
            yaml_lines += [
                f"  - {{code: S{i}, name: S{i}, stage: sale, kind: procedure, owner: o,"
                f" unit: call, source: touchpoints, rule: '{rule}'}}"
            ]
        with st.session() as s:
            load_standards(s, "\n".join(yaml_lines))
            s.execute(
                insert(Customer), [{"external_id": f"C{i}", "attributes": {}} for i in range(1000)]
            )
        start = datetime(2026, 1, 1, tzinfo=UTC)
        with st.session() as s:
            s.execute(
                insert(Touchpoint),
                [
                    {
                        "external_id": f"T{i}",
                        "customer_id": int(i % 1000) + 1,
                        "occurred_at": start + timedelta(minutes=int(i)),
                        "channel": "phone",
                        "stage": JourneyStage.SALE,
                    }
                    for i in range(records)
                ],
            )
            s.execute(
                insert(RecordFields),
                [
                    {
                        "source": "touchpoints",
                        "record_id": i + 1,
                        "values": {
                            "wait_seconds": float(rng.exponential(8)),
                            "csat": int(rng.integers(1, 6)),
                        },
                    }
                    for i in range(records)
                ],
            )
        from cxm.standards.checking import source_frame

        with st.session() as s:
            t0 = time.perf_counter()
            frame = source_frame(s, "touchpoints")
            read = time.perf_counter() - t0
        with st.session() as s:
            t0 = time.perf_counter()
            result = check_standards(s)
            total = time.perf_counter() - t0
        st.close()
    print(
        f"store (SQLite): {len(frame):,} touchpoints read with their fields in {read:.2f} s; "
        f"check of 3 standards ({result.opportunities:,} opportunities) incl. read and write "
        f"in {total:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opportunities", type=int, default=10_000_000)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--store-records", type=int, default=50_000)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    opportunities(args.opportunities)
    chart(args.points)
    if args.store_records:
        store(args.store_records)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
