"""Moment-of-truth surveys: a touchpoint gets a short survey linked to its employee and team."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from cxm.customers.models import Employee, Team
from cxm.frames.responses import responses_frame
from cxm.store import Store
from cxm.surveys.invitations import issue_links
from cxm.surveys.models import Invitation
from cxm.surveys.moments import MAX_MOMENT_QUESTIONS, invite_for_touchpoints, record_touchpoint
from cxm.surveys.questionnaires import latest_version, load_version
from cxm.surveys.responses import save_page
from tests.survey_factories import add_customers


def test_recording_a_touchpoint_invites_the_customer_to_rate_it(store: Store) -> None:
    (customer,) = add_customers(store, 1)
    with store.session() as s:
        team = Team(name="Shanghai store")
        s.add(team)
        s.flush()
        alice = Employee(external_id="E1", name="Alice", team_id=team.id)
        s.add(alice)
        s.flush()
        tp, invitation_id = record_touchpoint(
            s,
            customer_id=customer,
            external_id="T-1",
            occurred_at=datetime.now(UTC),
            stage="after_sale",
            employee_id=alice.id,
        )
        inv = s.get(Invitation, invitation_id)
        assert inv is not None
        assert (inv.touchpoint_id, inv.employee_id, inv.team_id) == (tp.id, alice.id, team.id)
        n = len(load_version(latest_version(s, questionnaire_id=inv.questionnaire_id)).questions())
        assert 1 <= n <= MAX_MOMENT_QUESTIONS
        token = issue_links(s, invitation_ids=[inv.id])[inv.id]
        ids = (tp.id, alice.id, team.id)
    with store.session() as s:
        done = save_page(s, token=token, page=0, raw={"MOT_SAT": "2", "MOT_CES": "3"})
        assert done.completed
        frame = responses_frame(s)
    row = frame.iloc[0]
    assert (row.touchpoint_id, row.employee_id, row.team_id) == ids
    assert row.MOT_SAT == 2.0


def test_the_import_hook_skips_touchpoints_that_have_a_survey(store: Store) -> None:
    (customer,) = add_customers(store, 1)
    with store.session() as s:
        tp, _first = record_touchpoint(
            s,
            customer_id=customer,
            external_id="T-2",
            occurred_at=datetime.now(UTC),
            stage="sale",
        )
        again = invite_for_touchpoints(s, touchpoint_ids=[tp.id])
        assert again == {}
        assert len(s.scalars(select(Invitation)).all()) == 1
        quiet, none = record_touchpoint(
            s,
            customer_id=customer,
            external_id="T-3",
            occurred_at=datetime.now(UTC),
            stage="sale",
            survey=False,
        )
        assert none is None
        assert invite_for_touchpoints(s, touchpoint_ids=[quiet.id]).keys() == {quiet.id}
