"""The employee answering page (``/e/{token}``, ``/e``): anonymous, once per personal link,
as often as a team code allows, all or nothing, Chinese and English, no JavaScript —
through the real app (SQLite and PostgreSQL). The browser check on a phone is in
tests/people/test_employee_browser.py."""

from __future__ import annotations

import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from cxm.clock import today
from cxm.people.models import EmployeeResponse, EmployeeToken
from cxm.people.surveys import IssuedLink, create_wave
from cxm.store import Store
from tests.people.factories import build_people
from tests.survey_factories import make_app

with warnings.catch_warnings():  # starlette asks for httpx2, which is not packaged yet
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

RATINGS = ("JS_OVERALL", "JS_RECOGNITION", "EG_ENERGY", "EG_PRIDE", "EB_TOOLS", "EB_TRAINING",
           "EB_AUTHORITY", "IS_STAY")  # fmt: skip


def _form(level: int = 4, **extra: str) -> dict[str, Any]:
    return {**{f"q_{c}": str(level) for c in RATINGS}, "q_ENPS": "8", **extra}


def _wave(
    store: Store, tmp_path: Path, *, team_codes: bool = False
) -> tuple[dict[str, int], list[IssuedLink]]:
    teams = build_people(store, tmp_path)
    day = today()
    with store.session() as s:
        _w, links = create_wave(
            s,
            name="2026 冬",
            opens_on=day - timedelta(days=1),
            closes_on=day + timedelta(days=30),
            attributes=["tenure"],
            team_codes=team_codes,
        )
    return teams, links


@pytest.fixture()
def client(store: Store) -> Any:
    with TestClient(make_app(store), raise_server_exceptions=False) as c:
        yield c


def test_a_personal_link_answers_once_and_keeps_no_trace_of_who(
    store: Store, tmp_path: Path, client: TestClient
) -> None:
    _teams, links = _wave(store, tmp_path)
    link = links[0]
    page = client.get(f"/e/{link.token}?lang=zh-CN")
    assert page.status_code == 200 and "员工调查" in page.text and "<script" not in page.text
    assert page.headers["cache-control"] == "no-store"
    assert 'name="q_JS_OVERALL"' in page.text
    english = client.get(f"/e/{link.token}?lang=en")
    assert "This survey is anonymous" in english.text
    done = client.post(f"/e/{link.token}", data=_form(4, q_COMMENT="工具太旧了"))
    assert done.status_code == 200 and "Thank you" in done.text
    again = client.post(f"/e/{link.token}", data=_form(5))
    assert again.status_code == 404 and "not valid or has been used" in again.text
    assert client.get(f"/e/{link.token}").status_code == 404
    with store.session() as s:
        response = s.scalars(select(EmployeeResponse)).one()
        assert response.team_id == link.team_id and response.answered_on == today()
        assert response.attributes == {"tenure": "5y+"}
        assert response.answers["COMMENT"] == "工具太旧了" and response.answers["JS_OVERALL"] == 4
        assert s.scalar(select(func.count()).where(EmployeeToken.used.is_(True))) == 1


def test_a_bad_answer_saves_nothing_and_shows_the_errors(
    store: Store, tmp_path: Path, client: TestClient
) -> None:
    _teams, links = _wave(store, tmp_path)
    token = links[0].token
    bad = _form(4, q_EG_ENERGY="9")
    del bad["q_JS_OVERALL"]
    shown = client.post(f"/e/{token}?lang=zh-CN", data=bad)
    assert shown.status_code == 422
    assert 'href="#q-JS_OVERALL"' in shown.text and 'href="#q-EG_ENERGY"' in shown.text
    assert 'value="9"' in shown.text  # what was typed is kept
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(EmployeeResponse)) == 0
        assert s.scalar(select(func.count()).where(EmployeeToken.used.is_(True))) == 0
    assert client.post(f"/e/{token}", data=_form(3)).status_code == 200


def test_a_team_code_is_typed_in_and_used_up(
    store: Store, tmp_path: Path, client: TestClient
) -> None:
    teams, codes = _wave(store, tmp_path, team_codes=True)
    gamma = next(c for c in codes if c.team_id == teams["gamma"])
    ask = client.get("/e?lang=zh-CN")
    assert ask.status_code == 200 and "团队代码" in ask.text
    moved = client.get(f"/e?code={gamma.token}", follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == f"/e/{gamma.token}"
    for _ in range(gamma.capacity):
        assert client.post(f"/e/{gamma.token}", data=_form(4)).status_code == 200
    assert client.post(f"/e/{gamma.token}", data=_form(4)).status_code == 404
    with store.session() as s:
        rows = list(s.scalars(select(EmployeeResponse)))
    assert len(rows) == 4 and all(r.attributes == {} for r in rows)


def test_unknown_and_malformed_links_get_the_same_page(client: TestClient, store: Store) -> None:
    a = client.get("/e/" + "x" * 32)
    b = client.get("/e/short")
    c = client.post("/e/short", data=_form(4))
    assert a.status_code == b.status_code == c.status_code == 404
    assert a.text == b.text == c.text
