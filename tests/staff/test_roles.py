"""Today's three roles under the capability table: agents see rates but not answers; only
admins manage users; tokens can be revoked."""

from __future__ import annotations

from tests.staff.conftest import bearer, login


def test_an_agent_sees_rates_but_cannot_export_or_create(client, store, users, survey) -> None:
    auth = bearer(store, "carol")
    assert client.get(f"/api/v1/waves/{survey.wave_id}/rates", headers=auth).status_code == 200
    for path in (
        "responses",
        "responses.csv",
        "responses.xlsx",
        "responses.sav",
        "invitations.csv",
    ):
        r = client.get(f"/api/v1/waves/{survey.wave_id}/{path}", headers=auth)
        assert r.status_code == 403, path
        assert r.json()["error"] == "forbidden"
    r = client.post("/api/v1/waves", json={}, headers=auth)
    assert r.status_code in (403, 422)


def test_an_analyst_cannot_manage_users(client, store, users) -> None:
    auth = bearer(store, "bob")
    assert client.get("/api/v1/users", headers=auth).status_code == 403
    r = client.post(
        "/api/v1/users",
        json={"name": "mallory", "role": "admin", "password": "x" * 12},
        headers=auth,
    )
    assert r.status_code == 403


def test_an_admin_creates_a_user_who_can_then_sign_in(client, store, users) -> None:
    auth = bearer(store, "alice")
    r = client.post(
        "/api/v1/users",
        json={"name": "dave", "role": "agent", "password": "a long enough pw"},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    assert r.json() == {
        "id": r.json()["id"],
        "name": "dave",
        "email": None,
        "role": "agent",
        "scope": "team",
        "team_id": None,
        "unit_id": None,
        "active": True,
    }
    assert login(client, "dave", "a long enough pw").status_code == 303


def test_a_revoked_token_stops_working(client, store, users) -> None:
    auth = bearer(store, "bob")
    made = client.post("/api/v1/me/tokens", json={"label": "ci"}, headers=auth).json()
    new = {"Authorization": f"Bearer {made['token']}"}
    assert client.get("/api/v1/me", headers=new).json()["name"] == "bob"
    assert client.delete(f"/api/v1/me/tokens/{made['id']}", headers=auth).status_code == 204
    assert client.get("/api/v1/me", headers=new).status_code == 401


def test_the_wave_page_hides_exports_from_agents(client, users, survey) -> None:
    login(client, "carol")
    page = client.get(f"/staff/waves/{survey.wave_id}")
    assert page.status_code == 200
    assert "export-csv" not in page.text


def test_a_session_cannot_write_through_the_api_without_csrf(client, users) -> None:
    login(client, "alice")
    r = client.post(
        "/api/v1/users",
        json={"name": "eve", "role": "admin", "password": "x" * 12},
        headers={"accept": "application/json"},
    )
    assert r.status_code == 403
    assert "form has expired" in r.json()["message"]
