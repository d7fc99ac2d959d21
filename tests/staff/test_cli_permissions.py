"""``cxm users create --role --scope --team``, ``cxm users permissions``, the rendered
docs/permissions.md, and the minimum group size settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cxm.accounts.permissions import PERMISSIONS, Capability, Role, render_markdown
from cxm.config import load_settings
from cxm.errors import ConfigError
from tests.org_factories import TEAMS, UNITS, write

DOCS = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def test_docs_permissions_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == render_markdown(), (
        "regenerate: cxm users permissions --markdown > docs/permissions.md"
    )


def test_every_capability_has_a_row_and_admin_has_all() -> None:
    assert set(PERMISSIONS) == set(Capability)
    assert all(Role.ADMIN in row for row in PERMISSIONS.values())
    assert {c for c, row in PERMISSIONS.items() if Role.SHOPPER in row} == {
        Capability.USE_ACCOUNT,
        Capability.RECORD_VISITS,
    }


def test_users_are_created_with_role_scope_and_team(cxm, tmp_path: Path) -> None:
    pw = write(tmp_path / "pw", "a long password\n")
    assert cxm("org", "import", "units", str(write(tmp_path / "u.csv", UNITS))).exit_code == 0
    assert cxm("org", "import", "teams", str(write(tmp_path / "t.csv", TEAMS))).exit_code == 0
    made = cxm(
        "users", "create", "carol", "--role", "agent", "--scope", "team", "--team", "north",
        "--password-file", str(pw),
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert "Created user carol (agent, scope team)." in made.stdout
    erin = cxm("users", "create", "erin", "--role", "manager", "--scope", "unit", "--unit", "N",
               "--password-file", str(pw))  # fmt: skip
    assert erin.exit_code == 0, erin.stderr
    users = {u["name"]: u for u in json.loads(cxm("users", "list", "--json").stdout)}
    assert (users["carol"]["scope"], users["erin"]["scope"]) == ("team", "unit")
    assert users["carol"]["team_id"] is not None and users["erin"]["unit_id"] is not None
    moved = cxm("users", "update", "carol", "--role", "lead", "--scope", "teams_led")
    assert moved.exit_code == 0, moved.stderr
    assert "User carol: lead, scope teams_led." in moved.stdout
    assert cxm("users", "update", "carol", "--scope", "unit").exit_code == 1  # no unit given
    log = json.loads(cxm("audit", "list", "--entity", "staff_user", "--json").stdout)
    assert log[0]["action"] == "update" and log[0]["after"]["role"] == "lead"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "wizard"], "Unknown role wizard: use one of admin, manager, analyst, lead"),
        (["--role", "agent", "--scope", "galaxy"], "Unknown scope galaxy: use one of own, team"),
        (["--role", "agent", "--scope", "team"], "Scope team needs a team (--team)."),
        (["--role", "agent", "--team", "nowhere"], "Unknown team nowhere"),
        (["--role", "manager", "--scope", "unit"], "Scope unit needs a region or branch"),
    ],
)
def test_bad_roles_and_scopes_are_refused(cxm, tmp_path: Path, args, message: str) -> None:
    pw = write(tmp_path / "pw", "a long password\n")
    result = cxm("users", "create", "zed", *args, "--password-file", str(pw))
    assert result.exit_code == 1
    assert message in result.stderr
    assert json.loads(cxm("users", "list", "--json").stdout) == []


def test_the_permissions_table_prints(cxm) -> None:
    out = cxm("users", "permissions")
    assert out.exit_code == 0
    assert "see_money" in out.stdout and "teams_led" in out.stdout


def test_minimum_group_sizes_are_one_documented_family(monkeypatch) -> None:
    s = load_settings()
    assert (s.min_n, s.employee_min_group, s.min_text_group) == (30, 5, 5)
    monkeypatch.setenv("CXM_EMPLOYEE_MIN_GROUP", "2")
    with pytest.raises(ConfigError, match="CXM_EMPLOYEE_MIN_GROUP"):
        load_settings()
    monkeypatch.setenv("CXM_EMPLOYEE_MIN_GROUP", "3")
    monkeypatch.setenv("CXM_MIN_N", "12")
    assert (load_settings().employee_min_group, load_settings().min_n) == (3, 12)
