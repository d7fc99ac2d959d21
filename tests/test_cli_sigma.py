"""`cxm sigma` and `cxm chart` on files: JSON equals the analytics; bad input is one line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parent / "data" / "control_charts"


@pytest.fixture()
def defects_file(tmp_path: Path) -> Path:
    path = tmp_path / "defects.csv"
    pd.DataFrame(
        {
            "stage": ["order", "order", "delivery", "delivery"],
            "defects": [1, 0, 30, 20],
            "opps": [500, 500, 500, 500],
        }
    ).to_csv(path, index=False)
    return path


def test_sigma_json_per_stage(cxm, defects_file: Path) -> None:  # type: ignore[no-untyped-def]
    r = cxm(
        "sigma", str(defects_file), "--defects", "defects", "--opportunities", "opps",
        "--by", "stage", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [g["stage"] for g in doc["groups"]] == ["delivery", "order"]
    assert doc["groups"][0]["dpmo"] == pytest.approx(50_000)
    assert doc["groups"][0]["sigma_level"] == pytest.approx(3.1449, abs=1e-4)


def test_sigma_table_in_chinese(cxm, defects_file: Path) -> None:  # type: ignore[no-untyped-def]
    r = cxm(
        "sigma", str(defects_file), "--defects", "defects", "--opportunities", "opps",
        lang="zh-CN",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "百万机会缺陷数" in r.stdout and "25500" in r.stdout


def test_sigma_refuses_defects_above_opportunities(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.csv"
    path.write_text("d,o\n1,4\n5,4\n", encoding="utf-8")
    r = cxm("sigma", str(path), "--defects", "d", "--opportunities", "o")
    assert r.exit_code == 1
    assert "Row 2, column d" in r.stderr and "exceed" in r.stderr


def test_chart_json_lists_out_of_control_points(cxm) -> None:  # type: ignore[no-untyped-def]
    r = cxm(
        "chart", str(DATA / "montgomery_orange_juice_cans.csv"), "--kind", "p",
        "--value", "nonconforming", "--size", "cans", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["limits"]["centre"] == pytest.approx(0.2313, abs=5e-5)
    assert doc["points"][0]["ucl"] == pytest.approx(0.4102, abs=5e-5)
    beyond = [v["point"] for v in doc["out_of_control"] if v["rule"] == "nelson_1"]
    assert beyond == [15, 23]


def test_chart_table_names_rules(cxm) -> None:  # type: ignore[no-untyped-def]
    r = cxm(
        "chart", str(DATA / "montgomery_orange_juice_cans.csv"), "--kind", "np",
        "--value", "nonconforming", "--size", "cans", "--base", "20",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    out = " ".join(r.stdout.split())
    assert "first 20 points" in out and "centre 10.7000" in out and "nelson_1" in out


def test_chart_refuses_too_few_points(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "short.csv"
    path.write_text("x\n1\n2\n3\n", encoding="utf-8")
    r = cxm("chart", str(path), "--kind", "xmr", "--value", "x")
    assert r.exit_code == 1 and "at least 20 base points" in r.stderr
    r = cxm("chart", str(path), "--kind", "c", "--value", "x")
    assert r.exit_code == 1 and "--kind must be" in r.stderr
