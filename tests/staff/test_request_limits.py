"""Request bodies over the limit are 413 (also chunked ones); deep JSON is 400; never 5xx."""

from __future__ import annotations

import json

from tests.staff.conftest import bearer


def test_a_body_over_the_limit_is_413(client, settings) -> None:
    r = client.post(
        "/api/v1/questionnaires",
        content=b"x" * (settings.max_body_bytes + 1),
        headers={"content-type": "application/json", "accept": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["error"] == "too_large"


def test_a_chunked_body_over_the_limit_is_413(client, settings) -> None:
    def chunks():
        piece = b"y" * 65536
        for _ in range(settings.max_body_bytes // len(piece) + 2):
            yield piece

    r = client.post(
        "/staff/login",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert "content-length" not in r.request.headers
    assert r.status_code == 413


def test_deeply_nested_json_is_refused_without_a_5xx(client, store, users) -> None:
    auth = bearer(store, "bob")
    for depth in (40, 5000, 100_000):
        body = "[" * depth + "]" * depth
        r = client.post(
            "/api/v1/waves",
            content=body,
            headers={**auth, "content-type": "application/json"},
        )
        assert r.status_code in (400, 422), (depth, r.status_code)


def test_brackets_inside_strings_do_not_count_as_nesting(client, store, users) -> None:
    auth = bearer(store, "bob")
    body = json.dumps({"name": "[" * 500, "questionnaire": "nope"})
    r = client.post(
        "/api/v1/waves", content=body, headers={**auth, "content-type": "application/json"}
    )
    assert r.status_code == 422  # a validation error about fields, not a nesting refusal
    assert r.json()["error"] == "invalid_input"


def test_malformed_json_is_a_4xx(client, store, users) -> None:
    auth = bearer(store, "bob")
    for body in ('{"a": ', "\x00\xff", "NaN", '{"code": "x", "title": 1e999999}'):
        r = client.post(
            "/api/v1/questionnaires",
            content=body.encode("utf-8", "surrogateescape"),
            headers={**auth, "content-type": "application/json"},
        )
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
