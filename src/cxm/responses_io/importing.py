"""Import responses collected elsewhere — CSV as LimeSurvey or Qualtrics export it (the
latter with three header rows), or SPSS .sav — into a questionnaire, all or nothing.

Every cell is checked by the survey domain's own answer rules
(:func:`cxm.surveys.validation.coerce_answer`); any problem anywhere rejects the whole
file with a list of (row, column, value, reason), and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.customers.models import Customer
from cxm.errors import InputError, Problem, ValidationFailed
from cxm.files.parsing import parse_datetime
from cxm.files.tables import iter_chunks
from cxm.i18n import _
from cxm.responses_io.mapping import ColumnMap, map_columns
from cxm.responses_io.writing import existing_invitations, write_responses
from cxm.store.base import utcnow
from cxm.surveys.labels import DONT_KNOW
from cxm.surveys.questionnaires import get_questionnaire, latest_version, load_version
from cxm.surveys.schema import QuestionDef, QuestionnaireDef, QuestionType
from cxm.surveys.validation import AnswerError, AnswerValue, coerce_answer
from cxm.surveys.waves import get_wave

__all__ = ["ImportResult", "import_responses"]

MAX_PROBLEMS = 500
_YES = {"y", "yes", "1", "true", "checked", "是", "x"}
_NO = {"", "n", "no", "0", "false", "否"}
_SAV_DK = "-99"


@dataclass(frozen=True, slots=True)
class ImportResult:
    imported: int
    skipped_incomplete: int
    source: str


def _detect_source(path: Path, header: list[str], first: pd.DataFrame) -> str:
    if path.suffix.lower() in (".sav", ".zsav"):
        return "sav"
    if len(first) >= 2 and any(str(v).startswith('{"ImportId"') for v in first.iloc[1]):
        return "qualtrics"
    return "limesurvey"


def _finished(row: pd.Series, source: str) -> bool:
    lower = {str(k).lower(): v for k, v in row.items()}
    if "finished" in lower:
        return str(lower["finished"]).strip().lower() in ("1", "true", "yes")
    if "submitdate" in lower:
        return bool(str(lower["submitdate"]).strip())
    return True


def _completed_at(row: pd.Series) -> datetime:
    lower = {str(k).lower(): v for k, v in row.items()}
    for key in ("completed_at", "submitdate", "recordeddate", "enddate"):
        text = str(lower.get(key, "")).strip()
        if text:
            try:
                return parse_datetime(text)
            except ValueError:
                continue
    return utcnow()


def _single_value(q: QuestionDef, raw: str, source: str) -> Any:
    """Map a choice's text or (in .sav) its position 1..k to its code."""
    codes = [c.code for c in q.choices]
    if raw in codes or not raw:
        return raw
    if source == "sav" and raw.lstrip("-").isdigit():
        if raw == _SAV_DK:
            return DONT_KNOW
        if 1 <= int(raw) <= len(codes):
            return codes[int(raw) - 1]
    for c in q.choices:
        if raw in c.text.values():
            return c.code
    return raw


def _row_answers(
    row: pd.Series, cmap: ColumnMap, definition: QuestionnaireDef, source: str, row_no: int
) -> tuple[dict[str, AnswerValue], list[Problem]]:
    answers: dict[str, AnswerValue] = {}
    problems: list[Problem] = []
    for q in definition.questions():
        column = cmap.single.get(q.code)
        raw: Any
        if column is not None:
            raw = str(row[column]).strip()
            if source == "sav" and raw == _SAV_DK and q.dont_know:
                raw = DONT_KNOW
            elif q.type == QuestionType.MULTIPLE:
                raw = [p for p in raw.replace(",", ";").split(";") if p.strip()]
            elif q.type == QuestionType.SINGLE:
                raw = _single_value(q, raw, source)
        elif q.code in cmap.items:
            raw = []
            for col, choice in cmap.items[q.code].items():
                flag = str(row[col]).strip().lower()
                if flag == DONT_KNOW or (source == "sav" and flag == _SAV_DK):
                    raw = DONT_KNOW
                    break
                if flag in _YES or (flag and flag not in _NO and flag == choice.lower()):
                    raw.append(choice)
                elif flag not in _NO:
                    problems.append(Problem(row_no, col, flag, _("expected Y/1 or empty")))
            column = next(iter(cmap.items[q.code]))
        else:
            continue
        try:
            value = coerce_answer(q, raw)
        except AnswerError as exc:
            shown = raw if isinstance(raw, str) else ";".join(raw)
            problems.append(Problem(row_no, column, shown[:80], str(exc)))
            continue
        if value is not None:
            answers[q.code] = value
    return answers, problems


def _customers(session: Session, refs: set[str]) -> dict[str, int]:
    if not refs:
        return {}
    found: dict[str, int] = {}
    ordered = sorted(refs)
    for i in range(0, len(ordered), 5000):
        found.update(
            session.execute(
                select(Customer.external_id, Customer.id).where(
                    Customer.external_id.in_(ordered[i : i + 5000])
                )
            ).all()
        )
    return found


