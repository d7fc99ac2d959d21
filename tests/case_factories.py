"""Factories for case tests: staff, customers and answers, all through the services."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from cxm.accounts import create_user
from cxm.accounts.passwords import hash_password
from cxm.store import Store
from cxm.surveys.invitations import issue_links
from cxm.surveys.loader import parse_definition
from cxm.surveys.questionnaires import save_questionnaire
from cxm.surveys.recording import CompletedResponse, record_responses
from cxm.surveys.waves import create_wave, sample_wave
from tests.survey_factories import add_customers

#: NPS, an item and a comment: what case rules look at.
RATED: dict[str, Any] = {
    "code": "rated",
    "title": {"zh-CN": "评价", "en": "Rating"},
    "pages": [
        {
            "questions": [
                {"code": "REC", "type": "nps", "text": {"en": "Recommend?"}},
                {"code": "SAT", "type": "satisfaction5", "text": {"en": "Satisfied?"}},
                {"code": "WHY", "type": "text", "required": False, "text": {"en": "Why?"}},
            ]
        }
    ],
}

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai


#: The password of every staff member :func:`staff` makes.
STAFF_PASSWORD = "correct horse 1"


@cache
def _staff_password_hash() -> str:
    """One argon2 hash of :data:`STAFF_PASSWORD` for them all (a hash costs ~0.15 s of CPU
    on purpose; four per test added up over the case tests)."""
    return hash_password(STAFF_PASSWORD)


def staff(store: Store) -> dict[str, int]:
    """alice (admin), bob (analyst), carol and dave (agents)."""
    out = {}
    with store.session() as s:
        for name, role in (
            ("alice", "admin"),
            ("bob", "analyst"),
            ("carol", "agent"),
            ("dave", "agent"),
        ):
            user = create_user(s, name=name, role=role, password_hash=_staff_password_hash())
            out[name] = user.id
    return out


def answered_wave(
    store: Store, answers: list[dict[str, Any]], *, completed_at: datetime = T0
) -> list[int]:
    """Customers who answered RATED with ``answers`` (one dict per customer): response ids."""
    add_customers(store, len(answers))
    with store.session() as s:
        saved = save_questionnaire(s, definition=parse_definition(RATED))
        wave = create_wave(
            s,
            questionnaire_id=saved.questionnaire_id,
            name="W1",
            opens_on=date(2026, 1, 1),
            closes_on=date(2026, 12, 31),
            quiet_days=0,
        )
        sampled = sample_wave(s, wave_id=wave.id, seed=1)
        ids = sorted(sampled.invitation_ids)
        issue_links(s, invitation_ids=ids)
        return record_responses(
            s,
            items=[
                CompletedResponse(
                    invitation_id=i, answers=a, completed_at=completed_at + timedelta(minutes=k)
                )
                for k, (i, a) in enumerate(zip(ids, answers, strict=True))
            ],
        )
