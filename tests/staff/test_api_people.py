"""``/api/v1/people``: the employee index per team for the caller's teams, with the same
suppression for every reader; linkage for whole-company readers only."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from cxm.people.organisation import import_org_file
from cxm.people.surveys import answer, create_wave
from cxm.store import Store
from tests.org_factories import build_org
from tests.people.test_employee_surveys import _answers
from tests.staff.conftest import bearer

#: More people: north 2 + 5 = 7, north-a 1 + 5 = 6, sibling 2 + 1 = 3, south 0 + 6 = 6.
MORE = {"north": 5, "north-a": 5, "sibling": 1, "south": 6}


def test_index_and_linkage_by_role_and_scope(
    store: Store, client: TestClient, tmp_path: Path, password_hash: str
) -> None:
    org = build_org(store, tmp_path, password_hash)
    lines = ["external_id,name,team,unit,job,hired_on,left_on,staff_user"]
    lines += [
        f"X{team}{i},X,{team},,agent,2020-01-01,," for team, n in MORE.items() for i in range(n)
    ]
    (tmp_path / "more.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with store.session() as s:
        import_org_file(s, kind="employees", path=tmp_path / "more.csv")
        wave, links = create_wave(
            s, name="w", opens_on=date(2026, 3, 1), closes_on=date(2026, 3, 9)
        )
        for link in links:
            answer(s, token=link.token, answers=_answers(4, 9), today=date(2026, 3, 2))
        wave_id = wave.id
    url = f"/api/v1/people/waves/{wave_id}/index"

    def get(name: str, path: str) -> tuple[int, dict[str, Any]]:
        r = client.get(path, headers={**bearer(store, name), "accept": "application/json"})
        return r.status_code, r.json()

    status, alice = get("alice", url)
    assert status == 200
    teams = {t["name"]: t for t in alice["teams"]}
    # sibling (3) is small; north (13 with north-a) and south (6) would give sibling as
    # company − north − south: south, the smaller, is withheld as its complement.
    assert teams["sibling"]["withheld"] == "small" and teams["sibling"]["respondents"] is None
    assert teams["south"]["withheld"] == "complementary"
    assert teams["north"]["shown"] and teams["north"]["respondents"] == 13
    assert teams["north-a"]["shown"] and teams["north"]["index"] == 75.0
    assert alice["company"]["shown"]

    status, bob = get("bob", url)  # lead of north and north-a
    assert status == 200 and bob["company"] is None
    assert {t["name"] for t in bob["teams"]} == {"north", "north-a"}
    assert get("carol", url)[0] == 403  # agents do not see employee results
    assert get("alice", "/api/v1/people/waves/999999/index")[0] == 404

    status, doc = get("alice", "/api/v1/people/linkage?resamples=200")
    assert status == 200 and doc["waves"] == ["w"]
    assert get("bob", "/api/v1/people/linkage")[0] == 403  # company-wide only
    assert org.teams["north"] > 0


def test_cuts_by_role_with_complementary_suppression(
    store: Store, client: TestClient, tmp_path: Path, password_hash: str
) -> None:
    build_org(store, tmp_path, password_hash)
    lines = ["external_id,name,team,unit,job,hired_on,left_on,staff_user"]
    # 12 agents and 2 supervisors (主管) in north: the supervisors are a small band, and the
    # agents' band beside the company's total could give them away unless enough others remain.
    lines += [f"A{i},A,north,,客服,2020-01-01,," for i in range(12)]
    lines += [f"S{i},S,north,,主管,2020-01-01,," for i in range(2)]
    (tmp_path / "more.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with store.session() as s:
        import_org_file(s, kind="employees", path=tmp_path / "more.csv")
        wave, links = create_wave(
            s, name="w", opens_on=date(2026, 3, 1), closes_on=date(2026, 3, 9), attributes=["role"]
        )
        for link in links:
            answer(s, token=link.token, answers=_answers(4, 9), today=date(2026, 3, 2))
        wave_id = wave.id

    def get(name: str, path: str) -> tuple[int, dict[str, Any]]:
        r = client.get(path, headers={**bearer(store, name), "accept": "application/json"})
        return r.status_code, r.json()

    status, cut = get("alice", f"/api/v1/people/waves/{wave_id}/cuts/role")
    assert status == 200, cut
    cells = {c["band"]: c for c in cut["cells"]}
    assert cells["主管"]["withheld"] == "small" and cells["主管"]["index"] is None
    # Every other band together is the company minus the supervisors and the few others:
    # whatever is published, no band below the minimum can be derived (audited in
    # tests/people/test_attribute_cuts.py); here no shown band is below it.
    assert all(c["respondents"] is None or c["respondents"] >= cut["minimum"] for c in cut["cells"])
    # The org's own agents (3) and leads (2) are small too; the 客服 band (12) is shown, since
    # the company (19) minus it leaves 7 people, not one small band.
    assert {b for b, c in cells.items() if c["withheld"] == "small"} == {
        "主管",
        "agent",
        "team lead",
    }
    assert cells["客服"]["shown"] and cells["客服"]["respondents"] == 12
    assert get("bob", f"/api/v1/people/waves/{wave_id}/cuts/role")[0] == 403
    assert get("alice", f"/api/v1/people/waves/{wave_id}/cuts/tenure")[0] == 422
