"""``cxm import …`` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CUSTOMERS = "客户编号,姓名,邮箱,未知列\nC001,张三,zhang@example.cn,x\nC002,李四,,y\n"


def test_it_imports_and_prints_counts_and_warnings(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "c.csv"
    path.write_text(CUSTOMERS, encoding="utf-8")
    r = cxm("import", "customers", str(path))
    assert r.exit_code == 0, r.stderr
    assert "inserted" in r.stdout
    assert "'未知列' is not a known field" in r.stderr


def test_json_output_is_machine_readable(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "c.csv"
    path.write_text(CUSTOMERS, encoding="utf-8")
    first = json.loads(cxm("import", "customers", str(path), "--json").stdout)
    assert (first["inserted"], first["updated"], first["unchanged"]) == (2, 0, 0)
    again = json.loads(cxm("import", "customers", str(path), "--json").stdout)
    assert (again["inserted"], again["unchanged"]) == (0, 2)


def test_a_dry_run_saves_nothing(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "c.csv"
    path.write_text(CUSTOMERS, encoding="utf-8")
    dry = json.loads(cxm("import", "customers", str(path), "--json", "--dry-run").stdout)
    assert (dry["inserted"], dry["dry_run"]) == (2, True)
    real = json.loads(cxm("import", "customers", str(path), "--json").stdout)
    assert real["inserted"] == 2


def test_problems_are_listed_in_chinese_and_the_exit_code_is_1(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "c.csv"
    path.write_text("客户编号,邮箱\nC001,坏邮箱\nC001,\n", encoding="utf-8")
    r = cxm("import", "customers", str(path), lang="zh-CN")
    assert r.exit_code == 1
    assert "发现 2 个问题，未导入任何数据" in r.stderr
    assert "第 1 行" in r.stderr and "不是有效的电子邮箱地址" in r.stderr
    assert "编号重复：第 1 行的编号相同" in r.stderr
    assert "Traceback" not in r.stderr


def test_json_problems_go_to_stdout(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "c.csv"
    path.write_text("customer_id,email\nC1,bad\n", encoding="utf-8")
    r = cxm("import", "customers", str(path), "--json")
    assert r.exit_code == 1
    out = json.loads(r.stdout)
    assert out["error"] == "validation_failed"
    assert out["details"] == [
        {"row": 1, "column": "email", "value": "bad", "reason": "not an e-mail address"}
    ]


def test_purchases_and_touchpoints_commands(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    c = tmp_path / "c.csv"
    c.write_text(CUSTOMERS, encoding="utf-8")
    p = tmp_path / "p.csv"
    p.write_text('客户编号,购买日期,产品,金额\nC001,2024-01-05,茶,"¥1,234.50"\n', "utf-8")
    t = tmp_path / "t.csv"
    t.write_text("客户编号,时间,环节,团队\nC002,2024-01-05 09:00,售后,一组\n", "utf-8")
    assert cxm("import", "customers", str(c)).exit_code == 0
    assert json.loads(cxm("import", "purchases", str(p), "--json").stdout)["inserted"] == 1
    assert json.loads(cxm("import", "touchpoints", str(t), "--json").stdout)["inserted"] == 1


def test_a_missing_file_is_one_clear_message(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = cxm("import", "customers", str(tmp_path / "missing.csv"))
    assert r.exit_code == 1
    text = "".join(r.stderr.split())  # rich wraps long paths anywhere
    assert text.startswith("Error:") and text.endswith("missing.csv:nosuchfile.")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unreachable_database_is_one_clear_message(
    cxm,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / "c.csv"
    path.write_text(CUSTOMERS, encoding="utf-8")
    monkeypatch.setenv("CXM_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    r = cxm("import", "customers", str(path))
    assert r.exit_code == 1
    text = " ".join(r.stderr.split())
    assert text.startswith("Error: Cannot reach the database postgresql+psycopg://nobody@")
    assert "Traceback" not in r.stderr
