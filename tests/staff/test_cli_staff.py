"""The staff command line: users and tokens, questionnaires, waves, rates, exports and
imports, run through the real ``cxm`` entry point on the test database."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import yaml

from tests.staff.conftest import PASSWORD, QUESTIONNAIRE


def test_it_creates_a_user_from_a_password_file_and_lists_it(cxm, tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    r = cxm("users", "create", "alice", "--role", "admin", "--password-file", str(secret))
    assert r.exit_code == 0, r.stderr
    assert PASSWORD not in r.stdout + r.stderr
    token = cxm("users", "token", "alice")
    assert token.exit_code == 0 and token.stdout.startswith("cxm_")
    listed = json.loads(cxm("users", "list", "--json").stdout)
    assert listed[0]["name"] == "alice" and listed[0]["tokens"] == 1


def test_an_e_mail_address_is_set_changed_and_checked(cxm, tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD, encoding="utf-8")
    made = cxm("users", "create", "bob", "--role", "agent", "--password-file", str(secret),
               "--email", "bob@example.com")  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert json.loads(cxm("users", "list", "--json").stdout)[0]["email"] == "bob@example.com"
    bad = cxm("users", "update", "bob", "--email", "bob@")
    assert bad.exit_code == 1 and "Invalid e-mail address bob@" in bad.stderr
    assert cxm("users", "update", "bob", "--email", "").exit_code == 0
    assert json.loads(cxm("users", "list", "--json").stdout)[0]["email"] is None


def test_a_bad_role_is_one_clear_line(cxm, tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD, encoding="utf-8")
    r = cxm("users", "create", "bob", "--role", "root", "--password-file", str(secret))
    assert r.exit_code == 1
    assert "Unknown role root" in r.stderr and "Traceback" not in r.stderr


def test_surveys_waves_rates_and_export(cxm, survey, tmp_path: Path) -> None:
    q = tmp_path / "q.yaml"
    edited = {**QUESTIONNAIRE, "code": "svc2"}
    q.write_text(yaml.safe_dump(edited, allow_unicode=True), encoding="utf-8")
    assert cxm("surveys", "load", str(q)).exit_code == 0
    codes = [x["code"] for x in json.loads(cxm("surveys", "list", "--json").stdout)]
    assert codes == ["svc", "svc2"]
    start = date.today() + timedelta(days=300)
    made = cxm(
        "waves", "create", "next", "--questionnaire", "svc2", "--opens", str(start),
        "--closes", str(start + timedelta(days=20)), "--quiet-days", "0",
        "--stratum", "region", "--quota", "north=1", "--quota", "south=2", "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert json.loads(made.stdout)["invited"] == {"north": 1, "south": 2}
    rates = json.loads(cxm("waves", "rates", "2026-Q4", "--json").stdout)
    assert rates["total"] == {
        "stratum": "All",
        "invited": 6,
        "started": 0,
        "completed": 3,
        "rate": 0.5,
    }
    for fmt in ("csv", "xlsx", "sav"):
        out = tmp_path / f"x.{fmt}"
        r = cxm("responses", "export", "2026-Q4", "--format", fmt, "--out", str(out))
        assert r.exit_code == 0, r.stderr
        assert out.stat().st_size > 100
    lines = (tmp_path / "x.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + 3


def test_import_refuses_a_mismatched_file_naming_rows(cxm, survey, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("SAT,CHANNEL,NPS\n9,shop,5\n3,web,11\n", encoding="utf-8")
    r = cxm("responses", "import", str(bad), "--questionnaire", "svc")
    assert r.exit_code == 1
    assert "row 1" in r.stderr and "SAT" in r.stderr and "row 2" in r.stderr
    good = tmp_path / "good.csv"
    good.write_text("SAT,CHANNEL,NPS\n4,shop,5\n", encoding="utf-8")
    r = cxm("responses", "import", str(good), "--questionnaire", "svc", "--wave", "2026-Q4",
            "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["imported"] == 1
