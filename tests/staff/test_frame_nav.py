"""The workspace frame: the menu comes from one table (``cxm.web.nav.NAV``) and shows each
role and scope exactly the pages its capabilities open; every built page of the table
declares the same capability as the table says; breadcrumbs, flash messages, the skip link,
the language switch and the company's time zone are on every page."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from cxm.accounts.permissions import Scope, effective_scope
from cxm.web.nav import NAV
from cxm.web.permissions import required_capability
from tests.org_factories import STAFF, build_org
from tests.staff.conftest import PASSWORD, login


def _page_routes(app) -> dict[str, tuple[object, str]]:
    """GET path → (capability, mode) of each page route."""
    out = {}
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if not isinstance(route, APIRoute) or "GET" not in route.methods:
            continue
        for sub in route.dependant.dependencies:
            if sub.call is not None and (cap := required_capability(sub.call)) is not None:
                out[ctx.path] = cap
    return out


def test_every_built_page_of_the_menu_declares_what_the_table_says(app) -> None:
    routes = _page_routes(app)
    built = [item for item in NAV if item.path in routes]
    # The frame's own pages and those that existed before it are built here for certain.
    assert {"/staff/", "/staff/cases", "/staff/users", "/staff/audit"} <= {i.path for i in built}
    wrong = [
        f"{i.path}: table {i.capability.value}/{i.mode}, route {routes[i.path]}"
        for i in built
        if routes[i.path] != (i.capability, i.mode)
    ]
    assert not wrong, "\n".join(wrong)


def _expected(role: str, scope: str) -> list[str]:
    """The menu a role and scope should see, worked out from the permissions table alone."""
    out = []
    for item in NAV:
        got = effective_scope(role, scope, item.capability)
        if got is not None and (item.mode != "company" or got is Scope.ALL):
            out.append(item.path)
    return out


def _menu(html: str) -> list[str]:
    nav = re.search(r'<nav class="main-nav"[^>]*>(.*?)</nav>', html, re.S)
    assert nav, "no main menu on the page"
    return re.findall(r'href="([^"]+)"', nav.group(1))


@pytest.mark.parametrize("name", list(STAFF))
def test_each_role_and_scope_sees_exactly_the_pages_it_may_open(
    app, client, store, tmp_path, password_hash, name: str
) -> None:
    build_org(store, tmp_path, password_hash)
    role, scope, _team, _unit = STAFF[name]
    assert login(client, name).status_code == 303
    html = client.get("/staff/?lang=en").text
    shown = _menu(html)
    assert shown == _expected(role, scope)
    # The compact menu (phones) offers the same links.
    compact = re.search(r'<details class="menu">(.*?)</details>', html, re.S)
    assert compact and re.findall(r'href="([^"]+)"', compact.group(1)) == shown
    # Every link shown that leads to a built page opens for this user (no 403).
    routes = _page_routes(app)
    for path in shown:
        if path in routes:
            assert client.get(path).status_code != 403, (name, path)


def test_the_admin_sees_every_page_and_the_shopper_only_hers(
    client, store, tmp_path, password_hash
) -> None:
    build_org(store, tmp_path, password_hash)
    login(client, "alice")
    assert _menu(client.get("/staff/").text) == [i.path for i in NAV]
    client.cookies.clear()
    login(client, "hank")
    assert _menu(client.get("/staff/").text) == ["/staff/", "/staff/shopping/new"]


def test_the_frame_has_skip_link_languages_time_zone_and_marks_the_current_page(
    client, users
) -> None:
    login(client, "alice")
    html = client.get("/staff/users?lang=zh-CN").text
    assert '<a class="skip" href="#main">跳到正文</a>' in html
    assert '<main id="main"' in html
    assert '<html lang="zh-CN">' in html
    assert 'href="/staff/users" aria-current="page"' in html
    assert "时间均为 Asia/Shanghai 时间" in html
    # The language links keep the page and its other parameters.
    html = client.get("/staff/audit?entity=staff_user&lang=en").text
    assert 'href="/staff/audit?entity=staff_user&amp;lang=zh-CN"' in html
    # The choice sticks: the next page without ?lang= is in English.
    assert '<html lang="en">' in client.get("/staff/users").text
    assert client.cookies.get("lang") == "en"


def test_breadcrumbs_lead_back(client, users) -> None:
    login(client, "alice")
    html = client.get("/staff/users?lang=en").text
    crumbs = re.search(r'<nav class="crumbs"[^>]*>(.*?)</nav>', html, re.S)
    assert crumbs
    assert '<a href="/staff/">Dashboard</a>' in crumbs.group(1)
    assert '<span aria-current="page">Users</span>' in crumbs.group(1)


def test_a_flash_message_shows_once_and_cannot_be_forged(client, users) -> None:
    login(client, "alice")
    html = client.get("/staff/users").text
    carol = re.search(r'href="/staff/users/(\d+)">carol<', html).group(1)  # type: ignore[union-attr]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    r = client.post(f"/staff/users/{carol}/active", data={"active": "false", "csrf_token": token})
    assert r.status_code == 200 and "carol is deactivated and signed out everywhere." in r.text
    assert "signed out everywhere" not in client.get(f"/staff/users/{carol}").text  # once
    client.cookies.set("cxm_flash", "forged-message", path="/staff")
    assert "forged-message" not in client.get("/staff/users").text


def test_pages_sign_in_with_a_wrong_language_cookie_still_work(client, users) -> None:
    client.cookies.set("lang", "xx")
    login(client, "alice", PASSWORD)
    assert client.get("/staff/").status_code == 200
