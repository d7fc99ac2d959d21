"""The commands whose ``--json`` outputs are kept in ``tests/golden/`` and how to run them.

One fixed-seed demo company of :data:`CUSTOMERS` customers on SQLite, the answers of its
four survey waves exported to one CSV ("don't know" as blanks; for ``scores``, ``drivers``
and ``analyze``), then each command of :data:`COMMANDS` run in this process through
``cxm.cli.main``. Keys whose values change from run to run (a path, seconds, a timestamp)
are dropped (:data:`VOLATILE`). Used by ``test_golden.py`` and ``regenerate.py``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
CUSTOMERS = 2_000
SEED = 2024
WAVES = ("2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3")
#: Keys whose values differ between two runs of the same command on the same data.
VOLATILE = frozenset({"seconds", "path", "generated_at", "created_at", "computed_at", "since"})

#: name → arguments; ``{answers}`` is the exported answers CSV.
COMMANDS: dict[str, list[str]] = {
    "demo": ["demo", "--customers", str(CUSTOMERS), "--seed", str(SEED), "--json"],
    "customers_show": ["customers", "show", "C000042", "--json"],
    "segments_show_value": ["segments", "show", "value", "--json"],
    "targets_report_value": ["targets", "report", "value", "--json"],
    "churn_report": ["churn", "report", "--json"],
    "churn_report_value": ["churn", "report", "--segments", "value", "--json"],
    "churn_survival": ["churn", "survival", "--by", "satisfaction", "--json"],
    "churn_risk": ["churn", "risk", "--json"],
    "clv_value": ["clv", "--segments", "value", "--json"],
    "retention_simulate": [
        "retention", "simulate", "--segments", "value", "--cut", "0.05", "--json",
    ],
    "invest_value": ["invest", "--segments", "value", "--json"],
    "scores": [
        "scores", "{answers}", "--items", "PERQ1,PERQ2,PERQ3", "--by", "stratum",
        "--nps", "NPS", "--json",
    ],
    "drivers": [
        "drivers", "{answers}", "--outcome", "CUSA1", "--items", "PERQ1,PERQ2,PERQ3,PERV1",
        "--json",
    ],
    "analyze_ccsi": [
        "analyze", "{answers}", "--model", "ccsi", "--bootstrap", "200", "--seed", "1",
        "--json",
    ],
}  # fmt: skip


def _run(argv: list[str]) -> str:
    """Run ``cxm argv`` in this process; its standard output (raises on a non-zero exit)."""
    from cxm.cli import main

    out = io.StringIO()
    code: object = 0
    with contextlib.redirect_stdout(out):
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code
    if code not in (0, None):
        raise RuntimeError(f"cxm {' '.join(argv)} exited with {code}")
    return out.getvalue()


def stable(value: Any) -> Any:
    """``value`` without its :data:`VOLATILE` keys (at any depth)."""
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


@contextlib.contextmanager
def _environment(workdir: Path) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in ("CXM_DATABASE_URL", "CXM_LANG")}
    cwd = Path.cwd()
    os.environ["CXM_DATABASE_URL"] = f"sqlite:///{workdir / 'golden.db'}"
    os.environ["CXM_LANG"] = "en"
    os.chdir(workdir)  # the demo writes its report under ./reports
    try:
        yield
    finally:
        os.chdir(cwd)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_all(workdir: Path) -> dict[str, Any]:
    """Build the demo in ``workdir`` and return every command's parsed, stable output."""
    import pandas as pd

    outputs: dict[str, Any] = {}
    with _environment(workdir):
        outputs["demo"] = stable(json.loads(_run(COMMANDS["demo"])))
        parts = []
        for wave in WAVES:
            path = workdir / f"answers-{wave}.csv"
            _run(["responses", "export", wave, "--format", "csv", "--out", str(path)])
            parts.append(pd.read_csv(path, encoding="utf-8-sig"))
        answers = workdir / "answers.csv"
        # "dk" (don't know) as a blank: what a survey file from elsewhere would hold.
        pd.concat(parts, ignore_index=True).replace("dk", None).to_csv(answers, index=False)
        for name, argv in COMMANDS.items():
            if name == "demo":
                continue
            args = [a.replace("{answers}", str(answers)) for a in argv]
            outputs[name] = stable(json.loads(_run(args)))
    return outputs


def golden_path(name: str) -> Path:
    return HERE / f"{name}.json"


#: Differences below this are the last bits of the arithmetic, not a change of behaviour.
#: Figures that are differences of nearly equal numbers (Cohen's f² of a path worth 3e-5)
#: or far tails (p = 3e-158) carry the rounding of the BLAS kernels the CPU selects
#: (measured: the same code gives f² -2.71356645333e-05 on one host, …330e-05 on an AMD
#: EPYC one — relative 1e-11, absolute 3e-16), so a relative tolerance alone fails on them.
ABSOLUTE_FLOOR = 1e-15


def compare(expected: Any, actual: Any, *, rel: float = 1e-12, where: str = "") -> list[str]:
    """Every difference between two JSON values: numbers within relative tolerance ``rel``
    or :data:`ABSOLUTE_FLOOR` (NaN equals NaN), everything else exactly. Each difference
    names its path."""
    problems: list[str] = []
    if isinstance(expected, bool) or isinstance(actual, bool):
        if expected is not actual:
            problems.append(f"{where or '/'}: {expected!r} != {actual!r}")
    elif isinstance(expected, int | float) and isinstance(actual, int | float):
        if expected != actual and not (expected != expected and actual != actual):
            scale = max(abs(expected), abs(actual))
            if abs(expected - actual) > max(rel * scale, ABSOLUTE_FLOOR):
                problems.append(f"{where or '/'}: {expected!r} != {actual!r}")
    elif isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected.keys() | actual.keys():
            if key not in actual:
                problems.append(f"{where}/{key}: missing")
            elif key not in expected:
                problems.append(f"{where}/{key}: new")
            else:
                problems += compare(expected[key], actual[key], rel=rel, where=f"{where}/{key}")
    elif isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            problems.append(f"{where or '/'}: {len(expected)} items != {len(actual)} items")
        else:
            for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
                problems += compare(e, a, rel=rel, where=f"{where}/{i}")
    elif expected != actual:
        problems.append(f"{where or '/'}: {expected!r} != {actual!r}")
    return problems
