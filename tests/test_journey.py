"""The journey as versioned data (SQLite and PostgreSQL): the default keeps the customer
file's five codes and adds four, shipped examples load, a changed journey is a new version,
recorded touchpoints move by ``moves`` (or the load is refused), types map to stages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cxm.customers.models import Touchpoint
from cxm.errors import InputError
from cxm.journey import (
    Journey,
    journey_dict,
    load_journey,
    parse_journey,
    shipped,
    stage_codes,
    stage_for_type,
)
from cxm.store import Store
from cxm.surveys.moments import record_touchpoint
from tests.survey_factories import add_customers

FIVE = ["pre_sale", "sale", "delivery", "after_sale", "complaint"]


def _touch(store: Store, customer: int, key: str, **kw: str) -> Touchpoint:
    with store.session() as s:
        tp, _inv = record_touchpoint(
            s,
            customer_id=customer,
            external_id=key,
            occurred_at=datetime(2026, 3, 1, tzinfo=UTC),
            survey=False,
            **kw,  # type: ignore[arg-type]
        )
        return tp


def test_the_default_journey_keeps_the_five_codes_and_adds_four(store: Store) -> None:
    with store.session() as s:
        codes = stage_codes(s)
        assert s.scalar(select(func.count()).select_from(Journey)) == 1
    assert set(FIVE) <= set(codes)
    assert codes == [
        "awareness",
        "pre_sale",
        "sale",
        "delivery",
        "use",
        "after_sale",
        "complaint",
        "disposal_return",
        "repurchase",
    ]


def test_the_migrated_default_is_the_shipped_one(store: Store) -> None:
    import importlib.util

    import cxm.store.migrations

    path = Path(cxm.store.migrations.__path__[0]) / "versions" / "0008_operations.py"
    spec = importlib.util.spec_from_file_location("m0008", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    migrated = parse_journey(module.DEFAULT_JOURNEY)
    assert migrated.content() == parse_journey(shipped("default")).content()
    with store.session() as s:
        stage_codes(s)  # PostgreSQL test databases are emptied: the default loads on first use
        again = load_journey(s, shipped("default"))
    assert (again.name, again.version, again.created) == ("default", 1, False)


def test_types_map_to_stages_and_record_touchpoints(store: Store) -> None:
    (c,) = add_customers(store, 1)
    tp = _touch(store, c, "T1", touchpoint_type="return")
    assert (tp.stage, tp.touchpoint_type) == ("disposal_return", "return")
    assert _touch(store, c, "T2", stage="use").stage == "use"
    with pytest.raises(InputError, match="Unknown journey stage onboarding"):
        _touch(store, c, "T3", stage="onboarding")
    with pytest.raises(InputError, match="belongs to stage complaint, not sale"):
        _touch(store, c, "T4", stage="sale", touchpoint_type="complaint")
    with pytest.raises(InputError, match="Unknown touchpoint type teleport"):
        _touch(store, c, "T5", touchpoint_type="teleport")


def test_a_changed_journey_is_a_new_version_and_moves_recorded_touchpoints(store: Store) -> None:
    (c,) = add_customers(store, 1)
    _touch(store, c, "T1", stage="pre_sale")
    _touch(store, c, "T2", stage="pre_sale")
    _touch(store, c, "T3", stage="complaint")
    with store.session() as s:
        bank = load_journey(s, shipped("bank"), loaded_by="alice")
    assert (bank.name, bank.version, bank.created) == ("bank", 1, True)
    assert bank.moved == {"pre_sale": 2}
    with store.session() as s:
        stages = sorted(s.scalars(select(Touchpoint.stage)))
        shown = journey_dict(s)
        assert stage_for_type(s, "welcome_call") == "onboarding"
        active = s.scalars(select(Journey.name).where(Journey.active.is_(True))).all()
    assert stages == ["complaint", "consultation", "consultation"]
    assert active == ["bank"]
    consult = next(st for st in shown["stages"] if st["code"] == "consultation")
    assert consult["touchpoints"] == 2 and consult["label"]["zh-CN"] == "咨询"
    # Back to a retail journey: bank's codes are in use and not moved, so it is refused.
    with pytest.raises(InputError, match=r"consultation \(2\)"), store.session() as s:
        load_journey(s, shipped("retail"))
    with store.session() as s:
        assert s.scalars(select(Journey.name).where(Journey.active.is_(True))).all() == ["bank"]


def test_reloading_changed_content_adds_a_version(store: Store) -> None:
    text = shipped("default").replace("{en: use, zh-CN: 使用}", "{en: usage, zh-CN: 使用}")
    with store.session() as s:
        stage_codes(s)
        v2 = load_journey(s, text)
        assert v2.version == 2 and v2.created
        assert journey_dict(s)["versions"] == [1, 2]


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ("stages: []", "give a list of at least one stage"),
        ("stages:\n  - code: a\n  - code: a", "stage 2, field code: 'a'"),
        ("stages:\n  - code: Bad-Code", "stage 1, field code: 'Bad-Code'"),
        (
            "stages:\n  - code: a\ntouchpoint_types:\n  - {code: x, stage: b}",
            "touchpoint type 1, field stage: 'b' — unknown stage; use one of: a",
        ),
        ("stages:\n  - code: a\nmoves: {old: nowhere}", "move from old, field moves: 'nowhere'"),
        ("stages:\n  - {code: a, label: [1, 2]}", "field label"),
    ],
)
def test_bad_journeys_are_refused_naming_item_and_field(patch: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_journey(f"name: t\n{patch}\n")
    assert message in info.value.message


def test_bad_input_changes_nothing(store: Store) -> None:
    with store.session() as s:
        stage_codes(s)
    with pytest.raises(InputError), store.session() as s:
        load_journey(s, "name: t\nstages:\n  - code: a\n  - code: a\n")
    with store.session() as s:
        assert s.scalars(select(Journey.name)).all() == ["default"]


def test_every_shipped_journey_parses() -> None:
    for name in ("default", "retail", "bank"):
        spec = parse_journey(shipped(name))
        assert spec.name == name and len(spec.stages) == 9
        assert all(t.stage in spec.codes for t in spec.touchpoint_types)


def test_the_cli_loads_and_shows_a_journey(cxm, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "retail.yaml"
    f.write_text(shipped("retail"), encoding="utf-8")
    r = cxm("journey", "load", str(f), "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout) == {"name": "retail", "version": 1, "created": True, "moved": {}}
    shown = json.loads(cxm("journey", "show", "--json").stdout)
    assert shown["name"] == "retail" and shown["stages"][1]["label"]["en"] == "browsing and advice"
    table = cxm("journey", "show", lang="zh-CN")
    assert table.exit_code == 0 and "浏览与导购" in table.stdout
    ex = cxm("journey", "load", "--example", "bank")
    assert ex.exit_code == 0 and "bank" in ex.stdout
    bad = cxm("journey", "load", str(tmp_path / "missing.yaml"))
    assert bad.exit_code == 1 and "missing.yaml" in bad.stderr


def test_the_migration_keeps_recorded_touchpoints_on_the_default_journey(store: Store) -> None:
    from alembic import command
    from sqlalchemy import text

    from cxm.store.migrate import alembic_config

    (c,) = add_customers(store, 1)
    cfg = alembic_config(store.engine)
    command.downgrade(cfg, "0006")
    with store.engine.begin() as conn:
        for i, stage in enumerate(FIVE):
            conn.execute(
                text(
                    "INSERT INTO touchpoints (external_id, customer_id, occurred_at, stage, "
                    "created_at, updated_at) VALUES (:k, :c, CURRENT_TIMESTAMP, :s, "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"k": f"T{i}", "c": c, "s": stage},
            )
    command.upgrade(cfg, "0008")
    with store.session() as s:
        j = journey_dict(s)
        assert (j["name"], j["version"], j["loaded_by"]) == ("default", 1, "migration 0008")
        counts = {st["code"]: st["touchpoints"] for st in j["stages"]}
        types = set(s.scalars(select(Touchpoint.touchpoint_type)))
    assert counts == {
        "awareness": 0,
        "pre_sale": 1,
        "sale": 1,
        "delivery": 1,
        "use": 0,
        "after_sale": 1,
        "complaint": 1,
        "disposal_return": 0,
        "repurchase": 0,
    }
    assert types == {None}
