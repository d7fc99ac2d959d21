"""The outbox row that has a worker read a case's new text (job ``cases.texts``): below
both :mod:`cxm.cases.service`, which writes it when a case or note arrives, and
:mod:`cxm.cases.texts`, which reads and classifies the text."""

from __future__ import annotations

from sqlalchemy.orm import Session

__all__ = ["TEXT_JOB", "text_arrived", "text_key"]

TEXT_JOB = "cases.texts"


def text_key(case_id: int, event_id: int | None) -> str:
    return f"case:{case_id}" if event_id is None else f"case:{case_id}:event:{event_id}"


def text_arrived(session: Session, case_id: int, event_id: int | None = None) -> None:
    """In the transaction that adds a case's text (``event_id`` None) or a note: the outbox
    row that has a worker read it."""
    from cxm.jobs.outbox import enqueue

    enqueue(
        session,
        TEXT_JOB,
        {"case_id": int(case_id), "event_id": None if event_id is None else int(event_id)},
        key=f"{TEXT_JOB}:{text_key(case_id, event_id)}",
    )
