"""Every route of the app rejects an anonymous request unless it is on the PUBLIC list.

The routes are walked from ``create_app().routes`` (included routers flattened), so a route
added tomorrow is checked without touching this test; a new public route must be added to
PUBLIC on purpose.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import iter_route_contexts

#: (method, path template) that anyone may call.
PUBLIC = {
    ("GET", "/health"),
    ("GET", "/healthz"),  # the probe of a load balancer or an orchestrator
    ("GET", "/readyz"),
    ("GET", "/openapi.json"),
    ("HEAD", "/openapi.json"),
    ("GET", "/staff/login"),
    ("POST", "/staff/login"),
    # choosing a password from a one-time link: the signed link is the credential
    ("GET", "/staff/password/{token}"),
    ("POST", "/staff/password/{token}"),
    # the respondent's form: the token in the link is the credential
    ("GET", "/r/{token}"),
    ("POST", "/r/{token}"),
    ("GET", "/p/{public_token}"),
    # the employee survey: the link (or the team code) is the credential, and it is anonymous
    ("GET", "/e"),
    ("GET", "/e/{token}"),
    ("POST", "/e/{token}"),
    # the public feedback and complaint form, open around the clock (rate-limited)
    ("GET", "/feedback"),
    ("POST", "/feedback"),
}
#: Mounted apps that are public as a whole.
PUBLIC_MOUNTS = {"/static"}


def _routes(app) -> list[tuple[str, str]]:
    found = []
    for ctx in iter_route_contexts(app.routes):
        path = ctx.path
        methods = getattr(ctx.original_route, "methods", None) or set()
        if not methods:
            assert path in PUBLIC_MOUNTS, f"unexpected mount {path}"
            continue
        found.extend((m, path) for m in sorted(methods) if m != "HEAD" or (m, path) in PUBLIC)
    return found


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_the_walk_finds_the_staff_api_and_pages(app) -> None:
    routes = set(_routes(app))
    assert ("GET", "/api/v1/waves/{wave_id}/responses.csv") in routes
    assert ("GET", "/staff/") in routes
    assert ("POST", "/api/v1/questionnaires") in routes


def test_every_private_route_rejects_anonymous_api_clients(app, client, survey) -> None:
    leaks = []
    for method, path in _routes(app):
        if (method, path) in PUBLIC:
            continue
        r = client.request(
            method,
            _concrete(path),
            headers={"accept": "application/json"},
            follow_redirects=False,
        )
        if r.status_code != 401:
            leaks.append(f"{method} {path} → {r.status_code}")
    assert not leaks, "routes open to anonymous API clients:\n" + "\n".join(leaks)


def test_every_private_page_sends_a_browser_to_login(app, client, survey) -> None:
    leaks = []
    for method, path in _routes(app):
        if (method, path) in PUBLIC or method != "GET":
            continue
        r = client.get(_concrete(path), follow_redirects=False)
        ok = r.status_code == 401 or (
            r.status_code == 303 and r.headers["location"].startswith("/staff/login")
        )
        if not ok:
            leaks.append(f"{method} {path} → {r.status_code}")
    assert not leaks, "pages open to anonymous browsers:\n" + "\n".join(leaks)


@pytest.mark.parametrize("token", ["Bearer nope", "Bearer cxm_forged", "Basic YWxpY2U6eA=="])
def test_bad_credentials_are_401(client, survey, token: str) -> None:
    r = client.get("/api/v1/waves", headers={"authorization": token, "accept": "*/*"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
