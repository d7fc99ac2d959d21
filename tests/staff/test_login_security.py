"""Sign-in security: the throttle is shared by every worker (it lives in the database),
an attacker failing 1,000 times does not keep the real user out of their known browser,
every attempt is recorded, sessions end everywhere at once, TOTP as a second factor, and
the client address is the one a trusted proxy forwards. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time

import pyotp
import pytest
from sqlalchemy import func, select

from cxm.accounts import get_user
from cxm.accounts.login_models import LoginAttempt, StaffSession
from cxm.accounts.sessions import deactivate_user, reset_password
from cxm.accounts.totp import begin_totp, enable_totp
from cxm.config import Settings
from cxm.store import Store
from cxm.web.app import create_app
from tests.staff.conftest import PASSWORD, TestClient, csrf_from, login


def _signed_in(client: TestClient) -> bool:
    return client.get("/staff/", follow_redirects=False).status_code == 200


def _attempts(store: Store, **where: object) -> int:
    with store.session() as s:
        query = select(func.count()).select_from(LoginAttempt).filter_by(**where)
        return int(s.scalar(query) or 0)


def test_the_throttle_holds_across_two_app_instances(settings: Settings, users) -> None:  # type: ignore[no-untyped-def]
    # Two apps, each with its own store (own pool), on one database: two workers.
    one = Store.open(settings.database_url)
    two = Store.open(settings.database_url)
    try:
        with TestClient(create_app(settings, store=one), client=("10.1.0.1", 1)) as a:
            for _ in range(5):
                assert login(a, "bob", "wrong password!").status_code == 401
        with TestClient(create_app(settings, store=two), client=("10.1.0.2", 1)) as b:
            refused = login(b, "bob", PASSWORD)
            assert refused.status_code == 429
            assert 0 < int(refused.headers["retry-after"]) <= 900
            assert login(b, "alice", PASSWORD).status_code == 303  # other accounts unaffected
    finally:
        one.close()
        two.close()


@pytest.mark.slow  # several seconds: in `make test`, not `make test-fast`
def test_an_attacker_failing_1000_times_does_not_lock_out_the_real_user(
    app, store: Store, users
) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app, client=("192.0.2.10", 1)) as real:
        assert login(real, "alice").status_code == 303  # this browser is now known
        form = real.post("/staff/logout", data={"csrf_token": csrf_from(real.get("/staff/").text)})
        assert form.status_code == 200  # back on the login page
    statuses: dict[int, int] = {}
    started = time.monotonic()
    with TestClient(app, client=("198.51.100.66", 1)) as attacker:
        token = csrf_from(attacker.get("/staff/login").text)
        for i in range(1000):
            r = attacker.post(
                "/staff/login",
                data={"name": "alice", "password": f"guess {i}", "csrf_token": token},
                follow_redirects=False,
            )
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
    elapsed = time.monotonic() - started
    assert set(statuses) == {401, 429}, statuses
    assert statuses[401] <= 6  # the password was checked a handful of times, then back-off
    assert elapsed < 300
    # The real user's browser still gets in at once.
    with TestClient(app, client=("192.0.2.10", 1)) as real_again:
        real_again.cookies.update(real.cookies)
        assert login(real_again, "alice").status_code == 303
        assert _signed_in(real_again)
    # A new browser is held back by the attack… until the password is reset.
    with TestClient(app, client=("192.0.2.11", 1)) as fresh:
        assert login(fresh, "alice").status_code == 429
        with store.session() as s:
            reset_password(s, name="alice", password="a brand new password!")
        assert login(fresh, "alice", "a brand new password!").status_code == 303
    assert _attempts(store, account="alice", ok=False, reason="bad_password") == statuses[401]
    assert _attempts(store, account="alice", reason="throttled") == statuses[429] + 1
    assert _attempts(store, account="alice", ok=True, reason="ok") == 3


def test_logout_password_change_and_deactivation_end_every_session(
    app, store: Store, users
) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as laptop, TestClient(app) as phone:
        assert login(laptop, "alice").status_code == 303
        assert login(phone, "alice").status_code == 303
        page = laptop.get("/staff/")
        laptop.post("/staff/logout", data={"csrf_token": csrf_from(page.text)})
        assert not _signed_in(phone)
        assert login(phone, "alice").status_code == 303
        with store.session() as s:
            reset_password(s, name="alice", password="another good password")
        assert not _signed_in(phone)
        assert login(laptop, "bob").status_code == 303
        with store.session() as s:
            deactivate_user(s, name="bob")
        assert not _signed_in(laptop)
        assert login(laptop, "bob").status_code == 401
    with store.session() as s:
        live = s.scalar(
            select(func.count()).select_from(StaffSession).where(StaffSession.ended_at.is_(None))
        )
        reasons = set(s.scalars(select(StaffSession.end_reason)))
    assert live == 0
    assert reasons == {"logout", "password_changed", "deactivated"}


def test_an_admin_with_totp_needs_a_fresh_code(app, store: Store, users) -> None:  # type: ignore[no-untyped-def]
    with store.session() as s:
        alice = get_user(s, name="alice")
        uri = begin_totp(s, user=alice)
    secret = pyotp.parse_uri(uri).secret
    totp = pyotp.TOTP(secret)
    with store.session() as s:
        # The first code enables it; pyotp's own TOTP is the reference implementation.
        enable_totp(s, user=get_user(s, name="alice"), code=totp.at(time.time() - 30))
    with TestClient(app) as c:
        asked = login(c, "alice")
        assert asked.status_code == 401 and 'name="code"' in asked.text
        form = c.get("/staff/login")
        data = {"name": "alice", "password": PASSWORD, "csrf_token": csrf_from(form.text)}
        wrong = c.post("/staff/login", data={**data, "code": "000000"}, follow_redirects=False)
        assert wrong.status_code == 401
        code = totp.now()
        ok = c.post("/staff/login", data={**data, "code": code}, follow_redirects=False)
        assert ok.status_code == 303
    with TestClient(app) as other:
        form = other.get("/staff/login")
        data = {"name": "alice", "password": PASSWORD, "csrf_token": csrf_from(form.text)}
        replay = other.post("/staff/login", data={**data, "code": code}, follow_redirects=False)
        assert replay.status_code == 401  # a code is good once
    assert _attempts(store, account="alice", reason="bad_code") == 3


def test_the_client_address_is_the_forwarded_one_only_from_a_trusted_proxy(
    settings: Settings, store: Store, users
) -> None:  # type: ignore[no-untyped-def]
    trusting = settings.model_copy(update={"trusted_proxies": "10.9.9.9"})
    tls = {"X-Forwarded-For": "203.0.113.50", "X-Forwarded-Proto": "https"}
    with TestClient(create_app(trusting, store=store), client=("10.9.9.9", 1)) as proxied:
        page = proxied.get("/staff/login", headers=tls)
        assert "secure" in page.headers["set-cookie"].lower()
        proxied.headers["X-Forwarded-For"] = "203.0.113.50"
        assert login(proxied, "alice", "wrong password!").status_code == 401
    with TestClient(create_app(trusting, store=store), client=("10.7.7.7", 1)) as direct:
        # Forged: this peer is no proxy of ours, so its headers are ignored.
        page = direct.get("/staff/login", headers=tls)
        assert "secure" not in page.headers["set-cookie"].lower()
        direct.headers["X-Forwarded-For"] = "203.0.113.50"
        assert login(direct, "alice", "wrong password!").status_code == 401
    assert _attempts(store, client="203.0.113.50") == 1
    assert _attempts(store, client="10.7.7.7") == 1


def test_cli_totp_deactivate_and_the_sign_in_record(cxm, database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cxm.accounts import create_user

    with Store.open(database_url) as store, store.session() as s:
        create_user(s, name="dora", role="admin", password=PASSWORD)
    done = cxm("security", "totp-setup", "dora")
    assert done.exit_code == 0 and done.stdout.startswith("otpauth://totp/")
    secret = pyotp.parse_uri(done.stdout.splitlines()[0]).secret
    assert cxm("security", "totp-enable", "dora", "000000").exit_code == 1
    done = cxm("security", "totp-enable", "dora", pyotp.TOTP(secret).now())
    assert done.exit_code == 0, done.stderr
    new = tmp_path / "pw"
    new.write_text("a fresh long password\n")
    assert cxm("security", "reset-password", "dora", "--password-file", str(new)).exit_code == 0
    assert cxm("security", "deactivate", "dora").exit_code == 0
    done = cxm("security", "logins", "--user", "dora", "--json")
    assert done.exit_code == 0
    assert [r["reason"] for r in json.loads(done.stdout)] == ["password_reset"]


def test_every_cookie_is_secure_behind_a_tls_proxy(settings: Settings, store: Store, users) -> None:  # type: ignore[no-untyped-def]
    trusting = settings.model_copy(update={"trusted_proxies": "10.9.9.9"})
    tls = {"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"}
    with TestClient(create_app(trusting, store=store), client=("10.9.9.9", 1)) as proxied:
        page = proxied.get("/staff/login?lang=zh-CN", headers=tls)
        cookies = page.headers.get_list("set-cookie")
        assert {c.split("=", 1)[0] for c in cookies} == {"cxm_session", "lang"}
        assert all("secure" in c.lower() for c in cookies), cookies


def test_deactivation_through_update_user_ends_sessions(app, store: Store, users) -> None:  # type: ignore[no-untyped-def]
    from cxm.accounts.service import update_user

    with TestClient(app) as browser:
        assert login(browser, "bob").status_code == 303
        with store.session() as s:
            update_user(s, name="bob", active=False)
        assert not _signed_in(browser)
        with store.session() as s:
            update_user(s, name="bob", active=True)
        assert not _signed_in(browser)  # the old session stays ended
        assert login(browser, "bob").status_code == 303
