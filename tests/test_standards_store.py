"""Standards through the store and the CLI: load (all or nothing), record fields, shop,
check, report — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cxm.customers.codes import JourneyStage
from cxm.customers.models import Team, Touchpoint
from cxm.errors import ValidationFailed
from cxm.standards.checking import check_standards
from cxm.standards.definitions import list_standards, load_standards
from cxm.standards.models import Standard
from cxm.standards.recording import VisitInput, record_fields, record_visit
from cxm.standards.reporting import report, sigma_by_standard
from cxm.store import Store
from tests.management_factories import add_customer

STANDARDS = """
fields:
  touchpoints: {wait_seconds: number, greeted: bool}
standards:
  - code: CALL-20S
    name: Answer the phone within 20 seconds
    stage: pre_sale
    kind: procedure
    owner: Call-centre manager
    unit: call
    source: touchpoints
    applies: channel == "phone"
    rule: wait_seconds <= 20
    target: 0.95
  - code: GREET
    name: Greet every customer
    stage: sale
    kind: people
    owner: Store manager
    unit: visit
    source: shopping
    target: 0.9
  - code: BIG-ORDER
    name: Orders are not refunded
    stage: delivery
    kind: product
    owner: Logistics
    unit: order
    source: purchases
    rule: revenue >= 0
"""


def _company(store: Store) -> None:
    rich = add_customer(store, "rich", profit=900.0)
    poor = add_customer(store, "poor", profit=100.0)
    with store.session() as s:
        team = Team(name="East")
        s.add(team)
        s.flush()
        for i, (customer, channel) in enumerate(
            [(rich, "phone"), (rich, "phone"), (poor, "phone"), (poor, "phone"), (poor, "email")]
        ):
            s.add(
                Touchpoint(
                    external_id=f"T{i}",
                    customer_id=customer,
                    occurred_at=datetime(2026, 3, 1 + i, tzinfo=UTC),
                    channel=channel,
                    stage=JourneyStage.PRE_SALE,
                    team_id=team.id,
                )
            )


def test_it_counts_defects_per_standard_and_weighs_them_by_value(store: Store) -> None:
    import pandas as pd

    _company(store)
    with store.session() as s:
        load_standards(s, STANDARDS)
    with store.session() as s:
        frame = pd.DataFrame(
            {"external_id": ["T0", "T1", "T2", "T3", "T4"], "wait_seconds": [10, 45, 30, "", 99]}
        )
        assert record_fields(s, frame, source="touchpoints") == 5
        for met in (True, True, False):
            record_visit(
                s,
                VisitInput(
                    datetime(2026, 3, 5, tzinfo=UTC),
                    "sale",
                    "Shop 1",
                    "East",
                    "Ann",
                    {"GREET": met},
                ),
            )
    with store.session() as s:
        result = check_standards(s)
    rows = result.rows.set_index("standard")
    call = rows.loc["CALL-20S"]
    # T3 has no wait time (not judged), T4 is email (does not apply): 3 calls, 2 too slow
    assert (call["opportunities"], call["defects"], call["period"], call["team"]) == (
        3, 2, "2026-03", "East",
    )  # fmt: skip
    # weights: profit / mean profit → rich 1.8, poor 0.2
    assert call["weighted_defects"] == pytest.approx(1.8 + 0.2)
    greet = rows.loc["GREET"]
    assert (greet["opportunities"], greet["defects"]) == (3, 1)
    with store.session() as s:
        rep = report(s, by="stage")
    by_stage = rep.table.set_index("stage")
    assert by_stage.loc["pre_sale", "dpmo"] == pytest.approx(2 / 3 * 1e6)
    assert rep.worst_stage == "pre_sale"
    promise = rep.promise.set_index("stage")
    assert promise.loc["pre_sale", "flagged"] and promise.loc["sale", "flagged"]
    assert promise.loc["pre_sale", "delivered"] == pytest.approx(1 / 3)
    # The standards page's table, summed by the database, is the report's per standard.
    with store.session() as s:
        summed, full = sigma_by_standard(s), report(s, by="standard").table
    pd.testing.assert_frame_equal(summed[full.columns], full, check_dtype=False)
    assert summed.set_index("standard").loc["CALL-20S", "dpmo"] == pytest.approx(2 / 3 * 1e6)


def test_a_bad_file_is_refused_whole_naming_each_problem(store: Store) -> None:
    bad = STANDARDS.replace("wait_seconds <= 20", "wait_secs <= 20").replace(
        "    unit: order\n", ""
    )
    with pytest.raises(ValidationFailed) as err, store.session() as s:
        load_standards(s, bad)
    problems = {(p.row, p.column) for p in err.value.problems}
    assert problems == {(1, "rule"), (3, "unit")}
    assert "unknown field wait_secs" in err.value.problems[0].reason
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Standard)) == 0


def test_loading_again_updates_by_code(store: Store) -> None:
    with store.session() as s:
        first = load_standards(s, STANDARDS)
    with store.session() as s:
        second = load_standards(s, STANDARDS.replace("Logistics", "Warehouse"))
        owners = list_standards(s).set_index("code")["owner"]
    with store.session() as s:
        third = load_standards(s, STANDARDS.replace("Logistics", "Warehouse"))
    # only the standard whose owner changed is updated; the same file again updates none
    assert (first.created, second.created, second.updated) == (3, 0, 1)
    assert (third.created, third.updated) == (0, 0)
    assert owners["BIG-ORDER"] == "Warehouse"


def test_the_cli_loads_checks_and_reports(cxm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "standards.yaml"
    path.write_text(STANDARDS, encoding="utf-8")
    r = cxm("standards", "load", str(path))
    assert r.exit_code == 0, r.stderr
    assert "3 standards added" in r.stdout
    visits = tmp_path / "visits.csv"
    visits.write_text(
        "visited_at,stage,location,team,shopper,GREET\n"
        "2026-03-01,sale,Shop 1,East,Ann,yes\n2026-03-02,sale,Shop 1,East,Ann,no\n",
        encoding="utf-8",
    )
    r = cxm("standards", "shop", str(visits))
    assert r.exit_code == 0, r.stderr
    r = cxm("standards", "check", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["defects"] == 1
    r = cxm("standards", "report", "--by", "standard", "--json")
    doc = json.loads(r.stdout)
    assert doc["groups"][0]["standard"] == "GREET" and doc["groups"][0]["dpmo"] == 500_000
    r = cxm("standards", "list", "--json")
    listed = {d["code"]: d for d in json.loads(r.stdout)["standards"]}
    assert listed["GREET"]["owner"] == "Store manager" and listed["GREET"]["kind"] == "people"
    r = cxm("standards", "report")
    assert r.exit_code == 0 and "sale" in r.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(STANDARDS.replace("kind: product", "kind: service"), encoding="utf-8")
    r = cxm("standards", "load", str(bad))
    assert r.exit_code == 1 and "kind" in r.stderr and "service" in r.stderr


def test_a_survey_item_standard_judges_the_moments_of_its_stage(store: Store) -> None:
    from cxm.surveys.invitations import issue_links
    from cxm.surveys.models import Invitation
    from cxm.surveys.moments import record_touchpoint
    from cxm.surveys.responses import save_page
    from tests.survey_factories import add_customers

    customers = add_customers(store, 3)
    tokens = []
    with store.session() as s:
        team = Team(name="Shanghai store")
        s.add(team)
        s.flush()
        for i, (customer, stage) in enumerate(
            zip(customers, ["after_sale", "after_sale", "sale"], strict=True)
        ):
            _tp, invitation_id = record_touchpoint(
                s,
                customer_id=customer,
                external_id=f"M-{i}",
                occurred_at=datetime.now(UTC),
                stage=stage,
                team_id=team.id,
            )
            inv = s.get(Invitation, invitation_id)
            assert inv is not None
            tokens.append(issue_links(s, invitation_ids=[inv.id])[inv.id])
    with store.session() as s:
        for token, sat in zip(tokens, ["5", "2", "1"], strict=True):
            save_page(s, token=token, page=0, raw={"MOT_SAT": sat, "MOT_CES": "3"})
    rules = """
