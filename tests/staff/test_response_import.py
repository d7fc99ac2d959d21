"""Importing responses made elsewhere: LimeSurvey CSV, Qualtrics CSV (three header rows)
and our own SPSS export, mapped to a questionnaire, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cxm.errors import ValidationFailed
from cxm.responses_io.importing import import_responses
from cxm.surveys.models import Response
from tests.staff.conftest import bearer

LIMESURVEY = (
    "id,submitdate,lastpage,startlanguage,seed,SAT,CHANNEL,WHY[price],WHY[staff],WHY[speed],"
    "NPS,IMPROVE,interviewtime\n"
    '1,2026-10-01 10:00:00,1,zh-Hans,123,5,shop,Y,,Y,10,"更快, 更好",33.2\n'
    "2,2026-10-02 11:00:00,1,zh-Hans,124,3,web,,,,7,,20\n"
    "3,,0,zh-Hans,125,4,,,,,,,5\n"  # not submitted: skipped
)

QUALTRICS_HEADER = [
    ["StartDate", "EndDate", "Status", "Progress", "Finished", "RecordedDate", "ResponseId",
     "ExternalReference", "SAT", "CHANNEL", "WHY_1", "WHY_2", "WHY_3", "NPS", "IMPROVE"],
    ["Start Date", "End Date", "Response Type", "Progress", "Finished", "Recorded Date",
     "Response ID", "External Data Reference", "Overall?", "Channel?", "Why? - Price",
     "Why? - Staff", "Why? - Speed", "Recommend?", "What should we improve?"],
    [json.dumps({"ImportId": k}) for k in ("startDate", "endDate", "status", "progress",
     "finished", "recordedDate", "_recordId", "externalDataReference", "QID1", "QID2",
     "QID3_1", "QID3_2", "QID3_3", "QID4", "QID5_TEXT")],
]  # fmt: skip


def _qualtrics(rows: list[list[str]]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    for row in QUALTRICS_HEADER + rows:
        writer.writerow(row)
    return out.getvalue()


def _count(store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count(Response.id))) or 0)


def test_it_imports_a_limesurvey_export(store, survey, tmp_path: Path) -> None:
    path = tmp_path / "lime.csv"
    path.write_text(LIMESURVEY, encoding="utf-8")
    before = _count(store)
    with store.session() as s:
        result = import_responses(s, path=path, questionnaire="svc")
    assert (result.imported, result.skipped_incomplete, result.source) == (2, 1, "limesurvey")
    assert _count(store) == before + 2


def test_it_imports_a_qualtrics_export_with_three_header_rows(
    store, survey, tmp_path: Path
) -> None:
    text = _qualtrics([
        ["2026-10-01 10:00:00", "2026-10-01 10:05:00", "IP Address", "100", "1",
         "2026-10-01 10:05:00", "R_1", "C1", "4", "Web", "1", "", "1", "8", "ok"],
        ["2026-10-01 10:00:00", "2026-10-01 10:05:00", "IP Address", "40", "0",
         "2026-10-01 10:05:00", "R_2", "", "2", "", "", "", "", "", ""],
    ])  # fmt: skip
    path = tmp_path / "qualtrics.csv"
    path.write_text(text, encoding="utf-8")
    with store.session() as s:
        result = import_responses(s, path=path, questionnaire="svc")
    assert (result.imported, result.skipped_incomplete, result.source) == (1, 1, "qualtrics")


def test_a_bad_file_is_refused_whole_with_row_and_column(store, survey, tmp_path: Path) -> None:
    bad = LIMESURVEY.replace(",5,shop,", ",7,shop,").replace(",3,web,", ",3,fax,")
    path = tmp_path / "bad.csv"
    path.write_text(bad, encoding="utf-8")
    before = _count(store)
    with store.session() as s, pytest.raises(ValidationFailed) as info:
        import_responses(s, path=path, questionnaire="svc")
    found = {(p.row, p.column, p.value) for p in info.value.problems}
    assert (1, "SAT", "7") in found and (2, "CHANNEL", "fax") in found
    assert _count(store) == before  # nothing half-written


def test_a_missing_required_question_is_refused_and_unknown_columns_are_not(
    store, survey, tmp_path: Path
) -> None:
    path = tmp_path / "other.csv"
    path.write_text("id,submitdate,Q99,SAT\n1,2026-10-01,x,5\n", encoding="utf-8")
    with store.session() as s, pytest.raises(ValidationFailed) as info:
        import_responses(s, path=path, questionnaire="svc")
    columns = {p.column for p in info.value.problems}
    assert columns == {"CHANNEL", "NPS"}  # required ones missing; Q99 is only a warning


def test_our_sav_export_imports_back(client, store, users, survey, tmp_path: Path) -> None:
    auth = bearer(store, "bob")
    sav = client.get(f"/api/v1/waves/{survey.wave_id}/responses.sav", headers=auth).content
    r = client.post(
        "/api/v1/responses/import",
        data={"questionnaire": "svc"},
        files={"file": ("back.sav", sav, "application/octet-stream")},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"imported": 3, "skipped_incomplete": 0, "source": "sav"}


def test_the_api_lists_the_problems(client, store, users, survey) -> None:
    r = client.post(
        "/api/v1/responses/import",
        data={"questionnaire": "svc"},
        files={"file": ("x.csv", b"SAT,CHANNEL,NPS\nabc,shop,5\n", "text/csv")},
        headers=bearer(store, "bob"),
    )
    assert r.status_code == 422
    assert r.json()["details"][0] == {
        "row": 1,
        "column": "SAT",
        "value": "abc",
        "reason": "Please give a number.",
    }
