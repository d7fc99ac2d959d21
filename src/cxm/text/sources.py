"""Texts from every source in the store, as one frame, and new text entries saved.

Sources: survey open answers (the questionnaire's free-text questions), touchpoint notes,
and :class:`~cxm.text.models.TextEntry` rows (complaint logs, call transcripts, visit
reports, case texts). Each row carries what the cost analysis needs: the customer, their
segment (first exclusive segment definition, current membership), whether they churned,
the wave of a survey answer and, where the response has a 0–10 NPS answer, whether the
customer was a detractor (0–6).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.customers.codes import CustomerStatus
from cxm.customers.models import Customer, Touchpoint
from cxm.errors import InputError
from cxm.i18n import _
from cxm.store.chunks import in_chunks
from cxm.text.classifier import parse_labels
from cxm.text.models import TextEntry, TextSource

__all__ = [
    "COLUMNS",
    "add_text_entries",
    "arrival_counts",
    "code_text_entry",
    "collect_texts",
    "customer_names",
    "names_in",
]

COLUMNS = (
    "source",
    "source_id",
    "customer_id",
    "occurred_at",
    "wave",
    "stage",
    "text",
    "staff_labels",
    "segment",
    "churned",
    "detractor",
    "value",
)


def add_text_entries(session: Session, rows: Iterable[Mapping[str, Any]]) -> int:
    """Save texts (``source``, ``text``, optional ``customer_id``, ``occurred_at``,
    ``external_id``, ``staff_labels``, ``coded_by``); all or nothing."""
    entries = []
    for number, row in enumerate(rows, start=1):
        try:
            source = TextSource(str(row.get("source", "")))
        except ValueError:
            raise InputError(
                _(
                    "Row {row}: source “{value}” is not one of {choices}.",
                    row=number,
                    value=row.get("source"),
                    choices=", ".join(s.value for s in TextSource),
                )
            ) from None
        text = str(row.get("text") or "").strip()
        if not text:
            raise InputError(_("Row {row}: the text is empty.", row=number))
        labels = row.get("staff_labels")
        coded = None if labels is None else sorted(parse_labels([";".join(labels)])[0])
        entries.append(
            TextEntry(
                source=source,
                text=text,
                customer_id=row.get("customer_id"),
                touchpoint_id=row.get("touchpoint_id"),
                occurred_at=row.get("occurred_at"),
                external_id=row.get("external_id"),
                staff_labels=coded,
                coded_by=row.get("coded_by"),
            )
        )
    session.add_all(entries)
    session.flush()
    return len(entries)


def code_text_entry(
    session: Session, *, entry_id: int, labels: Iterable[str], coded_by: str
) -> list[str]:
    """Manual coding: set the faults and emotions a member of staff read in a text."""
    from cxm.errors import NotFound

    entry = session.get(TextEntry, entry_id)
    if entry is None:
        raise NotFound(_("No text with id {id}.", id=entry_id))
    coded = sorted(parse_labels([";".join(labels)])[0])
    entry.staff_labels = coded
    entry.coded_by = coded_by
    session.flush()
    return coded


def customer_names(session: Session) -> list[str]:
    """Every customer name in the customer file (for PII masking)."""
    return [
        n for n in session.scalars(select(Customer.name).where(Customer.name.is_not(None))) if n
    ]


#: Longest Chinese name looked for in a text (surname and given name, a compound surname,
#: a minority name written with its middle dot), and most words of a name in Latin letters
#: (an apostrophe or a hyphen starts a word: O'Brien, Jean-Luc).
MAX_CJK_NAME = 6
MAX_LATIN_WORDS = 6
#: Values per IN (…) list: well under SQLite's and PostgreSQL's limits on parameters.
_CHUNK = 500
_WORD = re.compile(r"\w+")


def _candidates(texts: Iterable[str]) -> set[str]:
    """Every piece of ``texts`` that could be a customer's name as :class:`PiiMasker`
    matches them: 2 to :data:`MAX_CJK_NAME` characters from each non-Latin character, and
    each run of up to :data:`MAX_LATIN_WORDS` words between word boundaries, 3 characters
    or more, in the cases a name is stored in (as written, Title, lower, UPPER: the masker
    matches any case, the name index only the stored one)."""
    out: set[str] = set()
    for text in texts:
        for i, ch in enumerate(text):
            if not ch.isascii() and not ch.isspace():
                longest = min(MAX_CJK_NAME, len(text) - i)
                out.update(text[i : i + n] for n in range(2, longest + 1))
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        for i, (start, _end) in enumerate(words):
            for _s, end in words[i : i + MAX_LATIN_WORDS]:
                phrase = text[start:end]
                if len(phrase) >= 3 and phrase.isascii():
                    out.update((phrase, phrase.title(), phrase.lower(), phrase.upper()))
    return out


def names_in(
    session: Session, texts: Iterable[str], *, customer_ids: Iterable[int] = ()
) -> list[str]:
    """The customer names that occur in ``texts``, and those of ``customer_ids`` (who wrote
    them): what masking a page of texts needs, read through the name index instead of
    every name of the customer file (seconds at a million customers)."""
    texts = list(texts)
    found: set[str] = set()
    ids = sorted({int(i) for i in customer_ids})
    for start in range(0, len(ids), _CHUNK):
        found.update(
            n
            for n in session.scalars(
                select(Customer.name).where(Customer.id.in_(ids[start : start + _CHUNK]))
            )
            if n
        )
    candidates = sorted(_candidates(texts))
    for start in range(0, len(candidates), _CHUNK):
        found.update(
            n
            for n in session.scalars(
                select(Customer.name).where(Customer.name.in_(candidates[start : start + _CHUNK]))
            )
            if n
        )
    return sorted(found)


def _survey_texts(session: Session) -> list[dict[str, Any]]:
    from cxm.responses_io.comments import text_question_codes
    from cxm.surveys.models import Answer, Response, Wave

    questionnaires = set(session.scalars(select(Response.questionnaire_id).distinct()))
    codes: set[str] = set()
    for qid in questionnaires:
        codes |= text_question_codes(session, questionnaire_id=qid)
    if not codes:
        return []
    rows = session.execute(
        select(
            Answer.response_id, Answer.text, Response.customer_id, Response.completed_at, Wave.name
        )
        .join(Response, Response.id == Answer.response_id)
        .outerjoin(Wave, Wave.id == Response.wave_id)
        .where(
            Answer.question_code.in_(sorted(codes)),
            Answer.text.is_not(None),
            Response.completed_at.is_not(None),
        )
    ).all()
    nps: dict[int, float] = {
        int(r): float(n)
        for r, n in session.execute(
            select(Answer.response_id, Answer.number).where(
                Answer.question_code == "NPS", Answer.number.is_not(None)
            )
        ).all()
        if n is not None
    }
    return [
        {
            "source": "survey",
            "source_id": rid,
            "customer_id": cid,
            "occurred_at": when,
            "wave": wave,
            "text": text,
            "staff_labels": None,
            "detractor": None if rid not in nps else int(nps[rid] <= 6),
        }
        for rid, text, cid, when, wave in rows
        if text and text.strip()
    ]


def _notes(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            Touchpoint.id,
            Touchpoint.customer_id,
            Touchpoint.occurred_at,
            Touchpoint.stage,
            Touchpoint.note,
        ).where(Touchpoint.note.is_not(None))
    ).all()
    return [
        {
            "source": "touchpoint_note",
            "source_id": i,
            "customer_id": c,
            "occurred_at": w,
            "stage": str(getattr(stage, "value", stage)),
            "text": n,
        }
        for i, c, w, stage, n in rows
        if n and n.strip()
    ]


def _entries(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            TextEntry.id,
            TextEntry.source,
            TextEntry.customer_id,
            TextEntry.occurred_at,
            TextEntry.text,
            TextEntry.staff_labels,
            Touchpoint.stage,
        ).outerjoin(Touchpoint, Touchpoint.id == TextEntry.touchpoint_id)
    ).all()
    return [
        {
            "source": str(getattr(src, "value", src)),
            "source_id": i,
            "customer_id": c,
            "occurred_at": w,
            "text": t,
            "staff_labels": tuple(labels) if labels is not None else None,
            "stage": None if stage is None else str(getattr(stage, "value", stage)),
        }
        for i, src, c, w, t, labels, stage in rows
    ]


def _segments(session: Session) -> dict[int, str]:
    from cxm.segments.models import SegmentDefinition, SegmentMembership

    definition = session.scalar(
        select(SegmentDefinition.id)
        .where(SegmentDefinition.exclusive.is_(True))
        .order_by(SegmentDefinition.id)
        .limit(1)
    )
    if definition is None:
        return {}
    rows = session.execute(
        select(SegmentMembership.customer_id, SegmentMembership.segment).where(
            SegmentMembership.definition_id == definition, SegmentMembership.valid_to.is_(None)
        )
    ).all()
    return {int(c): str(s) for c, s in rows}


def collect_texts(session: Session, *, sources: Iterable[str] | None = None) -> pd.DataFrame:
    """Every text in the store with its context (see the module docstring)."""
    wanted = set(sources) if sources is not None else None
    rows = [*_survey_texts(session), *_notes(session), *_entries(session)]
    if wanted is not None:
        rows = [r for r in rows if r["source"] in wanted]
    frame = pd.DataFrame(
        rows, columns=[c for c in COLUMNS if c not in ("segment", "churned", "value")]
    )
    if frame.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    ids = sorted({int(c) for c in frame["customer_id"].dropna()})
    status: dict[int, bool] = {}
    for chunk in in_chunks(ids):
        status.update(
            {
                int(i): s == CustomerStatus.CHURNED
                for i, s in session.execute(
                    select(Customer.id, Customer.status).where(Customer.id.in_(chunk))
                ).all()
            }
        )
    segments = _segments(session)
    frame["segment"] = frame["customer_id"].map(
        lambda c: segments.get(int(c)) if c == c and c is not None else None
    )
    frame["churned"] = frame["customer_id"].map(
        lambda c: int(status[int(c)]) if c == c and c is not None and int(c) in status else None
    )
    frame["value"] = 1.0
    frame["occurred_at"] = frame["occurred_at"].map(
        lambda w: w.isoformat() if isinstance(w, datetime) else w
    )
    return frame[list(COLUMNS)]


def arrival_counts(session: Session) -> dict[str, int]:
    """Case texts read on arrival by the worker (``classified``) and those still waiting
    for it (``waiting``); empty counts left out."""
    from sqlalchemy import func

    rows = session.execute(
        select(TextEntry.analysed_at.is_not(None), func.count())
        .where(TextEntry.case_id.is_not(None))
        .group_by(TextEntry.analysed_at.is_not(None))
    ).all()
    counts = {"classified" if done else "waiting": int(n) for done, n in rows}
    return {k: v for k, v in counts.items() if v}