def _customer_ref(row: pd.Series) -> str:
    lower = {str(k).lower(): v for k, v in row.items()}
    for key in ("customer_external_id", "externalreference", "externaldatareference"):
        text = str(lower.get(key, "")).strip()
        if text:
            return text
    return ""


def _conflicts(
    session: Session,
    parsed: list[tuple[int, dict[str, AnswerValue], datetime, str]],
    known: dict[str, int],
    wave_id: int | None,
) -> list[Problem]:
    """One response per customer per wave: repeated or already answered customers."""
    if wave_id is None:
        return []
    seen: set[str] = set()
    out: list[Problem] = []
    existing = existing_invitations(session, wave_id, set(known.values()))
    for row_no, _a, _t, ref in parsed:
        if not ref or ref not in known:
            continue
        if ref in seen:
            out.append(Problem(row_no, "customer_external_id", ref, _("customer repeats")))
        elif existing.get(known[ref], (0, False))[1]:
            out.append(
                Problem(row_no, "customer_external_id", ref, _("already answered this wave"))
            )
        seen.add(ref)
    return out


def _read(path: Path) -> tuple[list[str], pd.DataFrame]:
    with iter_chunks(path) as chunks:
        header = list(chunks.columns)
        frames = list(chunks)
    if not frames:
        return header, pd.DataFrame(columns=header, dtype=object)
    return header, pd.concat(frames)


def import_responses(
    session: Session,
    *,
    path: str | Path,
    questionnaire: str,
    wave_id: int | None = None,
    language: str = "zh-CN",
    actor_id: int | None = None,
) -> ImportResult:
    """Import every finished response in ``path`` into the newest version of questionnaire
    ``questionnaire`` (and wave ``wave_id``, if given) — all rows or none.

    Raises
    ------
    ValidationFailed
        Columns that match no question, required questions with no column, unknown
        customers, answers out of range or not among the choices: each with row and column.
    """
    p = Path(path)
    q = get_questionnaire(session, code=questionnaire)
    version = latest_version(session, questionnaire_id=q.id)
    definition = load_version(version)
    if wave_id is not None and get_wave(session, wave_id=wave_id).questionnaire_id != q.id:
        raise InputError(
            _("Wave {id} is not a wave of questionnaire {code}.", id=wave_id, code=q.code)
        )
    header, frame = _read(p)
    source = _detect_source(p, header, frame.head(2))
    offset = 0
    if source == "qualtrics":  # rows 2 and 3 of the file are the second and third headers
        frame = frame.iloc[2:]
        offset = 2
    cmap = map_columns(header, definition)
    problems = [
        Problem(None, col, None, _("matches no question of {code}", code=q.code))
        for col in cmap.unknown
    ] + [
        Problem(None, code, None, _("required question has no column in the file"))
        for code in cmap.missing_required
    ]
    if problems or (not cmap.single and not cmap.items):
        raise ValidationFailed(
            _("The columns of {file} do not match questionnaire {code}.", file=p.name, code=q.code),
            problems or [Problem(None, None, None, _("no column matches a question"))],
        )
    parsed: list[tuple[int, dict[str, AnswerValue], datetime, str]] = []
    skipped = 0
    for index, row in frame.iterrows():
        row_no = int(str(index)) - offset
        if not _finished(row, source):
            skipped += 1
            continue
        answers, row_problems = _row_answers(row, cmap, definition, source, row_no)
        problems.extend(row_problems)
        if len(problems) >= MAX_PROBLEMS:
            break
        parsed.append((row_no, answers, _completed_at(row), _customer_ref(row)))
    refs = {ref for *_rest, ref in parsed if ref}
    known = _customers(session, refs)
    problems.extend(
        Problem(row_no, "customer_external_id", ref, _("no customer with this id"))
        for row_no, _a, _t, ref in parsed
        if ref and ref not in known
    )
    problems.extend(_conflicts(session, parsed, known, wave_id))
    if problems:
        raise ValidationFailed(
            _("{file}: {n} problems; nothing was imported.", file=p.name, n=len(problems)),
            problems[:MAX_PROBLEMS],
        )
    write_responses(
        session,
        rows=[
            (answers, completed, known.get(ref) if ref else None)
            for _n, answers, completed, ref in parsed
        ],
        questionnaire_id=q.id,
        version_id=version.id,
        wave_id=wave_id,
        last_page=len(definition.pages) - 1,
        language=language,
        source=f"import:{source}",
    )
    from cxm.audit import record

    record(
        session,
        actor_id=actor_id,
        action="import",
        entity="responses",
        entity_id=p.name,
        after={
            "questionnaire_id": q.id,
            "wave_id": wave_id,
            "imported": len(parsed),
            "source": source,
        },
    )
    return ImportResult(imported=len(parsed), skipped_incomplete=skipped, source=source)
