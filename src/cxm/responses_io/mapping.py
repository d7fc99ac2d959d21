"""Which column of an imported file answers which question.

LimeSurvey writes a multiple-choice question as one column per choice, ``Q5[SQ001]`` (or
``Q5_SQ001``) holding ``Y``; Qualtrics as ``Q5_1``; our own export as ``Q5_code`` with 1/0.
A single column ``Q5`` with codes separated by ``;`` or ``,`` is accepted too. Columns the
tools add about the response itself (ids, dates, IP, timings) are known and skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cxm.responses_io.columns import META_COLUMNS
from cxm.surveys.schema import QuestionDef, QuestionnaireDef, QuestionType

__all__ = ["KNOWN_META", "ColumnMap", "map_columns"]

#: Columns of LimeSurvey, Qualtrics and our export that describe the response, lower case.
KNOWN_META = frozenset(
    {m.lower() for m in META_COLUMNS}
    | {
        # LimeSurvey
        "id", "submitdate", "lastpage", "startlanguage", "seed", "token", "startdate",
        "datestamp", "ipaddr", "refurl", "interviewtime", "optin", "emailstatus",
        # Qualtrics
        "enddate", "status", "ipaddress", "progress", "duration (in seconds)", "finished",
        "recordeddate", "responseid", "recipientlastname", "recipientfirstname",
        "recipientemail", "externalreference", "externaldatareference", "locationlatitude",
        "locationlongitude", "distributionchannel", "userlanguage", "q_recaptchascore",
        # legacy Qualtrics (V1…V10 named from its second header row)
        "responseset", "name", "emailaddress",
    }
)  # fmt: skip
_TIMING = re.compile(r"^(grouptime\d+|.+time)$", re.IGNORECASE)
#: Qualtrics Text iQ adds "Q2 - Topics", "Q2 - Sentiment Polarity" … beside a text answer.
_TEXT_IQ = re.compile(
    r"^.+ - (topics|parent topics|sentiment( polarity| score)?|topic sentiment (label|score)"
    r"|actionability|emotion|emotion intensity|effort)$",
    re.IGNORECASE,
)


@dataclass
class ColumnMap:
    #: question code → the column holding it (non-multiple, or a multiple as one column)
    single: dict[str, str] = field(default_factory=dict)
    #: multiple-choice question code → {column: choice code}
    items: dict[str, dict[str, str]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)


def _item_names(q: QuestionDef, index: int, choice: str) -> list[str]:
    c = q.code
    return [f"{c}[{choice}]", f"{c}_{choice}", f"{c}.{choice}", f"{c}_{index}", f"{c}[{index}]"]


_ARRAY = re.compile(r"^(?P<q>[^\[\]]+)\[(?P<sub>[^\[\]]+)\]$")


def _array_names(header: list[str], codes: set[str]) -> dict[str, str]:
    """LimeSurvey array sub-question columns ``SAT[SQ001]`` under the question code they
    answer: ``SAT_SQ001``, ``SATSQ001`` or ``SQ001`` (the first that is a question)."""
    out: dict[str, str] = {}
    for h in header:
        m = _ARRAY.match(h.strip())
        if m is None:
            continue
        q, sub = m["q"].strip(), m["sub"].strip()
        for name in (f"{q}_{sub}", f"{q}{sub}", sub):
            if name.lower() in codes:
                out.setdefault(name.lower(), h)
                break
    return out


def map_columns(header: list[str], definition: QuestionnaireDef) -> ColumnMap:
    """Match ``header`` to the questions of ``definition`` (case-insensitive)."""
    by_lower = {h.strip().lower(): h for h in header}
    codes = {q.code.lower() for q in definition.questions()}
    for name, h in _array_names(header, codes).items():
        by_lower.setdefault(name, h)
    used: set[str] = set()
    out = ColumnMap()
    for q in definition.questions():
        col = by_lower.get(q.code.lower())
        if q.type == QuestionType.MULTIPLE and col is None:
            found: dict[str, str] = {}
            for i, choice in enumerate(q.choices, start=1):
                for name in _item_names(q, i, choice.code):
                    if name.lower() in by_lower:
                        found[by_lower[name.lower()]] = choice.code
                        break
            if found:
                out.items[q.code] = found
                used.update(found)
                continue
        if col is not None:
            out.single[q.code] = col
            used.add(col)
        elif q.required and q.show_if is None:
            out.missing_required.append(q.code)
    for h in header:
        low = h.strip().lower()
        known = low in KNOWN_META or _TIMING.match(low) or _TEXT_IQ.match(low)
        if h in used or known or not low:
            continue
        out.unknown.append(h)
    return out
