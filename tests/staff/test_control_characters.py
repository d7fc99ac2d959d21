"""NUL and other control characters in submitted text are refused with a 422 naming the
field, the character and its position (forms, JSON bodies, query strings); tab and line
breaks stay allowed."""

from __future__ import annotations

import json

from cxm.store import Store
from cxm.web.controls import find_control
from tests.staff.conftest import PASSWORD, bearer, csrf_from


def test_a_nul_in_a_form_field_is_refused(client, users) -> None:  # type: ignore[no-untyped-def]
    form = client.get("/staff/login")
    r = client.post(
        "/staff/login",
        data={"name": "ali\x00ce", "password": PASSWORD, "csrf_token": csrf_from(form.text)},
        headers={"accept": "application/json"},
        follow_redirects=False,
    )
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "control_character"
    assert "name" in body["message"] and "U+0000" in body["message"]
    assert body["details"][0]["column"] == "name"


def test_a_control_character_in_json_or_the_query_is_refused(client, store: Store, users) -> None:  # type: ignore[no-untyped-def]
    auth = {**bearer(store, "alice"), "accept": "application/json"}
    r = client.post(
        "/api/v1/users",
        content=json.dumps({"name": "eve\u001b[31m", "role": "agent", "password": "x" * 12}),
        headers={**auth, "content-type": "application/json"},
    )
    assert r.status_code == 422 and r.json()["details"][0]["column"] == "name"
    assert "U+001B" in r.json()["message"] and "character 4" in r.json()["message"]
    r = client.get("/api/v1/segments/value?at=2026%0001-01", headers=auth)
    assert r.status_code == 422 and "at" in r.json()["details"][0]["column"]


def test_tabs_line_breaks_and_an_escaped_backslash_are_fine(client, store: Store, users) -> None:  # type: ignore[no-untyped-def]
    auth = {**bearer(store, "alice"), "accept": "application/json"}
    for label in ("first\tsecond", "line one\nline two\r\n", "a \\u0000 written out"):
        r = client.post("/api/v1/me/tokens", json={"label": label}, headers=auth)
        assert r.status_code == 201, (label, r.text)


def test_find_control_names_nested_json_fields() -> None:
    body = json.dumps({"pages": [{"answers": {"Q1": "ok", "Q2": "bad\u0007"}}]}).encode()
    found = find_control(body=body, content_type=b"application/json")
    assert found is not None
    assert (found.field, found.codepoint, found.position) == ("pages[0].answers.Q2", 7, 4)
    assert (
        find_control(body=b"a=1&b=%E4%BD%A0", content_type=b"application/x-www-form-urlencoded")
        is None
    )
