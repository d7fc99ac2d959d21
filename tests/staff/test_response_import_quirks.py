"""Responses files as real tools write them: .sav value labels that differ from the
questionnaire's codes, user-missing values, missing codes (−99, 99), "dk", the legacy
Qualtrics layout (V1…V10), Text iQ columns, LimeSurvey arrays, re-import, and CXM's own
CSV/XLSX/SAV exports imported back to identical answers and scores (issue 14, items 2-3).
Every file is built here; stored answers are checked cell by cell."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from cxm.errors import ValidationFailed
from cxm.responses_io.export import csv_chunks, plan_export
from cxm.responses_io.formats import write_sav_file, write_xlsx_file
from cxm.responses_io.importing import import_responses
from cxm.store import Store
from cxm.surveys.loader import parse_definition
from cxm.surveys.models import Answer, Response
from cxm.surveys.questionnaires import save_questionnaire


def _answers(store: Store, source_like: str) -> list[dict[str, Any]]:
    """Each imported response's answers: code → number / choices / "dk" / text."""
    with store.session() as s:
        rows = s.execute(
            select(
                Response.id,
                Answer.question_code,
                Answer.number,
                Answer.choices,
                Answer.dont_know,
                Answer.text,
            )
            .join(Answer, Answer.response_id == Response.id)
            .where(Response.source.like(source_like))
            .order_by(Response.id)
        ).all()
    out: dict[int, dict[str, Any]] = {}
    for rid, code, number, choices, dk, text in rows:
        value: Any = "dk" if dk else choices if choices is not None else text
        if number is not None and not dk:
            value = float(number)
        out.setdefault(rid, {})[code] = value
    return list(out.values())


def _sav(path: Path, frame: pd.DataFrame, **kwargs: Any) -> None:
    import pyreadstat

    pyreadstat.write_sav(frame, str(path), **kwargs)


