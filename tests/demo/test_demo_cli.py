"""``cxm demo`` from the command line, in-process and as a new user runs it. These run
every step of the demo (the report included), so they are few and marked slow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail


@pytest.fixture(autouse=True)
def _report_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXM_REPORT_DIR", str(tmp_path / "reports"))


@pytest.mark.slow
def test_demo_prints_json_refuses_a_filled_database_and_replaces_it(cxm) -> None:  # type: ignore[no-untyped-def]
    r = cxm("demo", "--customers", "200", "--seed", "4", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["customers"] == 200
    assert {"top20_profit_share", "churn_reasons", "teams", "profit", "churned_share"} <= set(data)
    assert data["churn_reasons"]["staff_indifference"]["benchmark"] == 0.68
    assert 0 < data["top20_profit_share"] < 1

    refused = cxm("demo", "--customers", "200")
    assert refused.exit_code == 1
    assert "already holds 200 customers" in refused.stderr
    assert "--replace" in refused.stderr
    assert "Traceback" not in refused.stderr

    again = cxm("demo", "--customers", "200", "--seed", "4", "--replace", lang="zh-CN")
    assert again.exit_code == 0, again.stderr
    for text in ("示例公司", "前 20% 客户的利润占比", "客户流失原因", "员工冷漠", "文献基准"):
        assert text in again.stdout


@pytest.mark.slow
def test_a_new_user_runs_the_demo_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "cxm"
    if not script.exists():
        skip_or_fail(f"console script not installed at {script}")
    env = {**os.environ, "CXM_DATABASE_URL": f"sqlite:///{tmp_path / 'cxm.db'}", "CXM_LANG": ""}
    done = subprocess.run(
        [str(script), "demo", "--customers", "500", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["customers"] == 500
    assert "churn_reasons" in data and "top20_profit_share" in data
    # the management step: value tiers kept in the store, targets set per tier
    segments = data["steps"]["segments"]
    key = next(t for t in segments["value"] if t["segment"] == "key")
    assert key["share_customers"] == pytest.approx(0.2, abs=0.01)
    assert key["share_profit"] == pytest.approx(data["top20_profit_share"], abs=0.01)
    kpis = {(t["segment"], t["kpi"]) for t in segments["targets"]}
    assert {("key", "csat"), ("other", "csat"), ("key", "churn_rate")} <= kpis
    target = {(t["segment"], t["kpi"]): t["target"] for t in segments["targets"]}
    assert target["key", "csat"] >= target["other", "csat"]  # the valuable tier is asked more
    assert target["key", "churn_rate"] <= target["other", "churn_rate"]
    report = subprocess.run(
        [str(script), "targets", "report", "value", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout), "targets against actuals after the demo"
