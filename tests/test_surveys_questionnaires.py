"""Questionnaires: YAML/JSON definitions, clear errors, versions that protect old answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cxm.errors import ValidationFailed
from cxm.store import Store
from cxm.surveys.loader import load_definition, parse_definition, template_path
from cxm.surveys.models import QuestionnaireVersion, Response
from cxm.surveys.questionnaires import install_template, save_questionnaire
from cxm.surveys.responses import save_page
from cxm.surveys.schema import Construct, Dimension, QuestionType
from tests.survey_factories import ONE_PAGE, SHORT, wave_with_links

CCSI_ITEMS = (
    [f"IMAG{i}" for i in range(1, 6)]
    + [f"CUEX{i}" for i in range(1, 4)]
    + [f"PERQ{i}" for i in range(1, 8)]
    + ["PERV1", "PERV2", "CUSA1", "CUSA2", "CUSA3", "CUSCO", "CUSL1", "CUSL2", "CUSL3"]
)


def test_the_ccsi_template_carries_the_pls_item_codes_and_the_scorecard() -> None:
    d = load_definition(template_path("ccsi"))
    codes = [q.code for q in d.questions()]
    assert set(CCSI_ITEMS) <= set(codes)
    constructs = {q.latent for q in d.questions() if q.latent}
    assert constructs == set(Construct)
    dims = {q.dimension for q in d.questions() if q.dimension}
    assert dims == set(Dimension)
    assert any(q.type == QuestionType.NPS for q in d.questions())
    assert codes[-1] == "IMPROVE" and d.questions()[-1].type == QuestionType.TEXT
    assert d.question("PERQ3").importance == "IMP_PEOPLE"  # type: ignore[union-attr]
    assert d.question("CUSCO").show_if is not None  # type: ignore[union-attr]
    for q in d.questions():
        assert q.text.get("zh-CN") and q.text.get("en"), q.code


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("code: x\ntitle: {en: X}\npages:\n  - questions: [\n    {code: A\n", "utf-8")
    with pytest.raises(ValidationFailed) as info:
        load_definition(path)
    assert "line" in info.value.message
    assert info.value.problems[0].row is not None and info.value.problems[0].row >= 5


def test_a_wrong_field_is_named_with_its_path(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(SHORT))
    bad["pages"][0]["questions"][0]["type"] = "stars"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), "utf-8")
    with pytest.raises(ValidationFailed) as info:
        load_definition(path)
    assert "pages.0.questions.0.type" in info.value.message


def test_a_condition_must_point_to_an_earlier_page() -> None:
    bad = json.loads(json.dumps(SHORT))
    bad["pages"][0]["questions"][1]["show_if"] = {"question": "SAT", "in": [1]}
    with pytest.raises(ValidationFailed, match="earlier page"):
        parse_definition(bad)


def test_repeated_question_codes_are_refused() -> None:
    bad = json.loads(json.dumps(SHORT))
    bad["pages"][1]["questions"][0]["code"] = "SAT"
    with pytest.raises(ValidationFailed, match="SAT"):
        parse_definition(bad)


def test_editing_an_unanswered_questionnaire_changes_it_in_place(store: Store) -> None:
    with store.session() as s:
        first = save_questionnaire(s, definition=parse_definition(SHORT))
        edited = json.loads(json.dumps(SHORT))
        edited["title"]["en"] = "Short survey, edited"
        second = save_questionnaire(s, definition=parse_definition(edited))
    assert second.version_id == first.version_id and not second.new_version


def test_editing_an_answered_questionnaire_makes_a_new_version(store: Store) -> None:
    _wave_id, tokens = wave_with_links(store, customers=1, definition=ONE_PAGE)
    with store.session() as s:
        save_page(s, token=tokens[0], page=0, raw={"SAT": "4", "NPS": "9"})
    edited = json.loads(json.dumps(ONE_PAGE))
    edited["pages"][0]["questions"][0]["text"]["en"] = "How satisfied overall?"
    with store.session() as s:
        saved = save_questionnaire(s, definition=parse_definition(edited))
        assert saved.new_version and saved.version == 2
        old = s.scalar(select(Response.version_id))
        versions = s.scalar(select(func.count(QuestionnaireVersion.id)))
        old_def = s.get(QuestionnaireVersion, old).definition  # type: ignore[union-attr]
    assert versions == 2
    assert old != saved.version_id
    assert old_def["pages"][0]["questions"][0]["text"]["en"] == "Overall satisfied?"


def test_saving_the_same_template_twice_is_a_no_op(store: Store) -> None:
    with store.session() as s:
        a = install_template(s, name="ccsi")
        b = install_template(s, name="ccsi")
    assert a.version_id == b.version_id
