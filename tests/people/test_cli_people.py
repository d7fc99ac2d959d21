"""``cxm people survey create|index|linkage|scorecard|cuts|outcomes|training`` through the
real CLI."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

from cxm.people.surveys import answer
from cxm.store import Store
from tests.people.factories import SIZES, build_people
from tests.people.test_employee_surveys import _answers


def test_people_commands(store: Store, cxm: Any, tmp_path: Path) -> None:
    build_people(store, tmp_path)
    links = tmp_path / "links.csv"
    made = cxm(
        "people", "survey", "create", "2026 spring", "--opens", "2026-03-01",
        "--closes", "2026-03-31", "--links", str(links),
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert "21 employees invited" in made.stdout
    with links.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == sum(SIZES.values()) and set(rows[0]) == {
        "employee",
        "team",
        "token",
        "answers",
    }
    with store.session() as s:
        for row in rows:
            answer(s, token=row["token"], answers=_answers(4, 8), today=date(2026, 3, 2))

    shown = cxm("people", "index", "2026 spring", "--min-group", "5", "--json")
    assert shown.exit_code == 0, shown.stderr
    data = json.loads(shown.stdout)
    by_name = {t["name"]: t for t in data["teams"]}
    assert data["minimum"] == 5
    assert by_name["gamma"]["shown"] is False and by_name["gamma"]["index"] is None
    assert by_name["beta"]["withheld"] == "complementary"
    assert by_name["alpha"]["index"] == 75.0  # every rating 4 on 1–5

    second = tmp_path / "links2.csv"
    made = cxm(
        "people", "survey", "create", "2026 autumn", "--opens", "2026-09-01",
        "--closes", "2026-09-30", "--links", str(second),
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    with second.open(encoding="utf-8") as handle, store.session() as s:
        for row in csv.DictReader(handle):
            answer(s, token=row["token"], answers=_answers(5, 10), today=date(2026, 9, 2))
    trend = cxm("people", "trend", "--min-group", "5", "--json")
    assert trend.exit_code == 0, trend.stderr
    points = json.loads(trend.stdout)
    company = [p for p in points if p["team_id"] == 0]
    assert [p["wave"] for p in company] == ["2026 spring", "2026 autumn"]
    assert company[0]["change"] is None and company[1]["change"] == 25.0  # 75 → 100
    # A new hire in beta (9 now): publishing alpha and beta would give gamma by difference,
    # so alpha (the first of the two equal ones) is withheld this time and beta shown.
    alpha = [p for p in points if p["name"] == "alpha"]
    beta = [p for p in points if p["name"] == "beta"]
    assert [p["shown"] for p in alpha] == [True, False]
    assert [p["shown"] for p in beta] == [False, True] and beta[1]["change"] is None
    gamma = [p for p in json.loads(trend.stdout) if p["name"] == "gamma"]
    assert all(p["index"] is None and p["change"] is None for p in gamma)
    assert "withheld" in cxm("people", "trend").stdout

    table = cxm("people", "index", "2026 spring")
    assert table.exit_code == 0 and "withheld" in table.stdout

    low = cxm("people", "index", "2026 spring", "--min-group", "2")
    assert low.exit_code == 1 and "may not be below 3" in low.stderr

    linked = cxm("people", "linkage", "--json", "--resamples", "200")
    assert linked.exit_code == 0, linked.stderr
    result = json.loads(linked.stdout)
    assert result["waves"] == ["2026 spring", "2026 autumn"]
    assert result["links"][0]["pearson"] is None  # one shown team: nothing to correlate
    assert "Too few teams" in result["links"][0]["conclusion"]

    card = cxm("people", "scorecard", "--since", "2026-01-01", "--until", "2026-03-31", "--json")
    assert card.exit_code == 0, card.stderr
    assert {c["team"] for c in json.loads(card.stdout)} == set(SIZES)
    staff = cxm(
        "people", "scorecard", "--since", "2026-01-01", "--until", "2026-03-31", "--employees",
        "--json",
    )  # fmt: skip
    assert staff.exit_code == 0 and json.loads(staff.stdout) == []  # no rated contacts

    bad = cxm("people", "scorecard", "--since", "2026-13-01", "--until", "2026-03-31")
    assert bad.exit_code == 1 and "--since: 2026-13-01 is not a date" in bad.stderr


def test_people_turnover_command(store: Store, cxm: Any, tmp_path: Path) -> None:
    build_people(store, tmp_path)
    out = cxm("people", "turnover", "--since", "2024-01-01", "--until", "2026-12-31", "--json")
    assert out.exit_code == 0, out.stderr
    rows = {r["team"]: r for r in json.loads(out.stdout)}
    assert rows["alpha"]["leavers"] == 1 and rows["gamma"]["rate"] == 0
    table = cxm("people", "turnover", "--since", "2024-01-01", "--until", "2026-12-31")
    assert table.exit_code == 0 and "alpha" in table.stdout


def test_cuts_outcomes_and_training_commands(store: Store, cxm: Any, tmp_path: Path) -> None:
    build_people(store, tmp_path)
    links = tmp_path / "links.csv"
    made = cxm(
        "people", "survey", "create", "2026 春", "--opens", "2026-03-01", "--closes",
        "2026-03-31", "--links", str(links), "--attribute", "tenure",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    with links.open(encoding="utf-8") as handle, store.session() as s:
        for row in csv.DictReader(handle):
            answer(s, token=row["token"], answers=_answers(4, 8), today=date(2026, 3, 2))
    cut = cxm("people", "cuts", "2026 春", "--by", "tenure", "--json")
    assert cut.exit_code == 0, cut.stderr
    data = json.loads(cut.stdout)
    # Everyone was hired in 2020: one band, 21 people, shown.
    assert [(c["band"], c["respondents"]) for c in data["cells"]] == [("5y+", 21)]
    refused = cxm("people", "cuts", "2026 春", "--by", "role")
    assert refused.exit_code == 1 and "declared no attribute role" in refused.stderr

    codes = tmp_path / "codes.csv"
    made = cxm(
        "people", "survey", "create", "codes", "--opens", "2026-04-01", "--closes",
        "2026-04-30", "--links", str(codes), "--team-codes",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    with codes.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["team"]: int(r["answers"]) for r in rows} == SIZES and rows[0]["employee"] == ""

    out = cxm("people", "outcomes", "--since", "2026-01-01", "--until", "2026-03-31", "--json")
    assert out.exit_code == 0 and json.loads(out.stdout) == []  # no cases, visits or awards
    assert (
        cxm("people", "outcomes", "--since", "2026-01-01", "--until", "2026-03-31").exit_code == 0
    )

    trainings = tmp_path / "trainings.csv"
    trainings.write_text("employee,course,completed_on\nP1,服务礼仪,2025-05-03\n", encoding="utf-8")
    done = cxm("people", "training", "import", str(trainings))
    assert done.exit_code == 0 and "1 trainings recorded" in done.stdout
    listed = cxm("people", "training", "list", "--json")
    assert json.loads(listed.stdout)[0]["course"] == "服务礼仪"
    effect = cxm(
        "people", "training", "effect", "服务礼仪", "--since", "2025-01-01", "--until", "2025-12-31"
    )
    assert effect.exit_code == 1 and "No rated touchpoint" in effect.stderr
