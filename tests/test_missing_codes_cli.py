"""Missing codes (−99, 99) and "dk" are no answer in every command that reads a file:
`cxm scores`, `cxm drivers`, `cxm analyze` give the same figures as on the file with those
cells left empty (issue 14, item 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxm.analytics.scores import scores
from cxm.files import read_table


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path, pd.DataFrame]:
    rng = np.random.default_rng(14)
    n = 300
    df = pd.DataFrame(
        {
            "speed": rng.integers(1, 6, n).astype(float),
            "staff": rng.integers(1, 6, n).astype(float),
            "price": rng.integers(1, 6, n).astype(float),
        }
    )
    df["overall"] = np.clip(np.round(0.5 * df["speed"] + 0.4 * df["staff"] + 0.4), 1, 5)
    coded = df.astype(object).copy()
    holes = df.copy()
    for col, code in (("speed", -99), ("staff", 99), ("price", "dk")):
        rows = rng.choice(n, 25, replace=False)
        coded.loc[rows, col] = code
        holes.loc[rows, col] = np.nan
    coded_path, holes_path = tmp_path / "coded.csv", tmp_path / "holes.csv"
    coded.to_csv(coded_path, index=False)
    holes.to_csv(holes_path, index=False)
    return coded_path, holes_path, holes


def test_read_table_turns_codes_and_dk_into_missing(files) -> None:  # type: ignore[no-untyped-def]
    coded, _holes, want = files
    got = read_table(coded, missing_codes=(-99, 99))
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_scores_with_missing_codes_equal_the_direct_computation(cxm, files) -> None:  # type: ignore[no-untyped-def]
    coded, _holes, want = files
    r = cxm("scores", str(coded), "--items", "speed,staff,price", "--missing-code", "-99",
            "--missing-code", "99", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    direct = scores(want, ["speed", "staff", "price"])
    for row, ref in zip(doc["scores"], direct.to_dict("records"), strict=True):
        assert row["n"] == ref["n"] == 275
        assert row["mean"] == pytest.approx(want[row["item"]].mean(), rel=1e-12)
        assert row["csat"] == pytest.approx(ref["csat"], rel=1e-12)


def test_drivers_with_missing_codes_equal_the_file_with_holes(cxm, files) -> None:  # type: ignore[no-untyped-def]
    coded, holes, _want = files
    args = ["--outcome", "overall", "--items", "speed,staff,price", "--json"]
    r = cxm("drivers", str(coded), *args, "--missing-code", "-99", "--missing-code", "99")
    assert r.exit_code == 0, r.stderr
    plain = cxm("drivers", str(holes), *args)
    got, expected = json.loads(r.stdout), json.loads(plain.stdout)
    got.pop("file"), expected.pop("file")
    assert got == expected


def test_scores_by_a_labelled_spss_column_print_the_labels(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pyreadstat

    path = tmp_path / "answers.sav"
    frame = pd.DataFrame({"region": [1.0] * 40 + [2.0] * 40, "sat": [5.0, 4.0, 2.0, -99.0] * 20})
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={"region": {1.0: "North", 2.0: "South"}},
        missing_ranges={"sat": [-99.0]},  # declared user-missing in the file itself
    )
    r = cxm("scores", str(path), "--items", "sat", "--by", "region", "--json")
    assert r.exit_code == 0, r.stderr
    rows = {row["region"]: row for row in json.loads(r.stdout)["scores"]}
    assert set(rows) == {"North", "South"}
    assert rows["North"]["n"] == 30  # the user-missing -99 is no answer
    assert rows["North"]["mean"] == pytest.approx((5 + 4 + 2) / 3, rel=1e-12)


def test_drivers_and_analyze_refuse_an_unnamed_missing_code(cxm, files) -> None:  # type: ignore[no-untyped-def]
    coded, _holes, _want = files
    r = cxm("drivers", str(coded), "--outcome", "overall", "--items", "speed,staff")
    assert r.exit_code != 0 and "Traceback" not in r.stderr
    assert "column speed" in r.stderr and "--missing-code -99" in r.stderr
    first = pd.read_csv(coded)["speed"].tolist().index(-99) + 1
    assert f"Row {first}," in r.stderr
