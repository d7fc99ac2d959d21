"""Process steps per journey stage and the flow-chart questions answered from the data.

The waiting and repeat measures are checked against plain Python loops written here (an
independent implementation); the store tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from cxm.analytics.process_flow import handoffs_by_stage, repeat_contacts, step_waits
from cxm.errors import InputError, ValidationFailed
from cxm.store import Store

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _random_touchpoints(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 400
    return pd.DataFrame(
        {
            "customer_id": rng.integers(1, 30, n),
            "touchpoint_type": rng.choice(["enquiry", "order", "shipment"], n),
            "occurred_at": [T0 + timedelta(hours=float(h)) for h in rng.uniform(0, 2000, n)],
        }
    )


def test_waits_match_a_loop_over_customers() -> None:
    tp = _random_touchpoints()
    got = step_waits(tp, [("ASK", "enquiry", None), ("BUY", "order", 48.0)]).set_index("step")
    waits = []
    for row in tp[tp["touchpoint_type"] == "order"].itertuples():
        before = [
            o.occurred_at
            for o in tp.itertuples()
            if o.customer_id == row.customer_id
            and o.touchpoint_type == "enquiry"
            and o.occurred_at < row.occurred_at
        ]
        if before:
            waits.append((row.occurred_at - max(before)).total_seconds() / 3600)
    assert got.loc["BUY", "after_step"] == "ASK"
    assert got.loc["BUY", "waits"] == len(waits)
    assert got.loc["BUY", "median_hours"] == pytest.approx(float(np.median(waits)))
    assert got.loc["BUY", "p90_hours"] == pytest.approx(float(np.percentile(waits, 90)))
    assert got.loc["BUY", "over_limit_share"] == pytest.approx(np.mean(np.array(waits) > 48))


def test_repeats_match_a_loop() -> None:
    tp = _random_touchpoints(seed=7)
    got = repeat_contacts(tp, within_days=7).set_index("touchpoint_type")
    for kind, rows in tp.groupby("touchpoint_type"):
        repeats = 0
        for r in rows.itertuples():
            later = [
                o.occurred_at
                for o in rows.itertuples()
                if o.customer_id == r.customer_id and o.occurred_at > r.occurred_at
            ]
            if later and (min(later) - r.occurred_at) <= timedelta(days=7):
                repeats += 1
        assert got.loc[kind, "repeats"] == repeats
        assert got.loc[kind, "touchpoints"] == len(rows)


def test_handoffs_per_stage_on_known_cases() -> None:
    cases = pd.DataFrame(
        {
            "stage": ["after_sale"] * 4 + ["delivery"],
            "handoffs": [0, 1, 2, 0, 0],
            "crossed": [0, 1, 0, 0, 0],
            "resolution_hours": [10.0, 30.0, 50.0, np.nan, 5.0],
            "faults": [[], ["hiding_behind_rules"], ["passing_the_buck"], [], []],
        }
    )
    got = handoffs_by_stage(cases).set_index("stage")
    row = got.loc["after_sale"]
    assert (row["cases"], row["handed_over"], row["handoffs"], row["cross_department"]) == (
        4, 2, 3, 1,
    )  # fmt: skip
    assert (row["blocked_by_rules"], row["passed_the_buck"]) == (1, 1)
    assert row["handed_over_share"] == 0.5
    assert (row["median_hours_handed"], row["median_hours_direct"]) == (40.0, 10.0)
    # Wilson interval of 2/4 (statsmodels proportion_confint(2, 4, method="wilson"))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.1500, 0.8500), abs=1e-4)


STEPS = """
steps:
  - code: ASK
    stage: pre_sale
    name: {zh-CN: 电话咨询, en: enquiry by phone}
    owner: 销售主管
    team: 销售部
    touchpoint_type: enquiry
  - code: ORDER
    stage: sale
    name: 下单
    owner: 销售主管
    team: 销售部
    touchpoint_type: order
    automation: 网上自助下单
  - code: SHIP
    stage: delivery
    name: 发货
    owner: 物流经理
    team: 物流部
    touchpoint_type: shipment
    max_wait_hours: 48
    blocking_rule: 付款确认前不发货
  - code: SERVICE
    stage: after_sale
    name: 售后来电
    owner: 客服经理
    team: 客服部
    touchpoint_type: service_call
    redundant: 每次来电都要重新核对身份
    parallel_with: CHECK
  - code: CHECK
    stage: after_sale
    name: 核对保修
    owner: 客服经理
    team: 客服部