def test_sav_codes_are_matched_to_choices_by_their_labels(
    store: Store, survey, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "spss.sav"
    frame = pd.DataFrame(
        {
            "SAT": [5.0, 1.0, 2.0],  # reversed coding: 5 = very dissatisfied
            "CHANNEL": [20.0, 10.0, 20.0],  # 10 = Web, 20 = Shop (not 1, 2)
            "NPS": [9.0, 99.0, -99.0],  # 99 declared user-missing; -99 CXM's don't know
        }
    )
    _sav(
        path,
        frame,
        variable_value_labels={
            "SAT": {
                1.0: "Very satisfied",
                2.0: "Satisfied",
                3.0: "Neutral",
                4.0: "Dissatisfied",
                5.0: "Very dissatisfied",
            },
            "CHANNEL": {10.0: "Web", 20.0: "门店"},
            "NPS": {99.0: "Refused", -99.0: "Don't know"},
        },
        missing_ranges={"NPS": [99.0, -99.0]},
    )
    with store.session() as s:
        result = import_responses(s, path=path, questionnaire="svc")
    assert (result.imported, result.source) == (3, "sav")
    assert _answers(store, "import:sav") == [
        {"SAT": 1.0, "CHANNEL": "shop", "NPS": 9.0},
        {"SAT": 5.0, "CHANNEL": "web"},  # 99: user-missing, so no NPS answer
        {"SAT": 4.0, "CHANNEL": "shop", "NPS": "dk"},
    ]


def test_a_sav_label_that_matches_no_choice_is_refused(
    store: Store, survey, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "spss.sav"
    _sav(
        path,
        pd.DataFrame({"SAT": [4.0], "CHANNEL": [30.0], "NPS": [8.0]}),
        variable_value_labels={"CHANNEL": {10.0: "Web", 30.0: "Telephone"}},
    )
    with store.session() as s, pytest.raises(ValidationFailed) as info:
        import_responses(s, path=path, questionnaire="svc")
    [problem] = info.value.problems
    assert (problem.row, problem.column, problem.value) == (1, "CHANNEL", "30")
    assert "'Telephone'" in problem.reason and "matches no choice" in problem.reason


def test_missing_codes_dk_and_out_of_scale_values(store: Store, survey, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "lime.csv"
    path.write_text(
        "id,submitdate,SAT,CHANNEL,NPS\n"
        "1,2026-10-01,-99,shop,99\n"
        "2,2026-10-01,4,web,dk\n"
        "3,2026-10-01,5,Web,不知道\n",
        encoding="utf-8",
    )
    with store.session() as s:
        result = import_responses(s, path=path, questionnaire="svc", missing_codes=(-99, 99))
    assert (result.imported, result.missing_cells) == (3, 2)
    assert _answers(store, "import:%") == [
        {"CHANNEL": "shop"},
        {"SAT": 4.0, "CHANNEL": "web", "NPS": "dk"},
        {"SAT": 5.0, "CHANNEL": "web", "NPS": "dk"},
    ]
    # Without the missing codes, -99 and 99 are off the scale: refused, row by row.
    path.write_text("id,submitdate,SAT,CHANNEL,NPS\n7,2026-10-01,-99,shop,99\n", encoding="utf-8")
    with store.session() as s, pytest.raises(ValidationFailed) as info:
        import_responses(s, path=path, questionnaire="svc")
    got = {(p.row, p.column, p.value) for p in info.value.problems}
    assert got == {(1, "SAT", "-99"), (1, "NPS", "99")}


def test_dk_is_refused_where_the_question_offers_no_dont_know(
    store: Store, survey, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "lime.csv"
    path.write_text("id,submitdate,SAT,CHANNEL,NPS\n1,2026-10-01,dk,shop,5\n", encoding="utf-8")
    with store.session() as s, pytest.raises(ValidationFailed) as info:
        import_responses(s, path=path, questionnaire="svc")
    [problem] = info.value.problems
    assert (problem.row, problem.column, problem.value) == (1, "SAT", "dk")


def test_legacy_qualtrics_with_v_columns_and_text_iq_columns(
    store: Store, survey, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    rows = [
        [
            "V1",
            "V2",
            "V3",
            "V4",
            "V5",
            "V6",
            "V7",
            "V8",
            "V9",
            "V10",
            "SAT",
            "CHANNEL",
            "NPS",
            "IMPROVE",
            "IMPROVE - Topics",
            "IMPROVE - Sentiment Polarity",
            "Extra",
        ],
        [
            "ResponseID",
            "ResponseSet",
            "Name",
            "ExternalDataReference",
            "EmailAddress",
            "IPAddress",
            "Status",
            "StartDate",
            "EndDate",
            "Finished",
            "Overall?",
            "Channel?",
            "Recommend?",
            "What should we improve?",
            "IMPROVE - Topics",
            "IMPROVE - Sentiment Polarity",
            "Extra",
        ],
        [
            "R_1",
            "Default",
            "Anon",
            "C1",
            "",
            "1.2.3.4",
            "0",
            "2026-10-01 10:00:00",
            "2026-10-01 10:05:00",
            "1",
            "4",
            "web",
            "10",
            "faster",
            "Speed",
            "1",
            "x",
        ],
        [
            "R_2",
            "Default",
            "Anon",
            "",
            "",
            "1.2.3.5",
            "0",
            "2026-10-01 11:00:00",
            "2026-10-01 11:05:00",
            "0",
            "2",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path = tmp_path / "legacy.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    with store.session() as s:
        result = import_responses(s, path=path, questionnaire="svc")
    assert (result.imported, result.skipped_incomplete, result.source) == (1, 1, "qualtrics-legacy")
    assert result.warnings == ("Column 'Extra' matches no question of svc and was ignored.",)
    assert _answers(store, "import:qualtrics-legacy") == [
        {"SAT": 4.0, "CHANNEL": "web", "NPS": 10.0, "IMPROVE": "faster"}
    ]


def test_limesurvey_array_columns_answer_their_sub_questions(store: Store, tmp_path: Path) -> None:
    definition = {
        "code": "arr",
        "title": {"en": "Arrays"},
        "pages": [
            {
                "questions": [
                    {"code": "SAT_SQ001", "type": "satisfaction5", "text": {"en": "Staff"}},
                    {"code": "SAT_SQ002", "type": "satisfaction5", "text": {"en": "Speed"}},
                ]
            }
        ],
    }
    with store.session() as s:
        save_questionnaire(s, definition=parse_definition(definition))
    path = tmp_path / "lime.csv"
    path.write_text(
        "id,submitdate,lastpage,startlanguage,seed,SAT[SQ001],SAT[SQ002]\n"
        "1,2026-10-01 10:00:00,1,zh-Hans,1,5,3\n2,2026-10-02 10:00:00,1,zh-Hans,2,2,4\n",
        encoding="utf-8",
    )
    with store.session() as s:
        result = import_responses(s, path=path, questionnaire="arr")
    assert (result.imported, result.warnings) == (2, ())
    assert _answers(store, "import:limesurvey") == [
        {"SAT_SQ001": 5.0, "SAT_SQ002": 3.0},
        {"SAT_SQ001": 2.0, "SAT_SQ002": 4.0},
    ]


@pytest.mark.parametrize("with_id", [True, False])
def test_importing_the_same_file_again_changes_nothing(
    store: Store,
    survey,
    tmp_path: Path,
    with_id: bool,  # type: ignore[no-untyped-def]
) -> None:
    text = "id,submitdate,SAT,CHANNEL,NPS\n1,2026-10-01,5,shop,9\n2,2026-10-01,3,web,4\n"
    if not with_id:  # no response id: the respondent, wave and answers are the key
        text = "submitdate,SAT,CHANNEL,NPS\n2026-10-01,5,shop,9\n2026-10-01,3,web,4\n"
    path = tmp_path / "lime.csv"
    path.write_text(text, encoding="utf-8")
    with store.session() as s:
        first = import_responses(s, path=path, questionnaire="svc")
    with store.session() as s:
        again = import_responses(s, path=path, questionnaire="svc")
    assert (first.imported, again.imported, again.already_imported) == (2, 0, 2)
    assert "2 rows were imported before" in again.warnings[-1]
    assert len(_answers(store, "import:%")) == 2


def _nps(values: list[float]) -> float:
    """Net Promoter Score, straight from its definition (Reichheld 2003)."""
    promoters = sum(v >= 9 for v in values)
    detractors = sum(v <= 6 for v in values)
    return 100.0 * (promoters - detractors) / len(values)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav"])
def test_our_exports_import_back_to_identical_answers_and_scores(
    store: Store,
    survey,
    tmp_path: Path,
    fmt: str,  # type: ignore[no-untyped-def]
) -> None:
    plan = plan_export(store, wave_id=survey.wave_id, lang="en")
    path = tmp_path / f"export.{fmt}"
    if fmt == "csv":
        path.write_bytes(b"".join(csv_chunks(store, plan)))
    elif fmt == "xlsx":
        write_xlsx_file(store, plan, path)
    else:
        write_sav_file(store, plan, path)
    # The export's customer column would tie the rows to customers who already answered
    # this wave; import them as a new, anonymous batch instead.
    with store.session() as s:
        original = _answers(store, "web")
        result = import_responses(s, path=path, questionnaire="svc")
    assert result.imported == 3
    back = _answers(store, f"import:{'sav' if fmt == 'sav' else '%'}")
    assert back == original
    sat = [a["SAT"] for a in original]
    assert [a["SAT"] for a in back] == sat
    nps = [a["NPS"] for a in original if isinstance(a.get("NPS"), float)]
    assert _nps([a["NPS"] for a in back if isinstance(a.get("NPS"), float)]) == _nps(nps)


def test_the_questionnaires_own_missing_codes_apply(store: Store, tmp_path: Path) -> None:
    definition = {
        "code": "mc",
        "title": {"en": "Missing codes"},
        "missing_codes": [-99, 99],
        "pages": [
            {
                "questions": [
                    {
                        "code": "SAT",
                        "type": "satisfaction5",
                        "required": False,
                        "text": {"en": "Overall?"},
                    },
                    {"code": "NPS", "type": "nps", "required": False, "text": {"en": "Recommend?"}},
                ]
            }
        ],
    }
    with store.session() as s:
        save_questionnaire(s, definition=parse_definition(definition))
    path = tmp_path / "lime.csv"
    path.write_text("id,submitdate,SAT,NPS\n1,2026-10-01,-99,10\n2,2026-10-01,4,99\n")
    with store.session() as s:
        result = import_responses(s, path=path, questionnaire="mc")
    assert (result.imported, result.missing_cells) == (2, 2)
    assert _answers(store, "import:%") == [{"NPS": 10.0}, {"SAT": 4.0}]


def test_the_qualtrics_preset_sets_three_header_rows(store: Store, survey, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        ["ResponseId", "Finished", "SAT", "CHANNEL", "NPS"],
        ["Response ID", "Finished", "Overall?", "Channel?", "Recommend?"],
        [
            '{"ImportId":"_recordId"}',
            '{"ImportId":"finished"}',
            '{"ImportId":"QID1"}',
            '{"ImportId":"QID2"}',
            '{"ImportId":"QID4"}',
        ],
        ["R_9", "1", "3", "web", "6"],
    ]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path = tmp_path / "q.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    with store.session() as s:
        result = import_responses(s, path=path, questionnaire="svc", preset="qualtrics")
    assert (result.imported, result.source) == (1, "qualtrics")
    assert _answers(store, "import:qualtrics") == [{"SAT": 3.0, "CHANNEL": "web", "NPS": 6.0}]


def test_a_control_character_in_a_sav_text_answer_is_refused(
    store: Store, survey, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "spss.sav"
    _sav(
        path,
        pd.DataFrame({"SAT": [4.0], "CHANNEL": ["web"], "NPS": [8.0], "IMPROVE": ["fast\x1ber"]}),
    )
    with store.session() as s, pytest.raises(ValidationFailed) as info:
        import_responses(s, path=path, questionnaire="svc")
    [problem] = info.value.problems
    assert (problem.row, problem.column) == (1, "IMPROVE")
    assert "U+001B (ESC)" in problem.reason and "position 5" in problem.reason
