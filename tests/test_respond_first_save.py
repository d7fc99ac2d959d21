"""The short path of a response's first save (one statement on PostgreSQL) stores exactly
what the general path stores, for every type of answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cxm.store import Store
from cxm.surveys.invitations import resolve_link
from cxm.surveys.models import Answer, Invitation, InvitationStatus, Response
from cxm.surveys.responses import save_page, submit_page
from tests.survey_factories import ONE_PAGE, SHORT, wave_with_links

EVERY_TYPE: dict[str, Any] = {
    "code": "every_type",
    "title": {"en": "Every type"},
    "pages": [
        {
            "questions": [
                *SHORT["pages"][0]["questions"],
                {"code": "CES", "type": "ces", "text": {"en": "Easy?"}},
                {
                    "code": "SPEND",
                    "type": "number",
                    "required": False,
                    "text": {"en": "Spend?"},
                },
                *[
                    {key: value for key, value in q.items() if key != "show_if"}
                    for q in SHORT["pages"][1]["questions"]
                ],
            ]
        },
        {"questions": [{"code": "MORE", "type": "text", "required": False, "text": {"en": "?"}}]},
    ],
}
ANSWERS = {
    "SAT": ["2"],
    "NPS": ["0"],
    "AGE": ["dk"],
    "CES": ["7"],
    "SPEND": ["12.75"],
    "WHY": ["staff"],
    "CHANNELS": ["phone", "web"],
    "COMMENT": ['更快 <b>"quoted"</b> \\ 100%'],
}


def _stored(store: Store, token: str) -> tuple[tuple[Any, ...], set[tuple[Any, ...]], str]:
    with store.session() as s:
        inv = resolve_link(s, token=token).id
        r = s.scalars(select(Response).where(Response.invitation_id == inv)).one()
        answers = {
            (
                a.question_code,
                a.number,
                a.text,
                None if a.choices is None else tuple(a.choices),
                a.dont_know,
            )
            for a in s.scalars(select(Answer).where(Answer.response_id == r.id))
        }
        status = s.scalar(select(Invitation.status).where(Invitation.id == inv))
        row = (r.version_id, r.language, r.page_reached, r.completed_at is not None, r.source)
        return row, answers, str(status)


def test_the_first_save_stores_what_the_general_path_stores(store: Store) -> None:
    _wave, (fast, general, *_rest) = wave_with_links(store, definition=EVERY_TYPE)
    first = submit_page(store, token=fast, page=0, raw=ANSWERS, language="zh-CN")
    with store.session() as s:
        save_page(s, token=general, page=0, raw=ANSWERS, language="zh-CN")
    assert not first.completed and first.next_page == 1
    assert _stored(store, fast) == _stored(store, general)
    row, answers, status = _stored(store, fast)
    assert row[1:] == ("zh-CN", 0, False, "web") and status == InvitationStatus.STARTED
    assert ("CHANNELS", None, None, ("web", "phone"), False) in answers
    assert ("AGE", None, None, None, True) in answers
    assert ("SPEND", 12.75, None, None, False) in answers
    assert ("COMMENT", None, ANSWERS["COMMENT"][0], None, False) in answers
    for token in (fast, general):
        done = submit_page(store, token=token, page=1, raw={"MORE": ["ok"]}, language="zh-CN")
        assert done.completed
    assert _stored(store, fast) == _stored(store, general)
    assert _stored(store, fast)[2] == InvitationStatus.COMPLETED


def test_a_one_page_survey_is_completed_by_its_first_save(store: Store) -> None:
    _wave, (token, *_rest) = wave_with_links(store, definition=ONE_PAGE)
    done = submit_page(store, token=token, page=0, raw={"SAT": ["5"], "NPS": ["10"]})
    assert done.completed and done.next_page is None
    row, answers, status = _stored(store, token)
    assert row[2:4] == (0, True) and status == InvitationStatus.COMPLETED
    assert {a[:2] for a in answers} == {("SAT", 5.0), ("NPS", 10.0)}
