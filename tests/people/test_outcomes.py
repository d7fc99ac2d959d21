"""Scorecard: case outcomes, mystery shopping and recognition per team and employee,
adjusted for mix (case type, journey stage) — on SQLite and PostgreSQL.

The adjusted values are checked against direct standardisation worked by hand in the test
(each unit's stratum rates weighted by the pooled stratum shares), and a simulated
Simpson's paradox in SLA attainment is reversed: team alpha looks better on the raw rate
only because it handles the easy enquiries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from cxm.accounts import create_user
from cxm.cases.codes import CaseSource, CaseStatus, CaseType
from cxm.cases.followup import create_followup
from cxm.cases.models import Case
from cxm.customers.models import Customer
from cxm.errors import InputError
from cxm.org.models import Employee
from cxm.people.outcomes import card_document, outcome_cards
from cxm.standards.definitions import load_standards
from cxm.standards.models import ImprovementProject, Recognition
from cxm.standards.recording import VisitInput, record_visit
from cxm.store import Store
from tests.people.factories import build_people

T0 = datetime(2026, 4, 1, 2, tzinfo=UTC)

# (team, type, cases, SLA kept): alpha mostly enquiries, beta mostly complaints; beta keeps
# the SLA more often within each type.
PLAN = [
    ("alpha", CaseType.ENQUIRY, 40, 36),  # 90 %
    ("alpha", CaseType.COMPLAINT, 10, 4),  # 40 %
    ("beta", CaseType.ENQUIRY, 10, 10),  # 100 %
    ("beta", CaseType.COMPLAINT, 40, 24),  # 60 %
]

CHECKLIST = """
standards:
  - {code: GREET, name: 主动问候, stage: sale, kind: people, owner: 门店, unit: visit,
     source: shopping}
  - {code: FIX, name: 一次解决, stage: after_sale, kind: people, owner: 门店, unit: visit,
     source: shopping}
