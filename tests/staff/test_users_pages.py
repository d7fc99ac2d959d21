"""Users and roles in the browser's forms: an admin invites a user, who sets a password
through the one-time link and signs in; role, scope, team and employee are set in one
all-or-nothing change; a reset link works once; deactivation signs the user out everywhere;
every change is in the audit log; nobody but an admin reaches any of it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cxm.accounts.models import StaffUser
from cxm.audit.models import AuditEntry
from cxm.org.models import Employee
from tests.org_factories import build_org
from tests.staff.conftest import PASSWORD, csrf_from, login

NEW_PASSWORD = "长城 is long enough 2026"


def _invite(client, **fields: str):
    form = client.get("/staff/users?lang=en")
    return client.post(
        "/staff/users", data={"csrf_token": csrf_from(form.text), **fields}, follow_redirects=False
    )


def _link(html: str) -> str:
    found = re.search(r'<code class="link">http://[^/]+(/staff/password/[^<]+)</code>', html)
    assert found, "no set-password link on the page"
    return found.group(1)


def _set_password(client, path: str, password: str = NEW_PASSWORD, again: str | None = None):
    form = client.get("/staff/login")  # the session's CSRF token (a dead link shows no form)
    return client.post(
        path,
        data={"password": password, "again": again or password, "csrf_token": csrf_from(form.text)},
        follow_redirects=False,
    )


def _id(store, name: str) -> int:
    with store.session() as s:
        uid = s.scalar(select(StaffUser.id).where(StaffUser.name == name))
    assert uid is not None
    return uid


def _audit(store, action: str, user_id: int) -> list[AuditEntry]:
    with store.session() as s:
        return list(
            s.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == action,
                    AuditEntry.entity == "staff_user",
                    AuditEntry.entity_id == str(user_id),
                )
            )
        )


def test_an_invited_agent_sets_a_password_once_and_signs_in(
    app, client, store, tmp_path, password_hash
) -> None:
    build_org(store, tmp_path, password_hash)
    login(client, "alice")
    r = _invite(client, name="zhang.wei", role="agent", scope="team", team="north", employee="E5")
    assert r.status_code == 200, r.text[:500]
    assert "zhang.wei is invited." in r.text
    path = _link(r.text)
    uid = _id(store, "zhang.wei")
    with store.session() as s:
        user = s.get(StaffUser, uid)
        assert user is not None and (user.role.value, user.scope.value) == ("agent", "team")
        employee = s.scalar(select(Employee).where(Employee.external_id == "E5"))
        assert employee is not None and employee.staff_user_id == uid
    assert [e.after["role"] for e in _audit(store, "create", uid)] == ["agent"]  # type: ignore[index]
    assert len(_audit(store, "link_employee", uid)) == 1
    assert len(_audit(store, "password_link", uid)) == 1
    # The link is not kept anywhere: the user page shows none afterwards.
    assert "/staff/password/" not in client.get(f"/staff/users/{uid}").text

    # The invited user cannot sign in before choosing a password; the link opens anonymously.
    client.cookies.clear()
    assert login(client, "zhang.wei", "anything at all").status_code == 401
    page = client.get(path + "?lang=zh-CN")
    assert page.status_code == 200 and "账户：zhang.wei" in page.text
    assert _set_password(client, path, again="something else").status_code == 422
    done = _set_password(client, path)
    assert done.status_code == 303 and done.headers["location"] == "/staff/login"
    # Said in the language chosen on the link's page (zh-CN above, remembered).
    assert "已为 zhang.wei 设置密码" in client.get("/staff/login").text
    assert login(client, "zhang.wei", NEW_PASSWORD).status_code == 303
    # Once: the same link now answers with the reason and sets nothing.
    client.cookies.clear()
    again = _set_password(client, path, password="another password 99")
    assert again.status_code == 422
    assert "invalid, expired or already used" in again.text
    assert login(client, "zhang.wei", NEW_PASSWORD).status_code == 303


def test_a_bad_invitation_creates_nothing_and_says_why(
    client, store, tmp_path, password_hash
) -> None:
    build_org(store, tmp_path, password_hash)
    login(client, "alice")
    r = _invite(client, name="li.na", role="agent", scope="team", team="north", employee="E99")
    assert r.status_code == 404 and "No employee with id E99." in r.text
    r = _invite(client, name="li.na", role="agent", scope="team")
    assert r.status_code == 422 and "Scope team needs a team" in r.text
    r = _invite(client, name="李娜", role="agent")
    assert r.status_code == 422 and "Invalid user name" in r.text
    r = _invite(client, name="carol", role="agent")
    assert r.status_code == 422 and "already exists" in r.text
    with store.session() as s:
        assert s.scalar(select(StaffUser.id).where(StaffUser.name == "li.na")) is None
    # The form keeps what was typed.
    assert 'value="li.na"' in _invite(client, name="li.na", role="agent", scope="team").text


def test_role_scope_team_and_employee_change_together_or_not_at_all(
    client, store, tmp_path, password_hash
) -> None:
    build_org(store, tmp_path, password_hash)
    login(client, "alice")
    dave = _id(store, "dave")
    form = client.get(f"/staff/users/{dave}")
    fields = {"csrf_token": csrf_from(form.text), "role": "manager", "scope": "unit"}
    bad = client.post(f"/staff/users/{dave}", data={**fields, "unit": "", "employee": "E3"})
    assert bad.status_code == 422 and "Scope unit needs a region or branch" in bad.text
    with store.session() as s:
        assert s.get(StaffUser, dave).role.value == "agent"  # type: ignore[union-attr]
    # E1 belongs to bob: refused, naming the account; nothing else changed either.
    taken = client.post(f"/staff/users/{dave}", data={**fields, "unit": "S", "employee": "E1"})
    assert taken.status_code == 422 and "already linked to the account bob" in taken.text
    with store.session() as s:
        assert s.get(StaffUser, dave).role.value == "agent"  # type: ignore[union-attr]
    ok = client.post(
        f"/staff/users/{dave}",
        data={**fields, "unit": "S", "employee": "E3"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    shown = client.get(ok.headers["location"]).text
    assert "Saved the changes to dave." in shown
    with store.session() as s:
        user = s.get(StaffUser, dave)
        assert user is not None and (user.role.value, user.scope.value) == ("manager", "unit")
    (update,) = _audit(store, "update", dave)
    assert update.before["role"] == "agent" and update.after["role"] == "manager"  # type: ignore[index]


def test_an_admin_cannot_lock_themselves_out(client, store, users) -> None:
    login(client, "alice")
    alice = _id(store, "alice")
    form = client.get(f"/staff/users/{alice}")
    assert "Deactivate" not in form.text  # the button is not offered for oneself
    token = csrf_from(form.text)
    r = client.post(f"/staff/users/{alice}/active", data={"active": "false", "csrf_token": token})
    assert r.status_code == 422 and "cannot deactivate your own account" in r.text
    r = client.post(
        f"/staff/users/{alice}", data={"role": "viewer", "scope": "all", "csrf_token": token}
    )
    assert r.status_code == 422 and "cannot take the admin role from yourself" in r.text
    # the same rule as the API's (cxm.accounts.update_user): not her own scope either …
    r = client.post(
        f"/staff/users/{alice}", data={"role": "admin", "scope": "own", "csrf_token": token}
    )
    assert r.status_code == 422 and "cannot change your own scope, team or unit" in r.text
    with store.session() as s:
        me = s.get(StaffUser, alice)
        assert me is not None and (me.role.value, me.scope.value) == ("admin", "all")
    # … while the form, which sends every field, still saves her own e-mail address
    r = client.post(
        f"/staff/users/{alice}",
        data={"role": "admin", "scope": "all", "email": "alice@example.com", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with store.session() as s:
        assert s.get(StaffUser, alice).email == "alice@example.com"  # type: ignore[union-attr]


def test_deactivation_signs_out_everywhere_and_reactivation_lets_back_in(
    app, client, store, users
) -> None:
    from fastapi.testclient import TestClient

    with TestClient(app, headers={"accept": "text/html"}) as carols:
        assert login(carols, "carol").status_code == 303
        assert carols.get("/staff/cases", follow_redirects=False).status_code == 200
        login(client, "alice")
        carol = _id(store, "carol")
        token = csrf_from(client.get(f"/staff/users/{carol}").text)
        client.post(f"/staff/users/{carol}/active", data={"active": "false", "csrf_token": token})
        assert carols.get("/staff/cases", follow_redirects=False).status_code == 303  # to login
        assert login(carols, "carol").status_code == 401
        r = client.post(
            f"/staff/users/{carol}/active", data={"active": "true", "csrf_token": token}
        )
        assert "carol can sign in again." in r.text
        assert login(carols, "carol").status_code == 303
    assert [e.after["active"] for e in _audit(store, "update", carol)] == [False, True]  # type: ignore[index]


def test_a_reset_link_replaces_the_password_once(client, store, users) -> None:
    login(client, "alice")
    bob = _id(store, "bob")
    token = csrf_from(client.get(f"/staff/users/{bob}").text)
    r = client.post(f"/staff/users/{bob}/password-link", data={"csrf_token": token})
    path = _link(r.text)
    second = _link(
        client.post(f"/staff/users/{bob}/password-link", data={"csrf_token": token}).text
    )
    client.cookies.clear()
    assert login(client, "bob", PASSWORD).status_code == 303  # the old password until used
    client.cookies.clear()
    assert _set_password(client, path).status_code == 303
    assert login(client, "bob", PASSWORD).status_code == 401
    assert login(client, "bob", NEW_PASSWORD).status_code == 303
    client.cookies.clear()
    assert _set_password(client, second).status_code == 422  # the later link died with it
    assert len(_audit(store, "set_password", bob)) == 1


@pytest.mark.parametrize("path", ["/staff/password/nonsense", "/staff/password/" + "x" * 600])
def test_a_forged_or_overlong_link_is_refused(client, path: str) -> None:
    r = client.get(path)
    assert r.status_code in (400, 422)


def test_only_admins_reach_users(client, store, tmp_path, password_hash) -> None:
    build_org(store, tmp_path, password_hash)
    for name in ("bob", "carol", "erin", "frank", "gina", "hank"):
        client.cookies.clear()
        login(client, name)
        assert client.get("/staff/users").status_code == 403, name
        assert client.get("/staff/audit").status_code == 403, name
