"""The staff API over the survey domain: questionnaires from YAML/JSON with versions,
waves with sampling, response rates per stratum."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import yaml

from tests.staff.conftest import QUESTIONNAIRE, bearer


def test_it_creates_a_questionnaire_from_yaml_and_lists_it(client, store, users) -> None:
    auth = bearer(store, "bob")
    r = client.post(
        "/api/v1/questionnaires",
        content=yaml.safe_dump(QUESTIONNAIRE, allow_unicode=True).encode(),
        headers={**auth, "content-type": "application/yaml"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 1
    listed = client.get("/api/v1/questionnaires", headers=auth).json()
    assert [q["code"] for q in listed] == ["svc"]
    one = client.get("/api/v1/questionnaires/svc", headers=auth).json()
    assert one["definition"]["pages"][0]["questions"][0]["code"] == "SAT"


def test_editing_an_answered_questionnaire_makes_a_new_version(
    client, store, users, survey
) -> None:
    auth = bearer(store, "bob")
    edited = copy.deepcopy(QUESTIONNAIRE)
    edited["title"]["en"] = "Service survey, second edition"
    r = client.put("/api/v1/questionnaires/svc", json=edited, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["new_version"] is True


def test_malformed_yaml_names_the_line(client, store, users) -> None:
    auth = bearer(store, "bob")
    r = client.post(
        "/api/v1/questionnaires",
        content=b"code: x\ntitle: {en: X}\npages:\n  - questions: [\n",
        headers={**auth, "content-type": "application/yaml"},
    )
    assert r.status_code == 422
    assert r.json()["details"][0]["row"] is not None or "line" in r.json()["message"]


def test_yaml_aliases_are_refused(client, store, users) -> None:
    auth = bearer(store, "bob")
    bomb = b'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\ncode: q\n'
    r = client.post(
        "/api/v1/questionnaires", content=bomb, headers={**auth, "content-type": "text/yaml"}
    )
    assert r.status_code == 422 and "aliases" in r.json()["message"]


def test_it_creates_a_wave_with_a_stratified_sample(client, store, users, survey) -> None:
    auth = bearer(store, "bob")
    today = date.today()
    r = client.post(
        "/api/v1/waves",
        json={
            "questionnaire": "svc",
            "name": "2027-Q1",
            "opens_on": str(today + timedelta(days=200)),
            "closes_on": str(today + timedelta(days=230)),
            "quiet_days": 0,
            "stratum": "region",
            "quotas": {"north": 2, "south": 1},
            "seed": 7,
        },
        headers=auth,
    )
    assert r.status_code == 201, r.text
    assert r.json()["invited"] == {"north": 2, "south": 1}
    waves = client.get("/api/v1/waves", headers=auth).json()
    assert {w["name"] for w in waves} == {"2026-Q4", "2027-Q1"}


def test_rates_per_stratum_add_up(client, store, users, survey) -> None:
    auth = bearer(store, "bob")
    rates = client.get(f"/api/v1/waves/{survey.wave_id}/rates", headers=auth).json()
    assert rates["total"]["invited"] == survey.invited == 6
    assert rates["total"]["completed"] == survey.completed == 3
    assert rates["total"]["rate"] == 0.5
    assert sum(s["invited"] for s in rates["strata"]) == 6
    assert {s["stratum"] for s in rates["strata"]} == {"north", "south"}


def test_an_unknown_wave_is_404(client, store, users) -> None:
    auth = bearer(store, "bob")
    r = client.get("/api/v1/waves/999/rates", headers=auth)
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_the_invitation_export_has_personal_links(client, store, users, survey) -> None:
    auth = bearer(store, "bob")
    r = client.get(f"/api/v1/waves/{survey.wave_id}/invitations.csv", headers=auth)
    assert r.status_code == 200
    lines = r.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("invitation_id,")
    assert len(lines) == 1 + survey.invited - survey.completed
    assert "/r/" in lines[1]


def test_reminders_without_smtp_are_a_clear_409(client, store, users, survey) -> None:
    auth = bearer(store, "carol")
    r = client.post(f"/api/v1/waves/{survey.wave_id}/reminders", json={}, headers=auth)
    assert r.status_code == 409  # the installation's state, not an outage (issue 21)
    assert "SMTP" in r.json()["message"]
