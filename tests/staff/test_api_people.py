"""``/api/v1/people``: the employee index per team for the caller's teams, with the same
suppression for every reader; linkage for whole-company readers only."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from cxm.org.importing import import_org_file
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