"""


def _build(store: Store, tmp_path: Path) -> dict[str, int]:
    teams = build_people(store, tmp_path)
    with store.session() as s:
        carol = create_user(s, name="carol", role="agent", password="correct horse 1").id
        dave = create_user(s, name="dave", role="agent", password="correct horse 1").id
        owners = {}
        for name, user in (("alpha", carol), ("beta", dave)):
            e = s.scalars(
                select(Employee).where(Employee.team_id == teams[name]).order_by(Employee.id)
            ).first()
            assert e is not None
            e.staff_user_id = user
            owners[name] = user
        c = Customer(external_id="客户1", acquired_on=date(2025, 1, 1))
        s.add(c)
        s.flush()
        n = 0
        for team, kind, count, kept in PLAN:
            for i in range(count):
                n += 1
                due = T0 + timedelta(hours=n, days=1)
                case = Case(
                    customer_id=c.id,
                    type=kind,
                    source=CaseSource.MANUAL,
                    subject=f"个案 {n}",
                    team_id=teams[team],
                    owner_user_id=owners[team],
                    status=CaseStatus.RESOLVED,
                    opened_at=T0 + timedelta(hours=n),
                    first_response_due=due,
                    resolution_due=due,
                    resolved_at=due - timedelta(hours=1) if i < kept else due + timedelta(hours=5),
                    reopened=1 if i % 10 == 0 else 0,
                )
                s.add(case)
                s.flush()
                if i < 5:
                    fu = create_followup(s, case=case, now=due)
                    fu.handling_csat = 5 if team == "beta" else 3
        load_standards(s, CHECKLIST)
        for i in range(10):
            when = T0 + timedelta(days=2, hours=i)
            record_visit(s, VisitInput(when, "sale", "一号店", "alpha", "暗访员", {"GREET": i < 8}))
            record_visit(
                s, VisitInput(when, "after_sale", "二号店", "beta", "暗访员", {"FIX": i < 5})
            )
        project = ImprovementProject(
            name="问候话术",
            team="alpha",
            problem_kind="standard",
            problem_ref="GREET",
            metric="defect_rate",
            test="two_proportion",
            baseline_start=date(2026, 1, 1),
            baseline_end=date(2026, 1, 31),
            after_start=date(2026, 3, 1),
            after_end=date(2026, 3, 31),
        )
        s.add(project)
        s.flush()
        first = s.scalars(
            select(Employee).where(Employee.team_id == teams["alpha"]).order_by(Employee.id)
        ).first()
        assert first is not None
        s.add(
            Recognition(
                project_id=project.id,
                person=first.external_id,
                reason="问候率从 60% 升到 90%",
                awarded_on=date(2026, 4, 20),
            )
        )
    return teams


def test_case_outcomes_shopping_and_recognition_per_team(store: Store, tmp_path: Path) -> None:
    _build(store, tmp_path)
    with store.session() as s:
        cards = {
            c.name: c
            for c in outcome_cards(s, since=date(2026, 4, 1), until=date(2026, 4, 30), min_n=20)
        }
    alpha, beta = cards["alpha"].measures, cards["beta"].measures
    # Raw: alpha 40/50 = 0.80 beats beta 34/50 = 0.68 …
    assert alpha["sla_kept"].crude == pytest.approx(0.80)
    assert beta["sla_kept"].crude == pytest.approx(0.68)
    # … but weighted to the pooled mix (50 enquiries, 50 complaints) beta is better.
    assert alpha["sla_kept"].adjusted == pytest.approx(0.5 * 0.9 + 0.5 * 0.4)
    assert beta["sla_kept"].adjusted == pytest.approx(0.5 * 1.0 + 0.5 * 0.6)
    assert beta["sla_kept"].adjusted > alpha["sla_kept"].adjusted
    assert alpha["sla_kept"].low < alpha["sla_kept"].adjusted < alpha["sla_kept"].high
    # Reopened: every tenth case (i = 0, 10, …): alpha 4 + 1 of 50, beta 1 + 4 of 50.
    assert alpha["reopen_rate"].crude == pytest.approx(5 / 50)
    assert beta["reopen_rate"].n == 50
    # Follow-up CSAT: five answered per team and type.
    assert alpha["followup_csat"].crude == pytest.approx(3.0) and alpha["followup_csat"].small
    assert beta["followup_csat"].adjusted == pytest.approx(5.0)
    # Mystery shopping by stage: alpha 8/10 at sale only → partial; beta 5/10 after sale.
    assert alpha["shopping_met"].crude == pytest.approx(0.8) and alpha["shopping_met"].partial
    assert beta["shopping_met"].crude == pytest.approx(0.5)
    assert [r.project for r in cards["alpha"].recognitions] == ["问候话术"]
    assert cards["beta"].recognitions == []
    assert card_document(cards["alpha"])["recognitions"][0]["reason"].startswith("问候率")


def test_case_outcomes_per_employee(store: Store, tmp_path: Path) -> None:
    teams = _build(store, tmp_path)
    with store.session() as s:
        cards = outcome_cards(
            s, since=date(2026, 4, 1), until=date(2026, 4, 30), level="employee", min_n=20
        )
    by_team = {c.team: c for c in cards}
    assert set(by_team) == {"alpha", "beta"}  # the two case owners
    assert by_team["alpha"].measures["sla_kept"].crude == pytest.approx(0.80)
    assert "shopping_met" not in by_team["alpha"].measures  # visits name no employee
    assert len(by_team["alpha"].recognitions) == 1  # recognised by employee id
    assert teams["alpha"] != teams["beta"]


def test_outcomes_refuse_a_reversed_period(store: Store, tmp_path: Path) -> None:
    build_people(store, tmp_path)
    with store.session() as s, pytest.raises(InputError, match="before it starts"):
        outcome_cards(s, since=date(2026, 4, 30), until=date(2026, 4, 1))
