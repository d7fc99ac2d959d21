"""Run every benchmark (``make bench``) at modest sizes; figures to benchmarks/results/.

Each script runs in its own process; its printed figures, wall time and the load average
before and after go to ``benchmarks/results/<name>.json`` (``cli.py`` also writes its own
structured ``cli.json``). Asserts nothing. ``--only cli pls`` runs some of them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE / "results"

#: script → arguments for a run that finishes in minutes on a laptop.
BENCHMARKS: dict[str, list[str]] = {
    "cli": [],
    "pls": ["--quick"],
    "scores": ["--rows", "200000"],
    "demo": ["--customers", "20000"],
    "report": ["--customers", "20000", "--keep"],
    "segments": ["--customers", "100000", "--purchases", "1000000"],
    "import_customers": ["--rows", "100000", "--skip-postgres"],
    "responses_io": ["--rows", "20000"],
    "collect": ["--seconds", "5", "--postgres", ""],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="names of benchmarks to run")
    opts = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", str(HERE.parent / "src"))
    failed = []
    for name, args in BENCHMARKS.items():
        if opts.only and name not in opts.only:
            continue
        print(f"== {name} {' '.join(args)}", flush=True)
        load_before = os.getloadavg()
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(HERE / f"{name}.py"), *args],
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - t0
        print(done.stdout, end="", flush=True)
        if done.returncode:
            failed.append(name)
            print(done.stderr[-3000:], file=sys.stderr)
        (RESULTS / f"{name}.run.json").write_text(
            json.dumps(
                {
                    "script": f"benchmarks/{name}.py",
                    "args": args,
                    "returncode": done.returncode,
                    "seconds": seconds,
                    "load_average": {"before": load_before, "after": os.getloadavg()},
                    "cores": os.cpu_count(),
                    "output": done.stdout.splitlines(),
                },
                ensure_ascii=False,
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