"""


def test_a_bad_steps_file_names_every_problem_and_saves_nothing(store: Store) -> None:
    from cxm.standards.steps import list_steps, load_steps

    bad = """
steps:
  - {code: A, stage: nowhere, name: 甲, owner: 张三}
  - {code: B, stage: sale, name: 乙}
  - {code: C, stage: sale, name: 丙, owner: 李四, touchpoint_type: repair}
  - {code: D, stage: sale, name: 丁, owner: 李四, standards: [NOPE], parallel_with: A}
  - {code: D, stage: sale, name: 戊, owner: 李四, max_wait_hours: 0, colour: red}
"""
    with store.session() as s, pytest.raises(ValidationFailed) as info:
        load_steps(s, bad)
    found = {(p.row, p.column) for p in info.value.problems}
    assert {
        (1, "stage"),
        (2, "owner"),
        (3, "touchpoint_type"),  # repair belongs to after_sale
        (4, "standards"),
        (5, "code"),
        (5, "max_wait_hours"),
        (5, "colour"),
    } <= found
    with store.session() as s:
        assert list_steps(s).empty
    with store.session() as s, pytest.raises(InputError, match="non-empty list"):
        load_steps(s, "steps: []")


def _flow_data(store: Store) -> None:
    """Three customers: enquiry → order → shipment after 10, 30 and 100 hours; customer 1
    calls the service line twice in two days; two after-sale cases, one handed across
    departments and blocked by a rule."""
    from cxm.cases.service import act, hand_over, open_case
    from cxm.customers.models import Team, Touchpoint
    from tests.survey_factories import add_customers

    ids = add_customers(store, 3)
    with store.session() as s:
        plan = []
        for k, cid in enumerate(ids):
            start = T0 + timedelta(days=k)
            plan += [
                (cid, "enquiry", "pre_sale", start),
                (cid, "order", "sale", start + timedelta(hours=5)),
                (cid, "shipment", "delivery", start + timedelta(hours=5 + (10, 30, 100)[k])),
            ]
        plan += [
            (ids[0], "service_call", "after_sale", T0 + timedelta(days=10)),
            (ids[0], "service_call", "after_sale", T0 + timedelta(days=12)),
            (ids[1], "service_call", "after_sale", T0 + timedelta(days=10)),
        ]
        for i, (cid, kind, stage, at) in enumerate(plan):
            s.add(
                Touchpoint(
                    external_id=f"TP{i}",
                    customer_id=cid,
                    touchpoint_type=kind,
                    stage=stage,
                    occurred_at=at,
                )
            )
        east, west = Team(name="客服部"), Team(name="技术部")
        s.add_all([east, west])
        s.flush()
        first, _n = open_case(
            s,
            customer=ids[0],
            type="complaint",
            subject="维修被拒",
            stage="after_sale",
            team_id=east.id,
            faults=["hiding_behind_rules"],
            now=T0,
        )
        hand_over(
            s,
            case_id=first.id,
            version=first.version,
            actor_user_id=None,
            reason="转技术部",
            to_team_id=west.id,
            now=T0 + timedelta(hours=1),
        )
        act(s, case_id=first.id, action="acknowledge", version=first.version,
            actor_user_id=None, now=T0 + timedelta(hours=2))  # fmt: skip
        act(s, case_id=first.id, action="resolve", version=first.version,
            actor_user_id=None, now=T0 + timedelta(hours=40))  # fmt: skip
        second, _n = open_case(
            s, customer=ids[1], type="complaint", subject="送货慢", stage="after_sale", now=T0
        )
        act(s, case_id=second.id, action="acknowledge", version=second.version,
            actor_user_id=None, now=T0 + timedelta(hours=1))  # fmt: skip
        act(s, case_id=second.id, action="resolve", version=second.version,
            actor_user_id=None, now=T0 + timedelta(hours=4))  # fmt: skip


def test_the_analysis_answers_the_flow_chart_questions(cxm, store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _flow_data(store)
    path = tmp_path / "steps.yaml"
    path.write_text(STEPS, encoding="utf-8")
    r = cxm("journey", "steps", "load", str(path), "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout) == {"steps": 5}
    r = cxm("journey", "steps", "analyse", "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    steps = {x["code"]: x for x in doc["steps"]}
    assert [x["code"] for x in sorted(doc["steps"], key=lambda x: x["order"])] == [
        "ASK", "ORDER", "SHIP", "SERVICE", "CHECK",
    ]  # fmt: skip
    # hand-off points: the team changes from sales to logistics, and to customer service
    assert [c for c, x in steps.items() if x["handoff_in"]] == ["SHIP", "SERVICE"]
    # waiting before shipping: 10, 30, 100 hours after the order; one of three over 48 h
    ship = steps["SHIP"]
    assert (ship["waits"], ship["wait_median_hours"]) == (3, 30.0)
    assert ship["wait_over_limit_share"] == pytest.approx(1 / 3)
    assert any("48 h" in f for f in ship["findings"])
    assert any("付款确认前不发货" in f for f in ship["findings"])
    # one of three service calls came back within 7 days
    assert steps["SERVICE"]["repeat_share"] == pytest.approx(1 / 3)
    assert steps["SERVICE"]["parallel_with"] == "CHECK"
    stage = {x["stage"]: x for x in doc["stages"]}["after_sale"]
    assert (stage["cases"], stage["handed_over"], stage["cross_department"]) == (2, 1, 1)
    assert stage["blocked_by_rules"] == 1
    assert (stage["median_hours_handed"], stage["median_hours_direct"]) == (40.0, 4.0)
    assert steps["SERVICE"]["stage_handed_over_share"] == 0.5
    r = cxm("journey", "steps", "show", lang="zh-CN")
    assert r.exit_code == 0 and "物流经理" in r.stdout
    r = cxm("journey", "steps", "analyse", lang="zh-CN")
    assert r.exit_code == 0 and "付款确认前不发货" in r.stdout


def test_steps_over_the_api(store: Store, database_url: str) -> None:
    import warnings

    from cxm.config import Settings
    from cxm.web.app import create_app
    from tests.test_management_api import _bearer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    _flow_data(store)
    settings = Settings(database_url=database_url, env="test", secret_key="t" * 48)
    with TestClient(create_app(settings, store=store), raise_server_exceptions=False) as client:
        alice = _bearer(store, "alice", "admin")
        bob = _bearer(store, "bob", "analyst")
        carol = _bearer(store, "carol", "agent")
        url = "/api/v1/journey/steps"
        assert client.put(url, json={"yaml": STEPS}, headers=carol).status_code == 403
        bad = client.put(url, json={"yaml": STEPS.replace("stage: sale", "stage: 收银")},
                         headers=alice)  # fmt: skip
        assert bad.status_code == 422, bad.text
        assert "收银" in bad.text
        assert client.get(url, headers=bob).json() == []
        r = client.put(url, json={"yaml": STEPS}, headers=alice)
        assert r.status_code == 200 and r.json() == {"steps": 5}, r.text
        listed = client.get(url, headers=bob).json()
        assert [s["owner"] for s in listed][:3] == ["销售主管", "销售主管", "物流经理"]
        flow = client.get(url + "/analysis", headers=bob)
        assert flow.status_code == 200, flow.text
        ship = {s["code"]: s for s in flow.json()["steps"]}["SHIP"]
        assert ship["wait_median_hours"] == 30.0 and ship["handoff_in"]
