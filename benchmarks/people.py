"""Linkage at scale: 500 teams, 20,000 employees, 1,000,000 customers, two periods.

Simulates an employee index per team (the mean of its 40 employees' answers, 0–100) and
customers whose CSAT, NPS, churn, complaints and profit depend weakly on their team's index,
then times :func:`cxm.analytics.linkage.linkage` without the mixed model (aggregation, five
outcomes × Pearson, Spearman and the lagged view, 2,000 BCa resamples each) and, separately,
the MixedLM of CSAT on the customers of one period, and the team-level PLS path model
(employee satisfaction → service quality → CSAT → loyalty) with 2,000 team-cluster
resamples. Prints wall and CPU seconds and the load average.

    PYTHONPATH=src .venv/bin/python benchmarks/people.py [--customers 1000000] [--no-mixed]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
import pandas as pd

from cxm.analytics.linkage import linkage, mixed_model, team_outcomes
from cxm.people.path_model import team_path_model


def simulate(
    teams: int, employees: int, customers: int, seed: int = 1
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    periods = ["2025", "2026"]
    emp_frames, cust_frames = [], []
    team_of_employee = rng.integers(0, teams, employees)
    team_of_customer = rng.integers(0, teams, customers)
    for period in periods:
        quality = rng.normal(0, 1, teams)
        answers = 60 + 8 * quality[team_of_employee] + rng.normal(0, 15, employees)
        index = pd.Series(answers).groupby(team_of_employee).mean()
        emp_frames.append(
            pd.DataFrame(
                {"team_id": index.index, "period": period, "employee_index": index.to_numpy()}
            )
        )
        effect = 0.3 * quality[team_of_customer]
        csat = 3.8 + effect + rng.normal(0, 0.9, customers)
        asked = rng.random(customers) < 0.3
        cust_frames.append(
            pd.DataFrame(
                {
                    "team_id": team_of_customer,
                    "period": period,
                    "csat": np.where(asked, csat, np.nan),
                    "nps": np.where(asked, np.clip(np.round(2 * csat), 0, 10), np.nan),
                    "churned": rng.random(customers) < 0.08 - 0.01 * effect,
                    "complaints": rng.poisson(np.exp(-3 - 0.2 * effect)),
                    "profit": rng.normal(120 + 10 * effect, 40),
                }
            )
        )
    return pd.concat(emp_frames, ignore_index=True), pd.concat(cust_frames, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--employees", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--no-mixed", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    employee, customers = simulate(args.teams, args.employees, args.customers)
    print(
        f"simulated {args.teams} teams, {args.employees:,} employees, "
        f"{args.customers:,} customers × 2 periods in {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    result = linkage(employee, customers, resamples=2000)
    elapsed = time.perf_counter() - started
    print(f"linkage without the mixed model: {elapsed:.2f} s (goal < 20 s)")
    for link in result.links:
        p = link.pearson
        assert p is not None
        lag = link.lagged.r if link.lagged else float("nan")
        print(
            f"  {link.outcome:22s} r = {p.r:+.3f} [{p.low:+.3f}, {p.high:+.3f}]"
            f"  lagged r = {lag:+.3f}"
        )
    per_team = team_outcomes(customers).merge(employee, on=["team_id", "period"])
    rng = np.random.default_rng(2)
    index = per_team["employee_index"].to_numpy()
    chain = pd.DataFrame(
        {
            "team_id": per_team["team_id"],
            "period": per_team["period"],
            # construct means around the team's index (the simulation has one index only)
            **{c: index + rng.normal(0, 3, len(index)) for c in
               ("job_satisfaction", "engagement", "enablement", "intent_to_stay")},
            "service_csat": per_team["csat"] + rng.normal(0, 0.02, len(index)),
            "csat": per_team["csat"],
            "nps": per_team["nps"],
            "retention": 1 - per_team["churn_rate"],
        }
    )  # fmt: skip
    started, cpu = time.perf_counter(), time.process_time()
    model = team_path_model(chain, resamples=2000)
    total = model.total_es_loy
    print(
        f"team path model ({model.teams} teams × {model.periods} periods, 2,000 cluster "
        f"resamples): {time.perf_counter() - started:.2f} s wall, "
        f"{time.process_time() - cpu:.2f} s CPU; total ES→LOY "
        + ("—" if total is None else f"{total.estimate:.3f} [{total.low:.3f}, {total.high:.3f}]")
    )
    if not args.no_mixed:
        latest = customers[customers["period"] == "2026"].merge(
            employee[employee["period"] == "2026"][["team_id", "employee_index"]], on="team_id"
        )
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = mixed_model(latest, outcome="csat")
        elapsed = time.perf_counter() - started
        print(
            f"MixedLM (csat, {fit.customers:,} answers in {fit.teams} teams): {elapsed:.2f} s "
            f"(goal < 60 s); slope {fit.slope:.4f} [{fit.low:.4f}, {fit.high:.4f}], "
            f"ICC {fit.icc:.3f}"
        )
    print("load average (1, 5, 15 min): " + " / ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
