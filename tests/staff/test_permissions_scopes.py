"""Scopes narrow what a route shows: a lead sees the teams they lead and their sub-teams,
never a sibling team; an agent their own team; a regional manager their region; a team
outside the scope is not found (404). Hierarchy queries run on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cxm.accounts.models import StaffUser
from cxm.org.hierarchy import sub_teams, subunits, teams_in_units, teams_led_by
from cxm.org.models import OrgUnit
from tests.org_factories import STAFF, assign_customers, build_org
from tests.staff.conftest import bearer


@pytest.fixture
def org(store, tmp_path, password_hash):
    return build_org(store, tmp_path, password_hash)


@pytest.fixture
def staff(store, org) -> dict[str, dict[str, str]]:
    return {name: {**bearer(store, name), "accept": "application/json"} for name in STAFF}


def test_descendants_by_recursive_query(store, org) -> None:
    with store.session() as s:
        unit = {u.code: u.id for u in s.scalars(select(OrgUnit))}
        bob = s.scalar(select(StaffUser.id).where(StaffUser.name == "bob"))
        assert bob is not None
        assert subunits(s, {unit["HQ"]}) == set(unit.values())
        assert subunits(s, {unit["N"]}) == {unit["N"], unit["N1"]}
        assert teams_in_units(s, {unit["N"]}) == {
            org.teams["north"],
            org.teams["north-a"],
            org.teams["sibling"],
        }
        assert sub_teams(s, {org.teams["north"]}) == {org.teams["north"], org.teams["north-a"]}
        assert teams_led_by(s, bob) == {org.teams["north"], org.teams["north-a"]}


@pytest.mark.parametrize(
    ("name", "invited"),
    [("alice", 6), ("frank", 6), ("erin", 5), ("bob", 3), ("carol", 2), ("dave", 2)],
)
def test_response_rates_count_the_teams_in_scope(
    client, store, staff, survey, tmp_path, name: str, invited: int
) -> None:
    assign_customers(store, tmp_path)
    r = client.get(f"/api/v1/waves/{survey.wave_id}/rates", headers=staff[name])
    assert r.status_code == 200, r.text
    assert r.json()["total"]["invited"] == invited
    listed = client.get("/api/v1/waves", headers=staff[name]).json()
    assert [w["invited"] for w in listed] == [invited]


@pytest.mark.parametrize(
    ("name", "team", "status"),
    [
        ("bob", "north", 200),
        ("bob", "north-a", 200),  # a sub-team of the team bob leads
        ("bob", "sibling", 404),  # a sibling team: not found, not forbidden
        ("carol", "north", 200),
        ("carol", "north-a", 404),  # team scope: her own team only
        ("dave", "north", 404),
        ("erin", "sibling", 200),
        ("erin", "south", 404),  # another region
        ("alice", "south", 200),
        ("gina", "north", 403),  # viewers lack view_organisation altogether
    ],
)
def test_a_team_outside_the_scope_is_not_found(
    client, staff, org, name: str, team: str, status: int
) -> None:
    r = client.get(f"/api/v1/org/teams/{org.teams[team]}", headers=staff[name])
    assert r.status_code == status, r.text
    if status == 404:
        unknown = client.get("/api/v1/org/teams/999999", headers=staff[name])
        assert unknown.json()["message"].startswith("Not found")
        assert r.json()["message"].startswith("Not found")


def test_a_team_lists_its_current_members(client, staff, org) -> None:
    r = client.get(f"/api/v1/org/teams/{org.teams['north']}", headers=staff["bob"])
    body = r.json()
    assert body["lead"] == "E1"
    assert [m["external_id"] for m in body["members"]] == ["E1", "E2"]  # E6 left in 2020


def test_the_tree_shows_a_lead_only_their_branch(client, staff) -> None:
    def teams(nodes: list[dict]) -> set[str]:
        out = set()
        for n in nodes:
            for t in n.get("teams", []) + n.get("sub_teams", []):
                out |= {t["name"]} | teams([t])
            out |= teams(n.get("units", []))
        return out

    assert teams(client.get("/api/v1/org/tree", headers=staff["bob"]).json()) == {
        "north",
        "north-a",
    }
    assert teams(client.get("/api/v1/org/tree", headers=staff["alice"]).json()) == {
        "north",
        "north-a",
        "sibling",
        "south",
    }


def test_comments_of_a_small_group_stay_hidden(client, store, staff, survey, tmp_path) -> None:
    """bob leads teams with 2 completed answers, fewer than CXM_MIN_TEXT_GROUP (5): the wave
    page shows him no comments; alice, reading the whole company, sees them."""
    assign_customers(store, tmp_path)
    page = {"accept": "text/html"}
    bob = client.get(f"/staff/waves/{survey.wave_id}", headers={**staff["bob"], **page})
    alice = client.get(f"/staff/waves/{survey.wave_id}", headers={**staff["alice"], **page})
    assert bob.status_code == alice.status_code == 200
    assert "更快一点" in alice.text
    assert "更快一点" not in bob.text


def test_a_grant_names_the_teams_and_units_in_scope(store, org) -> None:
    from cxm.accounts.permissions import Capability
    from cxm.web.permissions import grant_for

    with store.session() as s:
        units = {u.code: u.id for u in s.scalars(select(OrgUnit))}
        users = {u.name: u for u in s.scalars(select(StaffUser))}
        erin = grant_for(s, users["erin"], Capability.ACT_ON_CASES)
        assert erin is not None and erin.scope.value == "unit"
        assert erin.unit_ids == {units["N"], units["N1"]}
        assert erin.team_ids == {org.teams[t] for t in ("north", "north-a", "sibling")}
        carol = grant_for(s, users["carol"], Capability.ACT_ON_CASES)
        # Agents act on their team's cases (issue 16 item 6).
        assert carol is not None and carol.scope.value == "team"
        assert carol.team_ids == {carol.user.team_id}
        alice = grant_for(s, users["alice"], Capability.ACT_ON_CASES)
        assert alice is not None and alice.team_ids is None and alice.unit_ids is None
        assert grant_for(s, users["gina"], Capability.ACT_ON_CASES) is None
