"""Whole-process speed of the everyday commands, each against its goal (issue 12).

    .venv/bin/python benchmarks/cli.py [--customers 20000] [--repeat 5] [--fresh]

Builds once (kept in benchmarks/data/) a demo company on SQLite, a 10,000-row answers CSV
(five-point items Q1–Q3, a region, a 0–10 recommend item) and a 10,000-row CSV of the ECSI
model's indicators (``cxm.analytics.pls.simulate``, seed 2). Then runs each command as a
user would — a fresh ``cxm`` process — ``--repeat`` times and prints the median wall time
against its goal, and the times from ``cxm serve`` to the first answer of ``/healthz``
(accepting connections: a lone process answers 503 "starting" while it builds the app) and
to its first 200 (serving).
Figures also go to benchmarks/results/cli.json. Asserts nothing; prints the load average
(the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
DATA = HERE / "data"
RESULTS = HERE / "results"
# what the installed `cxm` program runs (pyproject's [project.scripts])
CXM = [sys.executable, "-c", "from cxm.cli import entry; entry()"]


def _env(db: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["CXM_DATABASE_URL"] = f"sqlite:///{db}"
    env.setdefault("PYTHONPATH", str(HERE.parent / "src"))
    return env


def build(customers: int, fresh: bool) -> tuple[Path, Path, Path]:
    """The demo database and the two CSVs, built once."""
    DATA.mkdir(exist_ok=True)
    db = DATA / f"cli-demo-{customers}.db"
    if fresh or not db.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        print(f"building the demo company ({customers:,} customers) in {db} …", flush=True)
        subprocess.run(
            [*CXM, "demo", "--customers", str(customers), "--json"],
            env=_env(db),
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=DATA,
        )
    answers = DATA / "cli-answers-10000.csv"
    if fresh or not answers.exists():
        rng = np.random.default_rng(1)
        n = 10_000
        shares = [0.05, 0.1, 0.2, 0.4, 0.25]
        frame = pd.DataFrame({f"Q{i}": rng.choice([1, 2, 3, 4, 5], n, p=shares) for i in (1, 2, 3)})
        frame["region"] = rng.choice(["north", "south", "east", "west"], n)
        frame["REC"] = rng.integers(0, 11, n)
        frame.to_csv(answers, index=False)
    ecsi = DATA / "cli-ecsi-10000.csv"
    if fresh or not ecsi.exists():
        from cxm.analytics.pls import load_template
        from cxm.analytics.pls.simulate import simulate

        simulate(load_template("ecsi"), 10_000, seed=2).to_csv(ecsi, index=False)
    return db, answers, ecsi


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_seconds(args: list[str], env: dict[str, str], repeat: int) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds (user + system: what a busy machine
    does not inflate much) of a whole ``cxm`` process."""
    times, cpus = [], []
    for _ in range(repeat):
        c0, t0 = _children_cpu(), time.perf_counter()
        done = subprocess.run([*CXM, *args], env=env, capture_output=True, cwd=DATA)
        times.append(time.perf_counter() - t0)
        cpus.append(_children_cpu() - c0)
        if done.returncode != 0:
            raise SystemExit(f"cxm {' '.join(args)} failed:\n{done.stderr.decode()[-2000:]}")
    return statistics.median(times), statistics.median(cpus)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_seconds(env: dict[str, str], repeat: int) -> tuple[float, float]:
    """From starting ``cxm serve`` to its first answer of ``/healthz`` (any status: it
    accepts connections; a lone process says "starting" with 503 while it builds the app)
    and to the first 200 (it serves): the two medians."""
    accepting, ready = [], []
    for _ in range(repeat):
        port = _free_port()
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [*CXM, "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=DATA,
        )
        answered: float | None = None
        try:
            while True:
                if proc.poll() is not None:
                    raise SystemExit("cxm serve exited before answering")
                try:
                    url = f"http://127.0.0.1:{port}/healthz"
                    with urllib.request.urlopen(url, timeout=1) as reply:
                        if reply.status == 200:
                            break
                except urllib.error.HTTPError:  # 503 "starting"
                    if answered is None:
                        answered = time.perf_counter() - t0
                    time.sleep(0.02)
                except OSError:
                    time.sleep(0.02)
                if time.perf_counter() - t0 > 120:
                    raise SystemExit("cxm serve did not answer within 120 s")
            done = time.perf_counter() - t0
            accepting.append(done if answered is None else answered)
            ready.append(done)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return statistics.median(accepting), statistics.median(ready)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="rebuild the data first")
    opts = parser.parse_args()
    if shutil.which("cxm") is None and "PYTHONPATH" not in os.environ:
        print("note: cxm runs as `python -c 'from cxm.cli import entry; entry()'`")
    # A user's install holds the bytecode of its modules (pip writes it; an editable install
    # writes it at first import unless PYTHONDONTWRITEBYTECODE is set, as it is on some
    # machines): compile CXM's sources once, so that no run measures the compiler.
    import compileall

    compileall.compile_dir(str(HERE.parent / "src"), quiet=1)
    db, answers, ecsi = build(opts.customers, opts.fresh)
    env = _env(db)
    commands: list[tuple[str, list[str], float]] = [
        ("cxm --help", ["--help"], 0.3),
        ("cxm targets report value", ["targets", "report", "value"], 1.5),
        (
            "cxm scores (10,000 rows)",
            [
                "scores",
                str(answers),
                "--items",
                "Q1,Q2,Q3",
                "--by",
                "region",
                "--nps",
                "REC",
            ],
            1.5,
        ),
        ("cxm churn report", ["churn", "report"], 1.5),
        ("cxm segments show value", ["segments", "show", "value"], 1.5),
        (
            "cxm analyze --model ecsi --bootstrap 5000 (10,000 rows)",
            ["analyze", str(ecsi), "--model", "ecsi", "--bootstrap", "5000", "--seed", "1"],
            2.0,
        ),
    ]
    load_before = os.getloadavg()
    figures: list[dict[str, object]] = []
    print(f"{'command':<58} {'median s':>9} {'CPU s':>6} {'goal s':>7}")
    for label, args, goal in commands:
        seconds, cpu = median_seconds(args, env, opts.repeat)
        figures.append({"command": label, "median_s": seconds, "cpu_s": cpu, "goal_s": goal})
        flag = "" if seconds <= goal else "  (over the goal)"
        print(f"{label:<58} {seconds:>9.2f} {cpu:>6.2f} {goal:>7.1f}{flag}", flush=True)
    accepting, ready = serve_seconds(env, opts.repeat)
    figures.append(
        {"command": "cxm serve → /healthz answers", "median_s": accepting, "goal_s": 3.0}
    )
    figures.append({"command": "cxm serve → /healthz 200 (serving)", "median_s": ready})
    flag = "" if accepting <= 3.0 else "  (over the goal)"
    print(
        f"{'cxm serve → first answer of /healthz':<58} {accepting:>9.2f} {'':>6} {3.0:>7.1f}{flag}"
    )
    print(f"{'cxm serve → /healthz 200 (serving)':<58} {ready:>9.2f}")
    load_after = os.getloadavg()
    cores = os.cpu_count()
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} ({cores} cores)")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "cli.json"
    out.write_text(
        json.dumps(
            {
                "customers": opts.customers,
                "repeat": opts.repeat,
                "load_average": {"before": load_before, "after": load_after},
                "cores": os.cpu_count(),
                "figures": figures,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"figures written to {out}")


if __name__ == "__main__":
    main()
