"""The inputs that once gave a 5xx: a bad ``?at=``, ids beyond 32 and 64 bits or negative,
a wave e-mailed with no mail server set. Each is a 4xx naming the problem."""

from __future__ import annotations

import logging

import pytest

from cxm.store import Store
from tests.staff.conftest import Survey, bearer


@pytest.fixture
def admin(store: Store, users) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {**bearer(store, "alice"), "accept": "application/json"}


def test_a_bad_at_on_segment_routes_is_422(client, admin) -> None:  # type: ignore[no-untyped-def]
    body = {"name": "value", "kind": "pareto", "parameters": {"cuts": [0.2]}}
    assert client.post("/api/v1/segments", json=body, headers=admin).status_code == 201
    for at in ("yesterday", "2026-13-45", "99999-01-01", "0"):
        got = client.get("/api/v1/segments/value", params={"at": at}, headers=admin)
        if got.status_code != 200:  # "0" is the epoch for pandas: a valid moment
            assert got.status_code == 422, (at, got.text)
            assert "at=" in got.json()["message"]
    ok = client.get("/api/v1/segments/value", params={"at": "2026-01-01"}, headers=admin)
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "wave_id", [2**31, 2**31 + 1, 2**53, 2**63 - 1, 2**63, 2**64, -1, -(2**63)]
)
def test_huge_and_negative_ids_are_4xx(client, admin, wave_id: int) -> None:  # type: ignore[no-untyped-def]
    for path in (f"/api/v1/waves/{wave_id}", f"/api/v1/waves/{wave_id}/rates"):
        got = client.get(path, headers=admin)
        assert got.status_code in (404, 422), (path, got.status_code, got.text)
    got = client.delete(f"/api/v1/me/tokens/{wave_id}", headers=admin)
    assert got.status_code in (404, 422), got.text


def test_mail_without_a_server_is_409_and_warned_at_start(
    client, admin, survey: Survey, store: Store, caplog
) -> None:  # type: ignore[no-untyped-def]
    got = client.post(f"/api/v1/waves/{survey.wave_id}/reminders", json={}, headers=admin)
    assert got.status_code == 409, got.text
    assert got.json()["error"] == "mail_not_configured"
    assert "E-mail is not configured" in got.json()["message"]
    from tests.survey_factories import make_app

    with caplog.at_level(logging.WARNING, logger="cxm.web"):
        make_app(store)
    assert any("E-mail is not configured" in r.getMessage() for r in caplog.records)
