"""The overall index by method 1 (importance-weighted, derived or stated) and method 2 (PCA)
side by side, in the analytics, the CLI and the report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxm.analytics.index import importance_index, index_methods, pca_index
from cxm.errors import InputError


def _answers(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    f = rng.normal(size=n)
    df = pd.DataFrame(
        {c: np.clip(np.round(3.5 + f + rng.normal(0, 0.8, n)), 1, 5) for c in ("a", "b", "c")}
    )
    df["overall"] = np.clip(np.round(0.6 * df["a"] + 0.4 * df["b"] + rng.normal(0, 0.5, n)), 1, 5)
    df["IMP_a"], df["IMP_b"], df["IMP_c"] = 5.0, 3.0, 2.0
    return df


def test_each_method_is_the_analytics_function_it_names() -> None:
    df = _answers()
    table = index_methods(
        df, ["a", "b", "c"], overall="overall", stated={c: f"IMP_{c}" for c in "abc"}
    ).set_index("method")
    assert list(table.index) == ["importance (derived)", "importance (stated)", "pca"]
    derived = importance_index(df, ["a", "b", "c"], overall="overall", derive="relative_weight")
    stated = importance_index(df, ["a", "b", "c"], importance={"a": 5, "b": 3, "c": 2})
    pca = pca_index(df, ["a", "b", "c"])
    assert table.loc["importance (derived)", "index"] == pytest.approx(derived.groups["index"][0])
    assert table.loc["importance (stated)", "index"] == pytest.approx(stated.groups["index"][0])
    assert table.loc["pca", "index"] == pytest.approx(pca.groups["index"][0])
    assert table.loc["importance (stated)", "weights"] == {"a": 0.5, "b": 0.3, "c": 0.2}
    assert 0 < table.loc["pca", "explained_variance"] < 1
    with pytest.raises(InputError, match="No importance given for item c"):
        index_methods(df, ["a", "b", "c"], stated={"a": "IMP_a", "b": "IMP_b"})


def test_the_cli_prints_the_methods(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "answers.csv"
    _answers().to_csv(path, index=False)
    r = cxm(
        "index", str(path), "--items", "a,b,c", "--overall", "overall",
        "--stated", "a=IMP_a", "--stated", "b=IMP_b", "--stated", "c=IMP_c", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    methods = [m["method"] for m in json.loads(r.stdout)["methods"]]
    assert methods == ["importance (derived)", "importance (stated)", "pca"]
    bad = cxm("index", str(path), "--items", "a,b", "--stated", "a:IMP_a")
    assert bad.exit_code == 1 and "ITEM=COLUMN" in bad.stderr
