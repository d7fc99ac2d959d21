"""``cxm text …`` on files, and ``cxm text report`` on the store."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def _comments(path: Path, n: int = 240) -> Path:
    rng = np.random.default_rng(4)
    rows = []
    for i in range(n):
        wait = rng.random() < 0.4
        text = "排队等了一个小时，太慢了" if wait else "店员很热情，安装也很顺利"
        if rng.random() < 0.2:
            text += "，希望推出更长的保修"
        rows.append(
            {
                "id": i,
                "comment": text,
                "segment": ["A", "B"][i % 2],
                "wave": "Q1" if i < n / 2 else "Q2",
                "detractor": int(rng.random() < (0.6 if wait else 0.2)),
                "value": float(1 + i % 7),
            }
        )
    df = pd.DataFrame(rows)
    df.loc[5, "comment"] = ""
    out = path / "comments.csv"
    df.to_csv(out, index=False)
    return out


def test_analyze_prints_one_json_document(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    file = _comments(tmp_path)
    result = cxm("text", "analyze", str(file), "--column", "comment", "--json")
    assert result.exit_code == 0, result.stdout + result.stderr
    doc = json.loads(result.stdout)
    assert doc["texts"] == 240 and doc["analysed"] == 239 and doc["skipped"] == {"empty": 1}
    assert doc["sentiment"]["model_metrics"]["heldout"]["n"] > 3000
    assert doc["themes"]["process.waiting"] == sum("排队" in r["text"] for r in doc["rows"])
    out = tmp_path / "rows.csv"
    table = cxm("text", "analyze", str(file), "--column", "comment", "--output", str(out))
    assert table.exit_code == 0 and len(pd.read_csv(out)) == 240


def test_a_missing_column_is_named(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cxm("text", "analyze", str(_comments(tmp_path)), "--column", "nope")
    assert result.exit_code != 0
    assert "nope" in (result.stdout + result.stderr) and "comment" in (
        result.stdout + result.stderr
    )
    assert "Traceback" not in (result.stdout + result.stderr)


def test_report_gives_lift_and_routing(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    file = _comments(tmp_path)
    result = cxm(
        "text", "report", str(file), "--column", "comment", "--segment", "segment",
        "--wave", "wave", "--detractor", "detractor", "--value", "value", "--customer", "id",
        "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stdout + result.stderr
    doc = json.loads(result.stdout)
    lift = {r["theme"]: r for r in doc["lift_detractor"]}
    assert lift["process.waiting"]["ci_low"] > 1
    assert doc["routing"][0]["theme"] == "product_request"
    assert doc["quotes"]["process.waiting"]


@pytest.mark.slow  # several seconds: in `make test`, not `make test-fast`
def test_train_writes_a_model_with_its_card(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        {"t": "服务很好，很满意", "y": "positive"},
        {"t": "太差了，再也不来", "y": "negative"},
    ] * 15
    rows += [{"t": f"第{i}次来，态度不错", "y": 1} for i in range(10)]
    rows += [{"t": f"等了{i}个小时没人理", "y": 0} for i in range(10)]
    file = tmp_path / "labelled.csv"
    pd.DataFrame(rows).to_csv(file, index=False)
    out = tmp_path / "mine.skops"
    result = cxm(
        "text", "train", str(file), "--text", "t", "--label", "y", "--out", str(out), "--json"
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    card = json.loads(result.stdout)
    assert card["data"]["texts"] == 50 and card["metrics"]["cv5"]["accuracy"] > 0.9
    assert (tmp_path / "mine.card.json").exists()
    bad = tmp_path / "bad.csv"
    pd.DataFrame([{"t": "x", "y": "maybe"}]).to_csv(bad, index=False)
    refused = cxm("text", "train", str(bad), "--text", "t", "--label", "y", "--out", str(out))
    assert (
        refused.exit_code != 0
        and "Row 1" in (refused.stdout + refused.stderr)
        and "maybe" in (refused.stdout + refused.stderr)
    )


def test_analyze_with_a_staff_label_model_shows_its_precision(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [{"t": f"第{i}次被转到别的部门", "y": "runaround;angry"} for i in range(20)]
    rows += [{"t": f"第{i}次来，安装很顺利", "y": ""} for i in range(30)]
    coded = tmp_path / "coded.csv"
    pd.DataFrame(rows).to_csv(coded, index=False)
    model = tmp_path / "labels.skops"
    trained = cxm(
        "text",
        "train",
        str(coded),
        "--text",
        "t",
        "--label",
        "y",
        "--task",
        "labels",
        "--out",
        str(model),
    )
    assert trained.exit_code == 0, trained.stdout + trained.stderr
    file = _comments(tmp_path)
    result = cxm("text", "analyze", str(file), "--column", "comment", "--labels-model", str(model))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "precision" in result.stdout and "runaround" in result.stdout


def test_a_label_model_of_one_fault_is_a_yes_no_model(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # One coded fault only (was an IndexError): trained, carded and applied like any other.
    rows = [{"t": f"第{i}次被转到别的部门，没人负责", "y": "runaround"} for i in range(20)]
    rows += [{"t": f"第{i}次来，安装很顺利", "y": ""} for i in range(30)]
    coded = tmp_path / "coded.csv"
    pd.DataFrame(rows).to_csv(coded, index=False)
    model = tmp_path / "one.skops"
    args = ["--text", "t", "--label", "y", "--task", "labels", "--out", str(model), "--json"]
    trained = cxm("text", "train", str(coded), *args)
    assert trained.exit_code == 0, trained.stdout + trained.stderr
    card = json.loads(trained.stdout)
    assert card["classes"] == ["runaround"]
    assert card["metrics"]["cv5"]["runaround"]["recall"] > 0.9
    cases = tmp_path / "cases.csv"
    pd.DataFrame({"text": ["电话被转到别的部门好几次", "师傅安装很顺利"]}).to_csv(
        cases, index=False
    )
    used = cxm("text", "analyze", str(cases), "--column", "text", "--labels-model", str(model))
    assert used.exit_code == 0, used.stdout + used.stderr
    assert "runaround" in used.stdout
