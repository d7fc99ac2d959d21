"""``cxm cases`` end to end on the real command line, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cxm.store import Store
from tests.case_factories import staff
from tests.survey_factories import add_customers


def _setup(database_url: str) -> None:
    store = Store.open(database_url)
    add_customers(store, 3)
    staff(store)
    store.close()


def test_an_agents_day_on_the_command_line(cxm: Any, database_url: str, tmp_path: Path) -> None:
    _setup(database_url)
    r = cxm(
        "cases",
        "create",
        "C00001",
        "--subject",
        "送货晚了两周",
        "--emotion",
        "angry",
        "--fault",
        "indifference",
        "--as",
        "carol",
        "--json",
    )
    assert r.exit_code == 0, r.stderr
    case = json.loads(r.stdout)
    cid, v = str(case["id"]), str(case["version"])
    assert case["owner_user_id"] is not None and case["status"] == "new"
    assert cxm("cases", "act", cid, "acknowledge", "--version", v, "--as", "carol").exit_code == 0
    r = cxm("cases", "act", cid, "start", "--version", v, "--as", "dave")
    assert r.exit_code == 1 and "changed by someone else" in r.stderr
    r = cxm("cases", "assign", cid, "--version", "2", "--to", "dave", "--reason", "on leave")
    assert r.exit_code == 0, r.stderr
    r = cxm(
        "cases",
        "resolve",
        cid,
        "--version",
        "3",
        "--apology",
        "对不起",
        "--compensation",
        "500",
        "--as",
        "dave",
    )
    assert r.exit_code == 1 and "supervisor must approve" in r.stderr
    r = cxm(
        "cases",
        "resolve",
        cid,
        "--version",
        "3",
        "--apology",
        "对不起",
        "--compensation",
        "500",
        "--approved-by",
        "alice",
        "--emotion-out",
        "happy",
        "--as",
        "dave",
    )
    assert r.exit_code == 0, r.stderr
    shown = json.loads(cxm("cases", "show", cid, "--json").stdout)
    assert shown["status"] == "resolved" and shown["needed_supervisor"]
    assert [h["kind"] for h in shown["history"]] == [
        "created",
        "status",
        "handover",
        "recovery",
        "recovery",
        "status",
    ]
    assert shown["followups"][0]["round"] == 1
    listed = json.loads(cxm("cases", "list", "--status", "resolved", "--json").stdout)
    assert [c["id"] for c in listed] == [case["id"]]
    r = cxm("cases", "list", "--status", "open")
    assert r.exit_code == 1 and "--status" in r.stderr
    report = json.loads(cxm("cases", "report", "--json").stdout)
    assert report["summary"]["cases"] == 1 and report["summary"]["resolved"] == 1
    assert report["summary"]["supervisor_share"] == 1.0


def test_rules_load_show_and_sweep(cxm: Any, database_url: str, tmp_path: Path) -> None:
    _setup(database_url)
    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n  - {name: det, when: {any: [{question: REC, at_most: 6}]}}\n", encoding="utf-8"
    )
    r = cxm("cases", "rules", "load", str(path))
    assert r.exit_code == 0 and "version 1" in r.stdout
    assert json.loads(cxm("cases", "rules", "show", "--json").stdout)["version"] == 1
    r = cxm("cases", "sweep", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["rules"]["checked"] == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - {name: det, when: {any: [{at_most: 6}]}}\n", encoding="utf-8")
    r = cxm("cases", "rules", "load", str(bad))
    assert r.exit_code == 1 and "rules.0.when.any.0" in r.stderr


def test_an_empty_loop_report_says_what_to_do(cxm: Any, database_url: str) -> None:
    _setup(database_url)
    r = cxm("cases", "report")
    assert r.exit_code == 1 and "cxm cases create" in r.stderr
