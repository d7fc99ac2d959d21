"""Service levels per segment (SQLite and PostgreSQL): default clocks, one level per
segment, the cost to serve that ``targets propose`` uses, targets referring to a level by
id, and the migration that turns the old free-text labels into levels."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from cxm.errors import InputError, NotFound
from cxm.management.models import Target
from cxm.management.targets import propose, set_target, targets_frame
from cxm.service_levels import ServiceLevel, clock_for, list_service_levels, set_service_level
from cxm.service_levels.service import parse_clock
from cxm.store import Store
from tests.test_targets_store import _answered_wave


def test_new_levels_get_the_default_clocks(store: Store) -> None:
    with store.session() as s:
        key = set_service_level(s, name="key accounts", key_account=True, cost_to_serve=600)
        other = set_service_level(s, name="standard", cost_to_serve="120.5")
        k = clock_for(s, service_level_id=key.id, case_type="complaint")
        o = clock_for(s, service_level_id=other.id, case_type="complaint")
    assert (k.first_response_hours, k.resolution_hours, k.business_hours) == (4, 24, False)
    assert (o.first_response_hours, o.resolution_hours, o.business_hours) == (24, 72, False)


def test_a_clock_per_case_type_overrides_the_default(store: Store) -> None:
    with store.session() as s:
        level = set_service_level(
            s, name="key", key_account=True, clocks=[parse_clock("inquiry=8/40/business")]
        )
        inquiry = clock_for(s, service_level_id=level.id, case_type="inquiry")
        other = clock_for(s, service_level_id=level.id, case_type="complaint")
    assert (inquiry.first_response_hours, inquiry.resolution_hours) == (8, 40)
    assert inquiry.business_hours is True
    assert (other.first_response_hours, other.business_hours) == (4, False)


@pytest.mark.parametrize(
    "bad", ["complaint", "complaint=4", "complaint=24/4", "=4/24", "complaint=4/24/sometimes"]
)
def test_bad_clocks_are_refused_with_the_format(bad: str) -> None:
    with pytest.raises(InputError, match="TYPE=FIRST/RESOLUTION"):
        parse_clock(bad)


def test_a_segment_has_one_level_and_must_exist(store: Store) -> None:
    _answered_wave(store)
    with store.session() as s:
        set_service_level(s, name="northern", definition="regions", segment="north")
    with (
        pytest.raises(InputError, match="already has the service level northern"),
        store.session() as s,
    ):
        set_service_level(s, name="other", definition="regions", segment="north")
    with pytest.raises(InputError, match="has no segment west"), store.session() as s:
        set_service_level(s, name="west", definition="regions", segment="west")
    with pytest.raises(NotFound), store.session() as s:
        set_service_level(s, name="x", definition="nope", segment="north")
    with pytest.raises(InputError, match="at least 0"), store.session() as s:
        set_service_level(s, name="x", cost_to_serve=-1)
    with store.session() as s:
        assert [lv["name"] for lv in list_service_levels(s)] == ["northern"]


def test_propose_uses_the_segments_cost_to_serve(store: Store) -> None:
    _answered_wave(store)
    with store.session() as s:
        before = propose(s, "regions", "csat", items=["SAT"]).table.set_index("segment")
        set_service_level(
            s, name="north care", definition="regions", segment="north", cost_to_serve=200
        )
        set_service_level(
            s, name="south care", definition="regions", segment="south", cost_to_serve=50
        )
        after = propose(s, "regions", "csat", items=["SAT"]).table.set_index("segment")
        explicit = propose(s, "regions", "csat", items=["SAT"], cost_to_serve={"north": 0}).table
    # Each north customer bought once for a profit of 500; south customers bought nothing.
    assert before.loc["north", "net_value_per_customer"] == pytest.approx(500)
    assert after.loc["north", "net_value_per_customer"] == pytest.approx(300)
    assert after.loc["south", "net_value_per_customer"] == pytest.approx(-50)
    assert after.loc["north", "service_level"] == "north care"
    # An explicit --cost still wins over the level's.
    assert explicit.set_index("segment").loc["north", "net_value_per_customer"] == 500


def test_targets_refer_to_a_level_by_id_resolved_from_its_name(store: Store) -> None:
    _answered_wave(store)
    with store.session() as s:
        level = set_service_level(s, name="24h call-back", cost_to_serve=10)
        t = set_target(
            s, "regions", segment="north", kpi="csat", value=0.9, service_level="24h call-back"
        )
        assert t.service_level_id == level.id
        new = set_target(
            s, "regions", segment="south", kpi="csat", value=0.8, service_level="written reply"
        )
        made = s.scalars(select(ServiceLevel).where(ServiceLevel.name == "written reply")).one()
        assert new.service_level_id == made.id
        frame = targets_frame(s, "regions").set_index("segment")
    assert frame.loc["north", "service_level"] == "24h call-back"
    assert frame.loc["south", "service_level"] == "written reply"


def test_the_cli_sets_and_lists_levels_and_targets_resolve_names(cxm, store: Store) -> None:  # type: ignore[no-untyped-def]
    _answered_wave(store)
    r = cxm(
        "service-levels",
        "set",
        "key accounts",
        "--definition",
        "regions",
        "--segment",
        "north",
        "--key-account",
        "--cost",
        "600",
        "--clock",
        "inquiry=8/40/business",
        "--standards",
        '{"answer_within_s": 20}',
        "--json",
    )
    assert r.exit_code == 0, r.stderr
    listed = json.loads(cxm("service-levels", "list", "--json").stdout)
    assert listed == [
        {
            "id": listed[0]["id"],
            "name": "key accounts",
            "definition": "regions",
            "segment": "north",
            "key_account": True,
            "cost_to_serve": 600.0,
            "clocks": [
                {
                    "case_type": "inquiry",
                    "first_response_hours": 8.0,
                    "resolution_hours": 40.0,
                    "business_hours": True,
                },
                {
                    "case_type": "default",
                    "first_response_hours": 4.0,
                    "resolution_hours": 24.0,
                    "business_hours": False,
                },
            ],
            "standards": {"answer_within_s": 20},
            "description": None,
        }
    ]
    t = cxm(
        "targets",
        "set",
        "regions",
        "north",
        "--value",
        "0.9",
        "--service-level",
        "key accounts",
        "--json",
    )
    assert t.exit_code == 0, t.stderr
    assert json.loads(t.stdout)["service_level"] == "key accounts"
    with store.session() as s:
        target = s.scalars(select(Target)).one()
        assert target.service_level_id == listed[0]["id"]
    bad = cxm("service-levels", "set", "x", "--clock", "complaint=24/4")
    assert bad.exit_code == 1 and "complaint=24/4" in bad.stderr
    shown = cxm("service-levels", "list")
    assert shown.exit_code == 0 and "key accounts" in shown.stdout


def test_the_migration_turns_target_labels_into_levels(store: Store) -> None:
    from alembic import command

    from cxm.store.migrate import alembic_config

    _answered_wave(store)
    cfg = alembic_config(store.engine)
    command.downgrade(cfg, "0006")
    with store.engine.begin() as conn:
        def_id = conn.execute(text("SELECT id FROM segment_definitions")).scalar_one()
        for seg, label in (("north", "premium"), ("south", "premium"), ("north", None)):
            conn.execute(
                text(
                    "INSERT INTO segment_targets (definition_id, segment, kpi, value, "
                    "service_level, created_at, updated_at) VALUES (:d, :s, :k, 0.9, :l, "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"d": def_id, "s": seg, "k": "nps" if label is None else "csat", "l": label},
            )
    command.upgrade(cfg, "0008")
    with store.session() as s:
        levels = list_service_levels(s)
        rows = s.execute(select(Target.segment, Target.kpi, Target.service_level_id)).all()
    assert [
        (lv["name"], lv["cost_to_serve"], lv["clocks"][0]["resolution_hours"]) for lv in levels
    ] == [("premium", 0.0, 72.0)]
    assert sorted(rows) == [
        ("north", "csat", levels[0]["id"]),
        ("north", "nps", None),
        ("south", "csat", levels[0]["id"]),
    ]
