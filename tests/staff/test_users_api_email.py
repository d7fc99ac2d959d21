"""Users created and changed through the JSON API carry an e-mail address (where their
set-password links go), checked like on the users page, and audited."""

from __future__ import annotations

from sqlalchemy import select

from cxm.audit.models import AuditEntry
from cxm.store import Store
from tests.staff.conftest import bearer


def _user_id(client, auth, name: str) -> int:
    listed = client.get("/api/v1/users", headers=auth).json()
    return next(u["id"] for u in listed if u["name"] == name)


def test_a_user_created_with_an_email_has_it(client, store, users) -> None:
    auth = bearer(store, "alice")
    r = client.post(
        "/api/v1/users",
        json={
            "name": "dave",
            "role": "agent",
            "password": "a long enough pw",
            "email": " dave@example.com ",
        },
        headers=auth,
    )
    assert r.status_code == 201, r.text
    assert r.json()["email"] == "dave@example.com"
    listed = client.get("/api/v1/users", headers=auth).json()
    assert {u["name"]: u["email"] for u in listed}["dave"] == "dave@example.com"


def test_a_malformed_email_is_refused_naming_it(client, store, users) -> None:
    auth = bearer(store, "alice")
    r = client.post(
        "/api/v1/users",
        json={"name": "dave", "role": "agent", "password": "a long enough pw", "email": "dave@"},
        headers=auth,
    )
    assert r.status_code == 422
    assert r.json()["message"] == "Invalid e-mail address dave@: write it as name@example.com."
    assert "dave" not in {u["name"] for u in client.get("/api/v1/users", headers=auth).json()}


def test_an_admin_sets_and_removes_an_email_and_it_is_audited(client, store: Store, users) -> None:
    auth = bearer(store, "alice")
    bob = _user_id(client, auth, "bob")
    r = client.patch(f"/api/v1/users/{bob}", json={"email": "bob@example.com"}, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["email"] == "bob@example.com"
    assert r.json()["role"] == "analyst"  # what is left out stays
    bad = client.patch(f"/api/v1/users/{bob}", json={"email": "not an address"}, headers=auth)
    assert bad.status_code == 422
    assert "not an address" in bad.json()["message"]
    gone = client.patch(f"/api/v1/users/{bob}", json={"email": ""}, headers=auth)
    assert gone.json()["email"] is None
    with store.session() as s:
        updates = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "update", AuditEntry.entity_id == str(bob))
            .order_by(AuditEntry.id)
        ).all()
    assert [(u.before or {}).get("email") for u in updates] == [None, "bob@example.com"]
    assert [(u.after or {}).get("email") for u in updates] == ["bob@example.com", None]


def test_only_a_user_manager_changes_users(client, store, users) -> None:
    alice = bearer(store, "alice")
    carol = _user_id(client, alice, "carol")
    r = client.patch(
        f"/api/v1/users/{carol}", json={"email": "x@example.com"}, headers=bearer(store, "bob")
    )
    assert r.status_code == 403
    assert client.patch("/api/v1/users/99999", json={}, headers=alice).status_code == 404


def test_an_admin_cannot_demote_or_deactivate_herself(client, store, users) -> None:
    auth = bearer(store, "alice")
    alice = _user_id(client, auth, "alice")
    demote = client.patch(f"/api/v1/users/{alice}", json={"role": "agent"}, headers=auth)
    assert demote.status_code == 422
    off = client.patch(f"/api/v1/users/{alice}", json={"active": False}, headers=auth)
    assert off.status_code == 422
    assert client.get("/api/v1/me", headers=auth).json()["role"] == "admin"


def test_an_admin_cannot_narrow_her_own_scope_or_move_herself(client, store, users) -> None:
    """Narrowing one's own scope takes rights away as the role does (a scripted PATCH of
    oneself would otherwise lock the caller out of the company)."""
    auth = bearer(store, "alice")
    alice = _user_id(client, auth, "alice")
    for change in ({"scope": "team"}, {"team": "North"}, {"unit": "EAST"}):
        r = client.patch(f"/api/v1/users/{alice}", json=change, headers=auth)
        assert r.status_code == 422, (change, r.text)
        assert "ask another administrator" in r.text
    mine = client.patch(f"/api/v1/users/{alice}", json={"email": "alice@example.com"}, headers=auth)
    assert mine.status_code == 200 and mine.json()["email"] == "alice@example.com"
    me = client.get("/api/v1/me", headers=auth).json()
    assert me["role"] == "admin" and me["scope"] == "all"
