"""Signing in and out of the staff pages, with CSRF and the login throttle."""

from __future__ import annotations

import pytest

from tests.staff.conftest import PASSWORD, csrf_from, login


def test_it_signs_in_and_shows_the_dashboard(client, users) -> None:
    r = login(client, "alice")
    assert r.status_code == 303 and r.headers["location"] == "/staff/"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = client.get("/staff/")
    assert page.status_code == 200
    assert "alice" in page.text


def test_it_refuses_a_wrong_password(client, users) -> None:
    r = login(client, "alice", "not the password")
    assert r.status_code == 401
    assert "Wrong user name or password" in r.text
    assert client.get("/staff/", follow_redirects=False).status_code == 303


def test_it_refuses_a_login_without_csrf_token(client, users) -> None:
    client.get("/staff/login")
    r = client.post(
        "/staff/login", data={"name": "alice", "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 403


def test_it_refuses_a_csrf_token_from_another_session(client, app, users) -> None:
    from tests.staff.conftest import TestClient

    with TestClient(app) as other:
        foreign = csrf_from(other.get("/staff/login").text)
    client.get("/staff/login")
    r = client.post(
        "/staff/login",
        data={"name": "alice", "password": PASSWORD, "csrf_token": foreign},
        follow_redirects=False,
    )
    assert r.status_code == 403


def test_logout_needs_the_csrf_token(client, users) -> None:
    login(client, "alice")
    assert client.post("/staff/logout", follow_redirects=False).status_code == 403
    page = client.get("/staff/")
    r = client.post(
        "/staff/logout", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False
    )
    assert r.status_code == 303
    assert client.get("/staff/", follow_redirects=False).status_code == 303


@pytest.mark.slow
def test_it_throttles_repeated_failures_with_429(client, users) -> None:
    for _ in range(5):
        assert login(client, "alice", "wrong password!").status_code == 401
    r = login(client, "alice", PASSWORD)  # even the right password waits now
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0


@pytest.mark.slow
def test_the_throttle_counts_per_account_across_addresses(app, users) -> None:
    from tests.staff.conftest import TestClient

    for n in range(5):
        with TestClient(app, client=(f"10.0.0.{n}", 1234)) as c:
            assert login(c, "bob", "wrong password!").status_code == 401
    with TestClient(app, client=("10.0.0.99", 1234)) as c:
        assert login(c, "bob", PASSWORD).status_code == 429
        assert login(c, "alice", PASSWORD).status_code == 303  # other accounts unaffected


def test_next_cannot_send_you_to_another_site(client, users) -> None:
    form = client.get("/staff/login")
    r = client.post(
        "/staff/login",
        data={
            "name": "alice",
            "password": PASSWORD,
            "csrf_token": csrf_from(form.text),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/staff/"


def test_a_forged_session_cookie_is_ignored(client, users) -> None:
    client.cookies.set("cxm_session", "eyJ1aWQiOjF9.forged.signature")
    assert client.get("/staff/", follow_redirects=False).status_code == 303


def test_the_session_cookie_is_secure_over_https(app, users) -> None:
    from tests.staff.conftest import TestClient

    with TestClient(app, base_url="https://testserver") as c:
        r = login(c, "alice")
    assert r.status_code == 303
    assert "Secure" in r.headers["set-cookie"]


def test_a_new_password_ends_old_sessions(client, store, users) -> None:
    from cxm.accounts import set_password

    login(client, "alice")
    assert client.get("/staff/", follow_redirects=False).status_code == 200
    with store.session() as s:
        set_password(s, name="alice", password="another long password")
    assert client.get("/staff/", follow_redirects=False).status_code == 303
