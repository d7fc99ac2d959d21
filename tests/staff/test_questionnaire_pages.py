"""The questionnaire pages: build from a template, check with errors on their line and
field, preview as the respondent sees it in Chinese and English, save (audited), and the
versions with what changed. Through the real app on SQLite and PostgreSQL."""

from __future__ import annotations

import copy

import pytest
import yaml
from sqlalchemy import select

from cxm.audit.models import AuditEntry
from cxm.surveys.drafts import TEMPLATES, check_text, question_changes, template_text
from tests.staff.conftest import QUESTIONNAIRE, bearer


@pytest.fixture
def staff(store, users) -> dict[str, dict[str, str]]:
    return {name: bearer(store, name) for name in users}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_is_a_valid_questionnaire(name: str) -> None:
    d = check_text(template_text(name))
    assert d.code == TEMPLATES[name][1] and d.questions()


def test_the_editor_starts_from_a_template(client, staff) -> None:
    r = client.get("/staff/questionnaires/new?template=nps", headers=staff["bob"])
    assert r.status_code == 200
    assert "code: nps" in r.text


def test_an_error_is_shown_on_its_line_and_field(client, staff) -> None:
    text = template_text("csat").replace("type: satisfaction5", "type: satisfaction7")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "satisfaction7" in t)
    r = client.post(
        "/staff/questionnaires/new",
        data={"text": text, "action": "save"},
        headers=staff["bob"],
    )
    assert r.status_code == 422
    assert f'href="#line-{line}"' in r.text
    assert f'<li id="line-{line}" value="{line}" class="bad">' in r.text
    assert "pages.0.questions.0.type" in r.text
    assert "nothing was saved" in r.text


def test_a_yaml_syntax_error_names_its_line(client, staff) -> None:
    r = client.post(
        "/staff/questionnaires/new",
        data={"text": "code: x\ntitle: [unclosed\n", "action": "check"},
        headers=staff["bob"],
    )
    assert r.status_code == 422 and "line 3" in r.text


def test_an_uploaded_file_is_checked_and_previewed_in_chinese(client, staff) -> None:
    r = client.post(
        "/staff/questionnaires/new",
        data={"action": "preview_zh-CN"},
        files={"file": ("nps.yaml", template_text("nps").encode(), "text/yaml")},
        headers=staff["bob"],
    )
    assert r.status_code == 200
    assert '<html lang="zh-CN">' in r.text
    assert "您有多大可能向朋友或同事推荐我们" in r.text
    assert 'name="q_NPS"' in r.text  # the respondent's own question markup


def test_saving_a_new_questionnaire_audits_and_redirects(client, store, staff) -> None:
    r = client.post(
        "/staff/questionnaires/new",
        data={"text": template_text("csat"), "action": "save"},
        headers=staff["bob"],
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/staff/questionnaires/csat?saved=1"
    with store.session() as s:
        assert s.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "questionnaire")
        ).all() == ["create"]


def test_editing_an_answered_questionnaire_lists_the_new_version_with_its_changes(
    client, store, staff, survey
) -> None:
    data = copy.deepcopy(QUESTIONNAIRE)
    data["pages"][0]["questions"][0]["text"] = {"en": "Overall satisfied?", "zh-CN": "总体满意吗？"}
    data["pages"][0]["questions"].append(
        {"code": "AGAIN", "type": "nps", "text": {"en": "Again?", "zh-CN": "会再来吗？"}}
    )
    text = yaml.safe_dump(data, allow_unicode=True)
    check = client.post(
        "/staff/questionnaires/new", data={"text": text, "action": "check"}, headers=staff["bob"]
    )
    assert 'id="checked"' in check.text
    assert "SAT</code> changed (text)" in check.text and "AGAIN</code> added" in check.text
    client.post(
        "/staff/questionnaires/new", data={"text": text, "action": "save"}, headers=staff["bob"]
    )
    page = client.get("/staff/questionnaires/svc?lang=zh-CN", headers=staff["bob"])
    assert "版本 2" in page.text and "AGAIN</code> 新增" in page.text
    assert "SAT</code> 修改 (text)" in page.text


def test_the_saved_preview_switches_language(client, staff, survey) -> None:
    zh = client.get("/staff/questionnaires/svc/preview?lang=zh-CN", headers=staff["carol"])
    en = client.get("/staff/questionnaires/svc/preview?lang=en", headers=staff["carol"])
    assert zh.status_code == en.status_code == 200
    assert "服务调查" in zh.text and "Service survey" in en.text


def test_an_agent_reads_but_cannot_edit(client, staff, survey) -> None:
    assert client.get("/staff/questionnaires", headers=staff["carol"]).status_code == 200
    assert client.get("/staff/questionnaires/new", headers=staff["carol"]).status_code == 403


def test_question_changes_name_moves_between_pages() -> None:
    a = check_text(template_text("ccsi"))
    data = a.as_json()
    moved = data["pages"][0]["questions"].pop()
    data["pages"][1]["questions"].append(moved)
    b = check_text(yaml.safe_dump(data, allow_unicode=True))
    (change,) = question_changes(a, b)
    assert (change.code, change.kind, change.fields) == ("IMAG5", "changed", ("page",))
