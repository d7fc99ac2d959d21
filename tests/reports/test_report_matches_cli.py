"""Every number in the report is the number the CLI prints with ``--json``: the report's
sections are compared with the commands named as their sources, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from cxm.frames.responses import responses_frame
from cxm.store import Store
from cxm.surveys.models import Wave
from tests.reports.survey_data import build_report_company

pytestmark = pytest.mark.slow


def _json(result) -> dict:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def report_store(request: pytest.FixtureRequest, database_url: str) -> Store:
    """The test's store holding the report company: built here on PostgreSQL; on SQLite the
    file the report tests' ``report_db`` built once per test process, copied in before the
    store opens it (the same service calls on the same template, made once)."""
    if database_url.startswith("sqlite:///"):
        built: str = request.getfixturevalue("report_db")
        shutil.copyfile(built.removeprefix("sqlite:///"), database_url.removeprefix("sqlite:///"))
        opened: Store = request.getfixturevalue("store")
        return opened
    opened = request.getfixturevalue("store")
    build_report_company(opened)
    return opened


def test_report_figures_equal_the_cli_json(report_store: Store, cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = report_store
    doc = _json(cxm("report", "--json"))
    assert set(doc) >= {"headline", "segments", "model", "churn", "retention", "method"}
    for key, section in doc.items():
        if key == "people":  # this company has no employee surveys (tests/people has them)
            continue
        assert "unavailable" not in section, (key, section)

    # Segments against targets = `cxm targets report value --json`.
    targets = _json(cxm("targets", "report", "value", "--json"))
    assert doc["segments"]["targets"] == targets["rows"]
    shown = _json(cxm("segments", "show", "value", "--json"))
    assert doc["segments"]["segments"] == shown["segments"]

    # Churn reasons and rates = `cxm churn report --segments value --json`.
    churn = _json(cxm("churn", "report", "--segments", "value", "--json"))
    assert doc["churn"]["reasons"] == churn["reasons"]
    assert doc["churn"]["rates"] == churn["rates"]

    # The closed loop = `cxm cases report --json`.
    loop = _json(cxm("cases", "report", "--json"))
    assert doc["cases"]["summary"] == loop["summary"]
    assert doc["cases"]["sla"] == loop["sla"]
    assert doc["cases"]["faults_and_churn"] == loop["faults_and_churn"]
    assert doc["cases"]["survival"]["summary"] == loop["churn_after_complaint"]["summary"]

    # Retention economics and the invest ranking.
    clv = _json(cxm("clv", "--segments", "value", "--json"))
    assert doc["retention"]["economics"] == clv["segments"]
    invest = _json(cxm("invest", "--segments", "value", "--json"))
    assert doc["retention"]["invest"]["ranking"] == invest["items"]

    # The PLS model = `cxm analyze` on the wave's responses with the report's model.
    with store.session() as s:
        wave_id = s.query(Wave.id).filter(Wave.name == doc["headline"]["wave"]).scalar()
        responses_frame(s, wave_id=wave_id).to_csv(tmp_path / "responses.csv", index=False)
    (tmp_path / "model.lavaan").write_text(doc["model"]["model_text"], encoding="utf-8")
    analyze = _json(
        cxm(
            "analyze",
            str(tmp_path / "responses.csv"),
            "--model",
            str(tmp_path / "model.lavaan"),
            "--bootstrap",
            "500",
            "--seed",
            "1",
            "--json",
        )
    )
    model = doc["model"]["document"]
    assert model["r2"] == pytest.approx(analyze["r2"], abs=1e-9)
    assert model["indices"] == pytest.approx(analyze["indices"], abs=1e-9)
    for mine, theirs in zip(model["paths"], analyze["paths"], strict=True):
        assert (mine["from"], mine["to"]) == (theirs["from"], theirs["to"])
        assert mine["estimate"] == pytest.approx(theirs["estimate"], abs=1e-9)
        assert mine["p"] == pytest.approx(theirs["p"], abs=1e-9)

    # Headline scores and NPS = `cxm scores` on both waves' responses, by wave.
    head = doc["headline"]
    with store.session() as s:
        frames = []
        for name in (head["compare"], head["wave"]):
            wid = s.query(Wave.id).filter(Wave.name == name).scalar()
            frames.append(responses_frame(s, wave_id=wid).assign(wave=name))
    pd.concat(frames).to_csv(tmp_path / "waves.csv", index=False)
    scores = _json(
        cxm(
            "scores",
            str(tmp_path / "waves.csv"),
            "--items",
            head["item"],
            "--by",
            "wave",
            "--nps",
            "NPS",
            "--json",
        )
    )
    assert head["scores"] == scores["scores"]
    assert head["nps"] == scores["nps"]

    # Key drivers = `cxm drivers` on the wave's responses.
    drivers_doc = doc["drivers"]
    items = [r["item"] for r in drivers_doc["drivers"]]
    drivers = _json(
        cxm(
            "drivers",
            str(tmp_path / "responses.csv"),
            "--outcome",
            drivers_doc["outcome"],
            "--items",
            ",".join(items),
            "--json",
        )
    )
    assert drivers_doc["drivers"] == drivers["drivers"]
    assert drivers_doc["priorities"] == drivers["priorities"]

    # The page shows those same numbers.
    out = tmp_path / "report.html"
    assert cxm("report", "--out", str(out)).exit_code == 0
    html = out.read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", html)
    for p in model["paths"]:
        assert f"{p['estimate']:.3f}" in text
    now = next(r for r in doc["headline"]["scores"] if r["wave"] == doc["headline"]["wave"])
    assert f"{now['csat'] * 100:.1f}%" in text
    for row in targets["rows"]:
        latest = row["kpi"] == "csat" and row["wave"] == doc["headline"]["wave"]
        if latest and row["value"] is not None:  # None: too few answers, shown as such
            assert f"{row['value'] * 100:.1f}%" in text
    for r in churn["reasons"]:
        if r["share"] is not None:
            assert f"{r['share'] * 100:.1f}%" in text
