"""Time budgets for the slow kinds of test (pytest plugin loaded by ``tests/conftest.py``).

Each kind has a marker and a budget in seconds of test time (setup + call + teardown,
summed over the run, all workers). The terminal summary prints each kind's time against
its budget, so CI output shows which kind is eating ``.ci/run``'s 20 minutes. With
``CXM_ENFORCE_BUDGETS=1`` a kind over its budget fails the run.
"""

from __future__ import annotations

import os
from collections import defaultdict

import pytest

#: marker → budget in seconds (the whole run, every worker together).
#: Set from CI's runs (2026-12-06: browser 244–295 s, fuzz 83–122, spark 47–58, slow 612–676 of
#: a 15–18 min test run on two workers) with a little room: together they stay within about
#: 7 of the suite's minutes on two workers, so that .ci/run keeps under 20. fuzz since: the
#: stateful run starts each scenario from the same data and runs once (it ran twice when
#: cut short as flaky): the four fuzz tests took 62 s alone where they took 99 s before
#: (one process, load 2.3–2.7), so 90. slow since: fourteen tests of several seconds each
#: (every route × role × scope, a demo's backup round trip, 1,000 failed logins, worker races,
#: the demo report's every section …) moved from the unmarked tests to ``slow`` so that
#: ``make test-fast`` leaves them out (with the production-server module, text training and
#: the sentiment corpus split): ~130 s of CI's test time, so 720 + 190.
BUDGETS: dict[str, float] = {
    "browser": 330.0,
    "fuzz": 90.0,
    "spark": 300.0,
    "simulation": 180.0,
    "slow": 910.0,
}

_spent: dict[str, float] = defaultdict(float)


def pytest_configure(config: pytest.Config) -> None:
    for name, budget in BUDGETS.items():
        config.addinivalue_line(
            "markers", f"{name}: a slow kind of test; budget {budget:.0f} s per run"
        )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name in BUDGETS:
        if name in report.keywords:
            _spent[name] += report.duration


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    if not _spent:
        return
    terminalreporter.section("time budgets of the slow kinds of test")
    over = []
    for name, budget in BUDGETS.items():
        spent = _spent.get(name, 0.0)
        flag = "  OVER BUDGET" if spent > budget else ""
        terminalreporter.write_line(f"{name:<11} {spent:8.1f} s of {budget:6.0f} s{flag}")
        if spent > budget:
            over.append(name)
    if over and os.environ.get("CXM_ENFORCE_BUDGETS") == "1":
        terminalreporter.write_line(f"over budget (CXM_ENFORCE_BUDGETS=1): {', '.join(over)}")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CXM_ENFORCE_BUDGETS") != "1" or exitstatus != 0:
        return
    if any(_spent.get(name, 0.0) > budget for name, budget in BUDGETS.items()):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
