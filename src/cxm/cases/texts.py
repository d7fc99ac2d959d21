"""Case texts read on arrival (issue 20): a case's own text, its notes and contacts, and
the text of the public 24-hour feedback form are saved as text entries (source ``case``,
where the text analytics read every text) and classified by the :mod:`cxm.text` pipeline
— language, sentiment, the seven faults, the four emotions, themes, personal data masked —
by a worker within seconds, through the same outbox as the answers' case rules.

The transaction that adds the text writes the job (:func:`text_arrived`); the batched job
``cases.texts`` saves and classifies in one transaction with its ``done`` mark, so each
text is read exactly once. On the case page the findings are suggestions: an agent who
accepts one adds its faults and emotion to the case, and the text is then coded by staff
(the training data of the faults-and-emotions model).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.cases.codes import EventKind, ServiceFault
from cxm.cases.models import Case, CaseEvent
from cxm.cases.text_outbox import TEXT_JOB, text_arrived
from cxm.cases.text_outbox import text_key as _key
from cxm.errors import InputError, NotFound
from cxm.i18n import _

__all__ = [
    "TEXT_JOB",
    "accept_suggestion",
    "case_texts",
    "classify_arrived",
    "fault_of",
    "text_arrived",
]

#: The text pipeline's fault codes (``cxm.text.lexicon.FAULTS``) → the case's.
_FAULTS = {
    "indifference": ServiceFault.INDIFFERENCE,
    "passing_the_buck": ServiceFault.PASSING_THE_BUCK,
    "coldness": ServiceFault.COLDNESS,
    "condescension": ServiceFault.CONDESCENSION,
    "robotic_service": ServiceFault.ROBOTIC,
    "rule_hiding": ServiceFault.HIDING_BEHIND_RULES,
    "runaround": ServiceFault.DEPARTMENT_TO_DEPARTMENT,
}
_TEXT_FAULTS = {v: k for k, v in _FAULTS.items()}
#: Event kinds whose note is the customer's or the staff's words about the problem.
_TEXT_EVENTS = (EventKind.NOTE, EventKind.CONTACT)


def fault_of(text_fault: str) -> ServiceFault | None:
    """The case fault of a text-pipeline fault code (None: not one of the seven)."""
    return _FAULTS.get(text_fault)


def _analysis(row: Mapping[str, Any]) -> dict[str, Any]:
    faults = [f for f in (row.get("faults") or ()) if f in _FAULTS]
    sentiment = row.get("sentiment")
    return {
        "language": str(row.get("language") or ""),
        "note": str(row.get("note") or ""),
        "sentiment": None if sentiment is None or sentiment != sentiment else float(sentiment),
        "sentiment_label": str(row.get("sentiment_label") or ""),
        "faults": faults,
        "case_faults": [_FAULTS[f].value for f in faults],
        "emotion": str(row.get("emotion") or ""),
        "themes": list(row.get("themes") or ()),
        "evidence": {str(k): list(v) for k, v in (row.get("evidence") or {}).items()},
        "masked": str(row.get("text") or ""),
    }


def classify_arrived(
    session: Session, payloads: Sequence[Mapping[str, Any]], *, now: datetime | None = None
) -> int:
    """Save and classify the texts named by ``payloads`` (``case_id``, ``event_id``); a
    text already saved is not saved twice. Returns how many were classified."""
    from cxm.customers.models import Customer
    from cxm.text.analysis import Analyzer
    from cxm.text.models import TextEntry, TextSource
    from cxm.text.pii import PiiMasker

    at = now or datetime.now(UTC)
    wanted = {_key(int(p["case_id"]), p.get("event_id")): p for p in payloads}
    case_ids = sorted({int(p["case_id"]) for p in payloads})
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(case_ids)))}
    event_ids = sorted({int(p["event_id"]) for p in payloads if p.get("event_id") is not None})
    events = {
        e.id: e
        for e in session.scalars(
            select(CaseEvent).where(CaseEvent.id.in_(event_ids), CaseEvent.kind.in_(_TEXT_EVENTS))
        )
    }
    known = set(
        session.scalars(
            select(TextEntry.external_id).where(
                TextEntry.case_id.in_(case_ids), TextEntry.external_id.in_(list(wanted))
            )
        )
    )
    items: list[tuple[str, Case, str, datetime]] = []
    for key, p in wanted.items():
        case = cases.get(int(p["case_id"]))
        if case is None or key in known:
            continue
        if p.get("event_id") is None:
            text, when = case.text or "", case.opened_at
        else:
            event = events.get(int(p["event_id"]))
            if event is None:
                continue
            text, when = event.note or "", event.at
        if text.strip():
            items.append((key, case, text.strip(), when))
    if not items:
        return 0
    customers = sorted({c.customer_id for _k, c, _t, _w in items})
    names = [
        n for n in session.scalars(select(Customer.name).where(Customer.id.in_(customers))) if n
    ]
    analysed = Analyzer(masker=PiiMasker(names)).analyze([t for _k, _c, t, _w in items])
    records: list[dict[str, Any]] = [
        {str(k): v for k, v in r.items()} for r in analysed.to_dict(orient="records")
    ]
    for (key, case, text, when), row in zip(items, records, strict=True):
        session.add(
            TextEntry(
                source=TextSource.CASE,
                external_id=key,
                customer_id=case.customer_id,
                touchpoint_id=case.touchpoint_id,
                case_id=case.id,
                occurred_at=when,
                text=text,
                analysis=_analysis(row),
                analysed_at=at,
            )
        )
    session.flush()
    return len(items)


def case_texts(session: Session, case_id: int) -> list[dict[str, Any]]:
    """The texts of a case as read on arrival, oldest first: what the case page shows
    (the masked text, never the raw one) with the suggestions not yet on the case."""
    from cxm.text.models import TextEntry

    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(_("No case {id}.", id=case_id))
    on_case = set(case.faults or [])
    out = []
    for e in session.scalars(
        select(TextEntry).where(TextEntry.case_id == case_id).order_by(TextEntry.id)
    ):
        a = dict(e.analysis or {})
        suggested_faults = [f for f in a.get("case_faults", []) if f not in on_case]
        emotion = a.get("emotion") or ""
        suggested_emotion = (
            emotion if emotion not in ("", "uncertain") and case.emotion_in is None else ""
        )
        out.append(
            {
                "id": e.id,
                "what": "case" if e.external_id == _key(case_id, None) else "note",
                "at": e.occurred_at,
                "masked": a.get("masked", ""),
                "language": a.get("language", ""),
                "sentiment": a.get("sentiment"),
                "sentiment_label": a.get("sentiment_label", ""),
                "faults": a.get("case_faults", []),
                "emotion": emotion,
                "themes": a.get("themes", []),
                "coded": e.staff_labels is not None,
                "suggested_faults": suggested_faults,
                "suggested_emotion": suggested_emotion,
            }
        )
    return out


def accept_suggestion(
    session: Session,
    *,
    case_id: int,
    entry_id: int,
    version: int,
    actor_user_id: int,
    faults: Iterable[str] = (),
    emotion: str = "",
    now: datetime | None = None,
) -> Case:
    """The agent accepts what the pipeline found in one of the case's texts (all of it or
    the ``faults`` / ``emotion`` they tick): the faults join the case's, the emotion becomes
    its emotion at intake where none was recorded, and the text is coded by staff with
    what was accepted. Optimistic on the case's ``version`` like every change."""
    from cxm.accounts.models import StaffUser
    from cxm.cases.codes import Emotion
    from cxm.cases.service import _event, _guarded_update, get_case
    from cxm.text.models import TextEntry

    at = now or datetime.now(UTC)
    case = get_case(session, case_id)
    entry = session.get(TextEntry, entry_id)
    if entry is None or entry.case_id != case.id:
        raise NotFound(_("Case {id} has no text {entry}.", id=case_id, entry=entry_id))
    found = dict(entry.analysis or {})
    chosen = sorted(set(faults))
    bad = [f for f in chosen if f not in found.get("case_faults", [])]
    if bad:
        raise InputError(_("faults: {values} were not found in this text.", values=", ".join(bad)))
    if emotion and emotion != found.get("emotion"):
        raise InputError(_("emotion: {value} was not found in this text.", value=emotion))
    if not chosen and not emotion:
        raise InputError(_("Tick at least one fault or the emotion to accept."))
    values: dict[str, Any] = {}
    new_faults = sorted({*(case.faults or []), *chosen})
    if new_faults != sorted(case.faults or []):
        values["faults"] = new_faults
    if emotion and case.emotion_in is None:
        values["emotion_in"] = Emotion(emotion)
    _guarded_update(session, case, version, values)
    _event(
        session,
        case.id,
        EventKind.NOTE,
        actor=actor_user_id,
        at=at,
        note=_("Accepted what the text analysis found in text {entry}.", entry=entry.id),
        data={"accepted": {"faults": chosen, "emotion": emotion or None}, "text": entry.id},
    )
    name = session.scalar(select(StaffUser.name).where(StaffUser.id == actor_user_id))
    labels = sorted(
        {*(_TEXT_FAULTS[ServiceFault(f)] for f in chosen), *([emotion] if emotion else [])}
    )
    entry.staff_labels = sorted({*(entry.staff_labels or []), *labels})
    entry.coded_by = name or str(actor_user_id)
    session.flush()
    return case