fields:
  responses: {MOT_SAT: number}
standards:
  - {code: AS-CSAT, name: After-sale service rated 4 or 5, stage: after_sale, kind: procedure,
     owner: Service manager, unit: response, source: responses, rule: MOT_SAT >= 4}
"""
    with store.session() as s:
        load_standards(s, rules)
    with store.session() as s:
        rows = check_standards(s).rows
    assert rows[["opportunities", "defects"]].to_numpy().tolist() == [[2, 1]]
    assert rows["team"].tolist() == ["Shanghai store"]


def test_a_standards_chart_freezes_its_limits_once(cxm, store: Store) -> None:  # type: ignore[no-untyped-def]
    with store.session() as s:
        load_standards(s, STANDARDS)
    rng_defects = [4, 6, 5, 3, 5, 6, 4, 5, 5, 4, 6, 5, 5, 4, 19, 5]  # month 15 is bad
    with store.session() as s:
        for m, d in enumerate(rng_defects):
            month = datetime(2025 + m // 12, 1 + m % 12, 10, tzinfo=UTC)
            for i in range(50):
                record_visit(s, VisitInput(month, "sale", "Shop", "East", "Ann", {"GREET": i >= d}))
    with store.session() as s:
        check_standards(s)
    r = cxm("standards", "chart", "GREET", "--base", "12", "--freeze", "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["limits"]["base_points"] == 12
    assert doc["limits"]["centre"] == pytest.approx(sum(rng_defects[:12]) / 600)
    beyond = [v["point"] for v in doc["out_of_control"] if v["rule"] == "nelson_1"]
    assert beyond == [15] and doc["points"][14]["period"] == "2026-03"
    again = cxm("standards", "chart", "GREET", "--base", "14", "--freeze")
    assert again.exit_code == 1 and "were frozen on" in again.stderr
    kept = json.loads(cxm("standards", "chart", "GREET", "--base", "16", "--json").stdout)
    assert kept["limits"]["base_points"] == 12  # the frozen limits win over --base
