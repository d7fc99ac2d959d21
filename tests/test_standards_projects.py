"""Improvement projects: windows measured from data, frozen settings, close only when
significant, team league and recognition — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from cxm.errors import InputError
from cxm.standards.definitions import load_standards
from cxm.standards.models import ProjectChange
from cxm.standards.projects import (
    ProjectSpec,
    change_project,
    close_project,
    create_project,
    league,
    measure_project,
    recognise,
    set_phase,
)
from cxm.standards.recording import VisitInput, record_visit
from cxm.store import Store

CHECKLIST = """
standards:
  - {code: GREET, name: Greets, stage: sale, kind: people, owner: Store, unit: visit,
     source: shopping}
  - {code: THANK, name: Thanks, stage: sale, kind: people, owner: Store, unit: visit,
     source: shopping}
"""


def _visits(store: Store, code: str, start: date, n: int, defects: int) -> None:
    with store.session() as s:
        for i in range(n):
            when = datetime(start.year, start.month, start.day, 12, tzinfo=UTC) + timedelta(hours=i)
            record_visit(s, VisitInput(when, "sale", "Shop", "East", "Ann", {code: i >= defects}))


def _spec(name: str, team: str, code: str) -> ProjectSpec:
    return ProjectSpec(
        name=name, team=team, problem_kind="standard", problem_ref=code,
        metric="defect_rate", test="two_proportion",
        baseline_start=date(2026, 1, 1), baseline_end=date(2026, 1, 31),
        after_start=date(2026, 3, 1), after_end=date(2026, 3, 31),
    )  # fmt: skip


@pytest.fixture()
def shop(store: Store) -> Store:
    with store.session() as s:
        load_standards(s, CHECKLIST)
    _visits(store, "GREET", date(2026, 1, 2), 200, 80)  # 40 % defects
    _visits(store, "GREET", date(2026, 3, 2), 200, 20)  # 10 %
    _visits(store, "THANK", date(2026, 1, 2), 200, 60)  # 30 %
    _visits(store, "THANK", date(2026, 3, 2), 200, 56)  # 28 %
    return store


def test_a_significant_fall_in_defects_closes_as_improved(shop: Store) -> None:
    with shop.session() as s:
        create_project(s, _spec("Greeting", "East", "GREET"))
        set_phase(s, "Greeting", "measure")
    with shop.session() as s:
        effect = close_project(s, "Greeting")
    assert (effect.baseline, effect.after) == pytest.approx((0.40, 0.10))
    assert effect.ci_high < 0 and effect.p_value < 1e-6
    with shop.session() as s:
        recognise(s, "Greeting", person="Ann Li", reason="Greeting script", on=date(2026, 4, 1))
        table = league(s)
    assert table.iloc[0]["team"] == "East" and table.iloc[0]["improvement"] == pytest.approx(0.75)


def test_a_non_significant_effect_cannot_close_and_stays_open(shop: Store) -> None:
    with shop.session() as s:
        create_project(s, _spec("Thanks", "West", "THANK"))
        set_phase(s, "Thanks", "improve")
    with (
        pytest.raises(InputError, match=r"cannot close as improved.*stays open"),
        shop.session() as s,
    ):
        close_project(s, "Thanks")
    with shop.session() as s:
        effect = measure_project(s, "Thanks")
        assert not effect.significant
        with pytest.raises(InputError, match="no measured improvement"):
            recognise(s, "Thanks", person="Bo", reason="tried")


def test_frozen_settings_need_a_recorded_reason(shop: Store) -> None:
    with shop.session() as s:
        create_project(s, _spec("Greeting", "East", "GREET"))
        change_project(s, "Greeting", "test", "poisson", reason=None, by="lead")  # not frozen
        set_phase(s, "Greeting", "measure")
        with pytest.raises(InputError, match="needs a reason"):
            change_project(s, "Greeting", "after_end", "2026-03-20", reason=" ", by="lead")
        change_project(s, "Greeting", "after_end", "2026-03-20", reason="store closed", by="lead")
        changes = s.scalars(select(ProjectChange)).all()
    assert [(c.setting, c.old_value, c.new_value, c.reason) for c in changes] == [
        ("after_end", "2026-03-31", "2026-03-20", "store closed")
    ]


def test_a_project_without_after_data_cannot_close(shop: Store) -> None:
    spec = _spec("Later", "East", "GREET")
    spec = ProjectSpec(**{**spec.__dict__, "after_start": date(2026, 6, 1),
                          "after_end": date(2026, 6, 30)})  # fmt: skip
    with shop.session() as s:
        create_project(s, spec)
        set_phase(s, "Later", "measure")
    with pytest.raises(InputError, match="no data in its after period"), shop.session() as s:
        close_project(s, "Later")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"test": "welch"}, "does not suit defect_rate"),
        ({"problem_ref": "NOPE"}, "No standard has code NOPE"),
        ({"after_start": date(2026, 1, 15)}, "windows must be"),
    ],
)
def test_bad_projects_are_refused(shop: Store, change: dict[str, object], message: str) -> None:
    spec = ProjectSpec(**{**_spec("Bad", "East", "GREET").__dict__, **change})
    with pytest.raises(InputError, match=message), shop.session() as s:
        create_project(s, spec)


def test_the_cli_runs_a_project(cxm, shop: Store) -> None:  # type: ignore[no-untyped-def]
    r = cxm(
        "projects", "create", "Greeting", "--team", "East", "--standard", "GREET",
        "--baseline", "2026-01-01..2026-01-31", "--after", "2026-03-01..2026-03-31",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert cxm("projects", "phase", "Greeting", "measure").exit_code == 0
    r = cxm("projects", "close", "Greeting", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["improved"] is True
    r = cxm("projects", "league", "--json")
    assert json.loads(r.stdout)["league"][0]["team"] == "East"
    r = cxm("projects", "list", "--json")
    assert json.loads(r.stdout)["projects"][0]["status"] == "improved"
