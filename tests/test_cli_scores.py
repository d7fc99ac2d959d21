"""`cxm scores` and `cxm drivers` on a file: JSON equals the analytics; errors are one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxm.analytics.drivers import key_drivers
from cxm.analytics.scores import scores


@pytest.fixture()
def answers(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(9)
    n = 200
    df = pd.DataFrame(
        {
            "seg": ["gold"] * 10 + ["standard"] * (n - 10),
            "speed": rng.integers(1, 6, n),
            "staff": rng.integers(1, 6, n),
            "price": rng.integers(1, 6, n),
            "rec": rng.integers(0, 11, n),
        }
    )
    df["overall"] = np.clip(np.round(0.5 * df["speed"] + 0.4 * df["staff"] + 0.4), 1, 5)
    path = tmp_path / "answers.csv"
    df.to_csv(path, index=False)
    return path, df


def test_scores_json_equals_the_analytics(cxm, answers) -> None:  # type: ignore[no-untyped-def]
    path, df = answers
    r = cxm("scores", str(path), "--items", "speed,staff", "--by", "seg", "--nps", "rec", "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    want = scores(df, ["speed", "staff"], by="seg")
    got = pd.DataFrame(doc["scores"])
    assert got["csat"].to_numpy(dtype=float) == pytest.approx(
        want["csat"].to_numpy(dtype=float), nan_ok=True
    )
    gold = got[got["seg"] == "gold"]
    assert gold["suppressed"].all() and gold["csat"].isna().all()  # 10 answers < 30
    assert doc["nps"][0]["item"] == "rec" and doc["rows"] == 200


def test_scores_table_says_too_few_answers_in_chinese(cxm, answers) -> None:  # type: ignore[no-untyped-def]
    path, _df = answers
    r = cxm("scores", str(path), "--items", "speed", "--by", "seg", lang="zh-CN")
    assert r.exit_code == 0, r.stderr
    assert "答案太少" in r.stdout and "满意度得分" in r.stdout


def test_drivers_json_ranks_priorities(cxm, answers) -> None:  # type: ignore[no-untyped-def]
    path, df = answers
    r = cxm(
        "drivers",
        str(path),
        "--outcome",
        "overall",
        "--items",
        "speed",
        "--items",
        "staff,price",
        "--json",
    )
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    want = key_drivers(df, "overall", ["speed", "staff", "price"])
    assert doc["r2"] == pytest.approx(want.r2)
    assert [d["item"] for d in doc["priorities"]] == list(want.priorities["item"])
    assert {d["quadrant"] for d in doc["drivers"]} <= {
        "concentrate_here",
        "keep_up_the_good_work",
        "low_priority",
        "possible_overkill",
    }
    human = cxm("drivers", str(path), "--outcome", "overall", "--items", "speed,staff,price")
    assert human.exit_code == 0 and "Shapley" in human.stdout


def test_an_unknown_column_is_one_clear_line(cxm, answers) -> None:  # type: ignore[no-untyped-def]
    path, _df = answers
    r = cxm("scores", str(path), "--items", "speed,nope")
    assert r.exit_code == 1
    assert "nope" in r.stderr and "Traceback" not in r.stderr
    r = cxm("scores", str(path), "--items", "rec")  # 0–10 answers are off the 1–5 scale
    assert r.exit_code == 1 and "rec" in r.stderr and "row" in r.stderr


def test_cxm_min_n_sets_the_default_suppression(cxm, answers, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """CXM_MIN_N is the default of --min-n: 10 gold answers show once it is 10 or less."""
    path, _df = answers
    monkeypatch.setenv("CXM_MIN_N", "10")
    doc = json.loads(cxm("scores", str(path), "--items", "speed", "--by", "seg", "--json").stdout)
    assert doc["min_n"] == 10
    assert not any(row["suppressed"] for row in doc["scores"])
    explicit = cxm(
        "scores", str(path), "--items", "speed", "--by", "seg", "--min-n", "11", "--json"
    )
    assert any(row["suppressed"] for row in json.loads(explicit.stdout)["scores"])
