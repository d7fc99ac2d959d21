"""Every route declares a capability, and answers each role and scope as the table says.

The routes are walked from ``create_app().routes``: a route added tomorrow without
``Require(...)`` fails here unless it is on the PUBLIC list on purpose. Then each named user
(alice admin … hank shopper, see tests/org_factories.py) calls every route: 403 exactly
when the role lacks the capability or the route shows the whole company to a narrower scope.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from cxm.accounts.permissions import Capability, Scope, effective_scope
from cxm.web.permissions import required_capability
from tests.org_factories import STAFF, build_org
from tests.staff.conftest import bearer
from tests.staff.test_routes_need_login import PUBLIC as ANONYMOUS

#: Routes that declare no capability: the anonymous ones (one list, kept beside the test that
#: checks anonymous requests) and /metrics, whose credential is CXM_METRICS_TOKEN (or
#: loopback), not a staff role.
PUBLIC = {(m, p) for m, p in ANONYMOUS if m != "HEAD"} | {("GET", "/metrics")}


def _declared(dependant: Dependant) -> list[tuple[Capability, str, str | None]]:
    found = []
    for sub in dependant.dependencies:
        if sub.call is not None and (cap := required_capability(sub.call)) is not None:
            found.append((*cap, sub.name))
        found += _declared(sub)
    return found


def _routes(app) -> list[tuple[str, str, APIRoute]]:
    out = []
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if not isinstance(route, APIRoute):
            continue
        out += [(m, ctx.path, route) for m in sorted(route.methods) if m != "HEAD"]
    return out


def test_every_route_declares_one_capability(app) -> None:
    missing, several = [], []
    for method, path, route in _routes(app):
        declared = _declared(route.dependant)
        if (method, path) in PUBLIC:
            assert not declared, f"{method} {path} is public but declares {declared}"
        elif not declared:
            missing.append(f"{method} {path}")
        elif len(declared) > 1:
            several.append(f"{method} {path}: {declared}")
    assert not missing, "routes without Require(capability):\n" + "\n".join(missing)
    assert not several, "routes with more than one Require:\n" + "\n".join(several)


def _reads_grant(function: Any, name: str, depth: int = 1) -> bool:
    """Whether ``function`` reads ``name.team_ids`` / ``name.check_team``, itself or in a
    helper of its module that it hands ``name`` to (one level: a shared form handler)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("team_ids", "check_team")
            and isinstance(node.value, ast.Name)
            and node.value.id == name
        ):
            return True
    if depth == 0:
        return False
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        helper = function.__globals__.get(node.func.id)
        if not inspect.isfunction(helper):
            continue
        params = list(inspect.signature(helper).parameters)
        for i, arg in enumerate(node.args):
            if (
                isinstance(arg, ast.Name)
                and arg.id == name
                and i < len(params)
                and _reads_grant(helper, params[i], depth - 1)
            ):
                return True
        for kw in node.keywords:
            if (
                isinstance(kw.value, ast.Name)
                and kw.value.id == name
                and kw.arg
                and _reads_grant(helper, kw.arg, depth - 1)
            ):
                return True
    return False


def test_a_filtering_route_uses_its_grant(app) -> None:
    """``Require(..., filters=True)`` promises the route narrows its data: the endpoint must
    at least read the grant's ``team_ids`` (an unused grant would show everything)."""
    unused = []
    for method, path, route in _routes(app):
        for _cap, mode, name in _declared(route.dependant):
            if mode != "filters":
                continue
            if not _reads_grant(route.endpoint, name):
                unused.append(f"{method} {path} ({name})")
    assert not unused, "filtering routes that never read their grant:\n" + "\n".join(unused)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "999999", path)  # nothing has this id: no side effects


def _expected_forbidden(role: str, scope: str, capability: Capability, mode: str) -> bool:
    got = effective_scope(role, scope, capability)
    if got is None:
        return True
    return mode == "company" and got is not Scope.ALL


@pytest.fixture
def staff(store, tmp_path, password_hash) -> dict[str, dict[str, str]]:
    build_org(store, tmp_path, password_hash)
    return {name: bearer(store, name) for name in STAFF}


@pytest.mark.slow  # several seconds: in `make test`, not `make test-fast`
def test_each_route_answers_each_role_and_scope_as_the_table_says(app, client, staff) -> None:
    wrong = []
    for method, path, route in _routes(app):
        if (method, path) in PUBLIC or path.startswith("/reports/report."):
            continue  # the report files are the report page again (checked below)
        ((capability, mode, _name),) = _declared(route.dependant)
        for name, (role, scope, _team, _unit) in STAFF.items():
            r = client.request(
                method,
                _concrete(path),
                headers={**staff[name], "accept": "application/json"},
                follow_redirects=False,
            )
            forbidden = _expected_forbidden(role, scope, capability, mode)
            if (r.status_code == 403) != forbidden or r.status_code == 401:
                wrong.append(f"{name} ({role}/{scope}) {method} {path} → {r.status_code}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("name", "status"),
    [("alice", 200), ("frank", 200), ("gina", 200), ("erin", 403), ("bob", 403), ("hank", 403)],
)
def test_the_report_needs_view_reports_over_the_whole_company(
    client, staff, name: str, status: int
) -> None:
    r = client.get("/reports/report.html", headers=staff[name])
    assert r.status_code == status, r.text[:300]


def test_a_missing_capability_says_which(client, staff) -> None:
    r = client.get("/api/v1/users", headers={**staff["frank"], "accept": "application/json"})
    assert r.status_code == 403
    assert r.json()["message"] == "Your role (analyst) does not allow this (manage_users)."
