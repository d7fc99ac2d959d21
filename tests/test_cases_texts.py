"""Case texts read on arrival (issue 20 × issue 16): the case's text, its notes and the
public form's text are saved where the text analytics read them and classified by a worker
from the outbox — sentiment, faults, emotions, themes, personal data masked — exactly once;
the agent accepts the suggestions onto the case, which codes the text. SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cxm.accounts import create_user
from cxm.cases.models import Case, CaseEvent
from cxm.cases.service import add_note, open_case
from cxm.cases.texts import TEXT_JOB, accept_suggestion, case_texts
from cxm.config import load_settings
from cxm.customers.models import Customer
from cxm.errors import InputError
from cxm.jobs.models import Job, JobStatus
from cxm.jobs.worker import Worker
from cxm.store import Store
from cxm.text.models import TextEntry

WORDS = "王小明说客服推三阻四，转了好几个部门，太过分了！电话 13812345678"


def _setup(store: Store) -> tuple[int, int]:
    with store.session() as s:
        s.add(Customer(external_id="K1", name="王小明", email="wang@example.test"))
        s.flush()
        user = create_user(s, name="agent-li", password="agent-pass-1", role="agent")
        case, _new = open_case(s, customer="K1", type="complaint", subject="热水壶漏水", text=WORDS)
        return case.id, user.id


def _drain(store: Store) -> int:
    return Worker(store, load_settings(), names=[TEXT_JOB]).run(once=True).done


def test_a_case_text_and_its_notes_are_read_on_arrival(store: Store) -> None:
    case_id, user_id = _setup(store)
    with store.session() as s:  # the outbox row came with the case
        assert s.scalar(select(func.count()).where(Job.name == TEXT_JOB)) == 1
        add_note(s, case_id=case_id, actor_user_id=user_id, note="客户很满意，谢谢我们的处理")
    assert _drain(store) == 2
    assert _drain(store) == 0  # nothing twice
    with store.session() as s:
        entries = list(s.scalars(select(TextEntry).order_by(TextEntry.id)))
        statuses = set(s.scalars(select(Job.status).where(Job.name == TEXT_JOB)))
        texts = case_texts(s, case_id)
    assert statuses == {JobStatus.DONE}
    assert [e.source.value for e in entries] == ["case", "case"]
    assert all(e.case_id == case_id and e.analysed_at is not None for e in entries)
    first = entries[0].analysis or {}
    assert first["language"] == "zh"
    assert first["emotion"] == "angry"
    assert set(first["case_faults"]) == {"passing_the_buck", "department_to_department"}
    assert first["sentiment_label"] == "negative"
    # Personal data masked where shown: the phone and the customer's name.
    assert "13812345678" not in first["masked"] and "王小明" not in first["masked"]
    assert entries[0].text == WORDS  # the stored text is the customer's words
    note = entries[1].analysis or {}
    assert note["emotion"] == "happy" and note["sentiment_label"] == "positive"
    assert [t["what"] for t in texts] == ["case", "note"]
    assert sorted(texts[0]["suggested_faults"]) == ["department_to_department", "passing_the_buck"]
    assert texts[0]["suggested_emotion"] == "angry"


def test_the_agent_accepts_what_was_found_and_codes_the_text(store: Store) -> None:
    case_id, user_id = _setup(store)
    _drain(store)
    with store.session() as s:
        entry = s.scalar(select(TextEntry.id))
        assert entry is not None
        with pytest.raises(InputError, match="coldness"):
            accept_suggestion(
                s,
                case_id=case_id,
                entry_id=entry,
                version=1,
                actor_user_id=user_id,
                faults=["coldness"],
            )
        accept_suggestion(
            s,
            case_id=case_id,
            entry_id=entry,
            version=1,
            actor_user_id=user_id,
            faults=["passing_the_buck"],
            emotion="angry",
        )
    with store.session() as s:
        case = s.get(Case, case_id)
        assert case is not None
        assert case.faults == ["passing_the_buck"] and case.emotion_in is not None
        assert case.emotion_in.value == "angry" and case.version == 2
        coded = s.get(TextEntry, entry)
        assert coded is not None
        assert coded.staff_labels == ["angry", "passing_the_buck"]
        assert coded.coded_by == "agent-li"
        events = list(s.scalars(select(CaseEvent.data).where(CaseEvent.case_id == case_id)))
        assert {"faults": ["passing_the_buck"], "emotion": "angry"} in [
            d.get("accepted") for d in events
        ]
        left = case_texts(s, case_id)[0]
    assert left["suggested_faults"] == ["department_to_department"]
    assert left["suggested_emotion"] == ""  # the case has its emotion now


def test_case_texts_are_counted_in_the_text_report(store: Store) -> None:
    from cxm.text.service import what_customers_say

    case_id, user_id = _setup(store)
    with store.session() as s:
        add_note(s, case_id=case_id, actor_user_id=user_id, note="已致电客户道歉")
    _drain(store)
    with store.session() as s:
        report = what_customers_say(s, lang="zh-CN", sources=["case"])
    assert report["sources"] == {"case": 2}
    assert report["overview"]["arrived"] == {"classified": 2}


def test_a_case_without_words_makes_no_text_job(store: Store) -> None:
    with store.session() as s:
        s.add(Customer(external_id="K2", name="李四"))
        s.flush()
        open_case(s, customer="K2", type="enquiry", subject="发票")
        assert s.scalar(select(func.count()).where(Job.name == TEXT_JOB)) == 0
