"""Exports of a wave's responses: one row per response; CSV streamed; XLSX and CSV
formula-safe; SPSS .sav with value labels (read back with pyreadstat)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyreadstat
from openpyxl import load_workbook

from tests.staff.conftest import FORMULA, NASTY, bearer


def _get(client, store, survey, suffix: str):
    r = client.get(f"/api/v1/waves/{survey.wave_id}/{suffix}", headers=bearer(store, "bob"))
    assert r.status_code == 200, r.text
    return r


def test_csv_is_one_row_per_response_and_formula_safe(client, store, users, survey) -> None:
    r = _get(client, store, survey, "responses.csv")
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert "content-length" not in r.headers  # streamed
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == survey.completed
    assert list(rows[0])[:2] == ["response_id", "wave"]
    assert {"SAT", "CHANNEL", "WHY_price", "WHY_staff", "WHY_speed", "NPS"} <= set(rows[0])
    improve = [row["IMPROVE"] for row in rows]
    assert NASTY in improve  # text stays text; escaping is the viewer's job
    assert "'" + FORMULA in improve and FORMULA not in improve
    first = next(row for row in rows if row["IMPROVE"] == NASTY)
    assert (first["SAT"], first["WHY_price"], first["WHY_speed"], first["NPS"]) == (
        "5",
        "1",
        "0",
        "9",
    )
    assert any(row["NPS"] == "dk" for row in rows)


def test_xlsx_stores_formulas_as_text(client, store, users, survey, tmp_path: Path) -> None:
    r = _get(client, store, survey, "responses.xlsx")
    path = tmp_path / "x.xlsx"
    path.write_bytes(r.content)
    sheet = load_workbook(path).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    col = header.index("IMPROVE")
    cells = [row[col] for row in sheet.iter_rows(min_row=2)]
    assert len(cells) == survey.completed
    assert all(c.data_type == "s" for c in cells if c.value is not None)
    assert "'" + FORMULA in [c.value for c in cells]


def test_sav_has_value_labels_and_dont_know_as_missing(
    client, store, users, survey, tmp_path: Path
) -> None:
    r = _get(client, store, survey, "responses.sav")
    path = tmp_path / "x.sav"
    path.write_bytes(r.content)
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert len(frame) == survey.completed
    assert meta.variable_value_labels["SAT"][5.0] == "Very satisfied"
    assert meta.variable_value_labels["CHANNEL"] == {1.0: "Shop", 2.0: "Web", -99.0: "Don't know"}
    assert sorted(frame["CHANNEL"].tolist()) == [1.0, 2.0, 2.0]
    assert -99.0 in frame["NPS"].tolist()
    assert meta.column_names_to_labels["IMPROVE"] == "What should we improve?"
    plain, _meta = pyreadstat.read_sav(str(path))
    assert plain["NPS"].isna().sum() == 1  # user-missing reads as missing


def test_the_paged_list_has_columns_and_items(client, store, users, survey) -> None:
    auth = bearer(store, "bob")
    r = client.get(f"/api/v1/waves/{survey.wave_id}/responses?per_page=2&page=2", headers=auth)
    body = r.json()
    assert body["total"] == 3 and body["page"] == 2 and len(body["items"]) == 1
    first = client.get(f"/api/v1/waves/{survey.wave_id}/responses?per_page=2", headers=auth)
    ids = [i["response_id"] for i in first.json()["items"]] + [body["items"][0]["response_id"]]
    assert len(set(ids)) == 3
