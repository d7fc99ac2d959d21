"""Recording whole responses in bulk: the web form's rules, all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from cxm.errors import ValidationFailed
from cxm.frames.responses import responses_frame
from cxm.store import Store
from cxm.surveys.models import Invitation, InvitationStatus, Response
from cxm.surveys.recording import CompletedResponse, record_responses
from tests.survey_factories import wave_with_links

WHEN = datetime(2026, 10, 5, 9, 30, tzinfo=UTC)


def _invitations(store: Store) -> list[int]:
    with store.session() as s:
        return list(s.scalars(select(Invitation.id).order_by(Invitation.id)))


def test_it_records_checked_responses_in_bulk(store: Store) -> None:
    wave_id, _tokens = wave_with_links(store, customers=3)
    ids = _invitations(store)
    items = [
        CompletedResponse(ids[0], {"SAT": 1, "NPS": 0, "WHY": "price"}, WHEN),
        CompletedResponse(ids[1], {"SAT": "5", "NPS": 10, "AGE": "dk", "COMMENT": "好"}, WHEN),
    ]
    with store.session() as s:
        made = record_responses(s, items=items, source="demo")
    assert len(made) == 2
    with store.session() as s:
        frame = responses_frame(s, wave_id=wave_id)
        statuses = list(s.scalars(select(Invitation.status).order_by(Invitation.id)))
    assert frame["SAT"].tolist() == [1.0, 5.0] and frame["WHY"].tolist()[0] == "price"
    assert statuses[:2] == [InvitationStatus.COMPLETED] * 2
    assert str(frame["completed_at"].iloc[0]).startswith("2026-10-05 09:30")


def test_one_bad_answer_records_nothing_and_names_row_and_question(store: Store) -> None:
    _wave_id, _tokens = wave_with_links(store, customers=3)
    ids = _invitations(store)
    items = [
        CompletedResponse(ids[0], {"SAT": 4, "NPS": 9}, WHEN),
        CompletedResponse(ids[1], {"SAT": 4.5, "NPS": 9}, WHEN),
        CompletedResponse(ids[2], {"SAT": 2, "NPS": 9, "BOGUS": 1}, WHEN),  # WHY missing too
        CompletedResponse(ids[0], {"SAT": 4, "NPS": 9}, WHEN),  # the same invitation twice
    ]
    with pytest.raises(ValidationFailed) as info, store.session() as s:
        record_responses(s, items=items)
    where = {(p.row, p.column) for p in info.value.problems}
    assert {(2, "SAT"), (3, "BOGUS"), (3, "WHY"), (4, "invitation_id")} <= where
    with store.session() as s:
        assert s.scalar(select(func.count(Response.id))) == 0
