"""Benchmark: scores for 1,000,000 responses × 20 items by 50 segments.

Prints the time of CSAT + 100-point score + mean (``scores``) over 20 five-point items, of
NPS over one 0–10 recommend item and over 20 such items, and the peak memory (Python
allocations by tracemalloc, and the process's peak RSS). Target (issue 3): ≤ 2 s.

Run: ``.venv/bin/python benchmarks/scores.py [--rows N]``
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np
import pandas as pd

from cxm.analytics.scores import scores
from cxm.analytics.scores_nps import nps


def make_data(rows: int, items: int, segments: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {
        "segment": pd.Categorical.from_codes(
            rng.integers(0, segments, rows), [f"seg{i:02d}" for i in range(segments)]
        )
    }
    for i in range(items):
        q = rng.integers(1, 6, rows).astype(float)
        q[rng.random(rows) < 0.03] = np.nan
        cols[f"q{i + 1:02d}"] = q
    for i in range(items):
        cols[f"rec{i + 1:02d}"] = rng.integers(0, 11, rows).astype(np.int8)
    return pd.DataFrame(cols)


def timed(label: str, fn, repeat: int = 3) -> None:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label:<58} {best:7.3f} s  (best of {repeat}; {len(out):>5} rows out; "
        f"peak Python allocations {peak / 2**20:7.1f} MiB)"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--segments", type=int, default=50)
    args = ap.parse_args()
    t0 = time.perf_counter()
    df = make_data(args.rows, args.items, args.segments)
    print(
        f"data: {args.rows:,} responses × {args.items} five-point items + {args.items} "
        f"0–10 items, {args.segments} segments (built in {time.perf_counter() - t0:.1f} s)"
    )
    q = [f"q{i + 1:02d}" for i in range(args.items)]
    rec = [f"rec{i + 1:02d}" for i in range(args.items)]
    timed(
        "scores(): CSAT + 100-point + mean, 20 items × 50 segments",
        lambda: scores(df, q, by="segment"),
    )
    timed("nps(): 1 recommend item × 50 segments", lambda: nps(df, rec[:1], by="segment"))
    timed("nps(): 20 items × 50 segments", lambda: nps(df, rec, by="segment"))

    def everything() -> pd.DataFrame:
        a = scores(df, q, by="segment")
        b = nps(df, rec[:1], by="segment")
        return pd.concat([a, b])

    timed("total: scores() 20 items + nps() 1 item, 50 segments", everything)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS (data included): {rss:.0f} MiB")


if __name__ == "__main__":
    main()
