"""Import responses collected elsewhere — CSV as LimeSurvey or Qualtrics (new or legacy)
export it, XLSX, or SPSS .sav — into a questionnaire, all or nothing, and only once.

Every cell is checked by the survey domain's own answer rules
(:func:`cxm.surveys.validation.coerce_answer`): an answer off the scale or not among the
choices rejects the whole file with a list of (row, column, value, reason), and nothing is
written. Before that check:

* a value declared missing — by the .sav (user-missing), by the questionnaire's
  ``missing_codes`` or by the command (``missing_codes=(-99, 99)``) — is no answer;
* "don't know" written as ``dk`` (CXM's own exports), "don't know", 不知道 or 不清楚 is
  "don't know" where the question offers it, and refused where it does not;
* a .sav code is matched to a choice (or a scale point) by its value label's text, so a
  file whose codes differ from the questionnaire's imports right; a label that matches no
  choice is refused;
* LimeSurvey array columns ``SAT[SQ001]`` answer the question ``SAT_SQ001`` (or
  ``SATSQ001``, or ``SQ001``).

Columns that match no question are reported as ignored (a warning), never a rejection.
A file imported again changes nothing: each row's key (its response id, else a hash of
respondent, wave and answers) is recorded in ``imported_responses``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pandas as pd
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from cxm.customers.importing.models import ImportedResponse
from cxm.customers.models import Customer
from cxm.errors import InputError, Problem, ValidationFailed
from cxm.files.encoding import CONTROL_CHARACTERS, control_name
from cxm.files.parsing import parse_datetime
from cxm.files.safe import unescape
from cxm.i18n import _, ngettext
from cxm.responses_io.mapping import ColumnMap, map_columns
from cxm.responses_io.reading import ResponsesFile, in_missing, label_key, read_responses_file
from cxm.responses_io.writing import existing_invitations, write_responses
from cxm.store.base import utcnow
from cxm.store.chunks import in_chunks
from cxm.surveys.labels import DONT_KNOW, answer_options
from cxm.surveys.questionnaires import get_questionnaire, latest_version, load_version
from cxm.surveys.schema import ONE_CHOICE, QuestionDef, QuestionnaireDef, QuestionType
from cxm.surveys.validation import AnswerError, AnswerValue, coerce_answer
from cxm.surveys.waves import get_wave

__all__ = ["DONT_KNOW_WORDS", "ImportResult", "import_responses"]

MAX_PROBLEMS = 500
_YES = {"y", "yes", "1", "true", "checked", "是", "x"}
_NO = {"", "n", "no", "0", "false", "否"}
_SAV_DK = -99.0
#: How people write "don't know" in a file (compared case-folded).
DONT_KNOW_WORDS = frozenset(
    {DONT_KNOW, "don't know", "dont know", "don\u2019t know", "不知道", "不清楚", "说不清"}
)
_ID_COLUMNS = ("response_id", "responseid", "id")
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")


@dataclass(frozen=True, slots=True)
class ImportResult:
    imported: int
    skipped_incomplete: int
    source: str
    #: rows imported before (same response id, or same respondent, wave and answers)
    already_imported: int = 0
    #: cells read as no answer because their value is a missing code
    missing_cells: int = 0
    warnings: tuple[str, ...] = ()


def _finished(row: pd.Series) -> bool:
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


@dataclass
class _Reader:
    """How one file's cells become answers (labels, missing codes, don't know)."""

    file: ResponsesFile
    missing_codes: frozenset[float]
    language: str
    missing_cells: int = 0

    def _is_missing_code(self, column: str, raw: str) -> bool | None:
        """``True``: a missing code; ``None``: CXM's declared "don't know" (−99)."""
        ranges = self.file.user_missing.get(column)
        if ranges:
            value = in_missing(ranges, raw)
            if value is not None:
                return None if value == _SAV_DK else True
        if self.missing_codes:
            try:
                return float(raw) in self.missing_codes
            except ValueError:
                return False
        return False

    def _by_label(self, q: QuestionDef, column: str, raw: str) -> tuple[Any, str | None]:
        """A .sav code → the choice code or scale value whose text is the code's label."""
        labels = self.file.value_labels.get(column)
        if not labels or raw not in labels:
            return raw, None
        label = labels[raw]
        key = label_key(label)
        if q.type in ONE_CHOICE:
            for choice in q.choices:
                if any(label_key(t) == key for t in choice.text.values()):
                    return choice.code, None
            return raw, _(
                "the value label {label!r} of code {code} matches no choice of {question} "
                "(choices: {choices})",
                label=label,
                code=raw,
                question=q.code,
                choices=", ".join(str(next(iter(c.text.values()), c.code)) for c in q.choices),
            )
        if q.is_rating:
            options: dict[str, Any] = {}
            for lang in sorted({self.language, "en", "zh-CN", "zh-TW"}):
                for value, text in answer_options(q, lang):
                    options.setdefault(label_key(text), value)
            if key in options:
                value = options[key]
                return (str(int(value)) if float(value).is_integer() else str(value)), None
            # Labels that are only numbers (none names an option): the code is the value.
            if all(label_key(t) not in options for t in labels.values()):
                return raw, None
            return raw, _(
                "the value label {label!r} of code {code} matches no point of the {question} scale",
                label=label,
                code=raw,
                question=q.code,
            )
        return raw, None

    def cell(self, q: QuestionDef, column: str, value: Any) -> tuple[Any, str | None]:
        """The raw answer for :func:`coerce_answer` (``""`` = no answer) or a problem."""
        raw = unescape(str(value).strip())
        if not raw:
            return "", None
        control = _CONTROL.search(raw)
        if control is not None:  # XLSX/SPSS cells (a CSV file is refused when read)
            return raw, _(
                "holds the control character {char} at position {position}, which is not text",
                char=control_name(control.group()),
                position=control.start() + 1,
            )
        code = self._is_missing_code(column, raw)
        if code is None:
            return (DONT_KNOW, None) if q.dont_know else ("", None)
        if code:
            self.missing_cells += 1
            return "", None
        if raw.casefold() in DONT_KNOW_WORDS:
            if q.dont_know:
                return DONT_KNOW, None
            return raw, _('{question} offers no "don\'t know"', question=q.code)
        if self.file.source == "sav":
            return self._by_label(q, column, raw)
        return raw, None


def _single_value(q: QuestionDef, raw: str) -> Any:
    """Map a choice's text to its code (a code stays as it is)."""
    codes = [c.code for c in q.choices]
    if raw in codes or not raw or raw == DONT_KNOW:
        return raw
    key = label_key(raw)
    for c in q.choices:
        if any(label_key(t) == key for t in c.text.values()):
            return c.code
    return raw


def _row_answers(
    row: pd.Series, cmap: ColumnMap, definition: QuestionnaireDef, reader: _Reader, row_no: int
) -> tuple[dict[str, AnswerValue], list[Problem]]:
    answers: dict[str, AnswerValue] = {}
    problems: list[Problem] = []
    for q in definition.questions():
        column = cmap.single.get(q.code)
        raw: Any
        if column is not None:
            raw, problem = reader.cell(q, column, row[column])
            if problem is not None:
                problems.append(Problem(row_no, column, str(row[column]), problem))
                continue
            if raw == DONT_KNOW:
                pass
            elif q.type == QuestionType.MULTIPLE:
                raw = [p for p in str(raw).replace(",", ";").split(";") if p.strip()]
            elif q.type in ONE_CHOICE:
                raw = _single_value(q, str(raw))
        elif q.code in cmap.items:
            raw = []
            for col, choice in cmap.items[q.code].items():
                cell, _problem = reader.cell(q, col, row[col])
                if cell == DONT_KNOW:
                    raw = DONT_KNOW
                    break
                flag = str(cell).strip().lower()
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
            written = str(row[column]).strip()
            problems.append(Problem(row_no, column, (written or shown)[:80], str(exc)))
            continue
        if value is not None:
            answers[q.code] = value
    return answers, problems


def _customers(session: Session, refs: set[str]) -> dict[str, int]:
    if not refs:
        return {}
    found: dict[str, int] = {}
    ordered = sorted(refs)
    for part in in_chunks(ordered):
        found.update(
            session.execute(
                select(Customer.external_id, Customer.id).where(Customer.external_id.in_(part))
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


def _response_key(
    row: pd.Series, questionnaire: str, wave_id: int | None, ref: str, answers: dict[str, Any]
) -> str:
    """The row's identity: the tool's response id, else respondent + wave + answers."""
    lower = {str(k).lower(): v for k, v in row.items()}
    rid = next((str(lower[k]).strip() for k in _ID_COLUMNS if str(lower.get(k, "")).strip()), "")
    basis: list[Any]
    if rid:
        basis = ["id", questionnaire, wave_id, rid]
    else:
        content = {
            code: [v.number, v.text, sorted(v.choices or []), v.dont_know]
            for code, v in sorted(answers.items())
        }
        basis = ["answers", questionnaire, wave_id, ref, content]
    text = json.dumps(basis, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


#: (data row, answers, completed at, customer reference, key)
_Parsed = tuple[int, dict[str, AnswerValue], datetime, str, str]


def _conflicts(
    session: Session, parsed: list[_Parsed], known: dict[str, int], wave_id: int | None
) -> list[Problem]:
    """One response per customer per wave: repeated or already answered customers."""
    if wave_id is None:
        return []
    seen: set[str] = set()
    out: list[Problem] = []
    existing = existing_invitations(session, wave_id, set(known.values()))
    for row_no, _a, _t, ref, _k in parsed:
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


_IMPORTED = cast(Table, ImportedResponse.__table__)


def _known_keys(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(keys), 900):
        batch = keys[i : i + 900]
        found.update(session.scalars(select(_IMPORTED.c.key).where(_IMPORTED.c.key.in_(batch))))
    return found


def import_responses(
    session: Session,
    *,
    path: str | Path,
    questionnaire: str,
    wave_id: int | None = None,
    language: str = "zh-CN",
    missing_codes: Sequence[float] = (),
    header_rows: int | None = None,
    preset: str | None = None,
    actor_id: int | None = None,
) -> ImportResult:
    """Import every finished response in ``path`` into the newest version of questionnaire
    ``questionnaire`` (and wave ``wave_id``, if given) — all rows or none; rows imported
    before are left alone (see the module notes).

    Raises
    ------
    ValidationFailed
        Required questions with no column, unknown customers, answers out of range or not
        among the choices, .sav labels that match no choice: each with row and column.
    """
    p = Path(path)
    q = get_questionnaire(session, code=questionnaire)
    version = latest_version(session, questionnaire_id=q.id)
    definition = load_version(version)
    if wave_id is not None and get_wave(session, wave_id=wave_id).questionnaire_id != q.id:
        raise InputError(
            _("Wave {id} is not a wave of questionnaire {code}.", id=wave_id, code=q.code)
        )
    if preset is not None and header_rows is None:
        from cxm.files.presets import get_preset

        header_rows = get_preset(preset, kind="responses").mapping.header_rows
    file = read_responses_file(p, header_rows=header_rows)
    codes = {float(c) for c in (*missing_codes, *(definition.missing_codes or ()))}
    reader = _Reader(file, frozenset(codes), language)
    cmap = map_columns(file.header, definition)
    warnings = [
        _("Column {column!r} matches no question of {code} and was ignored.", column=c, code=q.code)
        for c in cmap.unknown
    ]
    problems = [
        Problem(None, code, None, _("required question has no column in the file"))
        for code in cmap.missing_required
    ]
    if problems or (not cmap.single and not cmap.items):
        raise ValidationFailed(
            _("The columns of {file} do not match questionnaire {code}.", file=p.name, code=q.code),
            problems or [Problem(None, None, None, _("no column matches a question"))],
        )
    parsed: list[_Parsed] = []
    skipped = repeated = 0
    keys_seen: set[str] = set()
    for index, row in file.frame.iterrows():
        row_no = int(str(index))
        if not _finished(row):
            skipped += 1
            continue
        answers, row_problems = _row_answers(row, cmap, definition, reader, row_no)
        problems.extend(row_problems)
        if len(problems) >= MAX_PROBLEMS:
            break
        ref = _customer_ref(row)
        key = _response_key(row, q.code, wave_id, ref, answers)
        if key in keys_seen:  # the same response twice in one file
            repeated += 1
            continue
        keys_seen.add(key)
        parsed.append((row_no, answers, _completed_at(row), ref, key))
    known_keys = _known_keys(session, [entry[4] for entry in parsed])
    already = len(known_keys) + repeated
    parsed = [entry for entry in parsed if entry[4] not in known_keys]
    refs = {entry[3] for entry in parsed if entry[3]}
    known = _customers(session, refs)
    problems.extend(
        Problem(row_no, "customer_external_id", ref, _("no customer with this id"))
        for row_no, _a, _t, ref, _k in parsed
        if ref and ref not in known
    )
    problems.extend(_conflicts(session, parsed, known, wave_id))
    if problems:
        raise ValidationFailed(
            ngettext(
                "{file}: {n} problem; nothing was imported.",
                "{file}: {n} problems; nothing was imported.",
                len(problems),
                file=p.name,
            ),
            problems[:MAX_PROBLEMS],
        )
    if already:
        warnings.append(
            ngettext(
                "{n} row was imported before and was left as it is.",
                "{n} rows were imported before and were left as they are.",
                already,
            )
        )
    ids = write_responses(
        session,
        rows=[
            (answers, done, known.get(ref) if ref else None)
            for _n, answers, done, ref, _k in parsed
        ],
        questionnaire_id=q.id,
        version_id=version.id,
        wave_id=wave_id,
        last_page=len(definition.pages) - 1,
        language=language,
        source=f"import:{file.source}"[:32],
    )
    if ids:
        now = utcnow()
        session.execute(
            insert(_IMPORTED),
            [
                {
                    "key": entry[4],
                    "questionnaire_id": q.id,
                    "response_id": rid,
                    "created_at": now,
                    "updated_at": now,
                }
                for rid, entry in zip(ids, parsed, strict=True)
            ],
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
            "already_imported": already,
            "source": file.source,
        },
    )
    return ImportResult(
        imported=len(parsed),
        skipped_incomplete=skipped,
        source=file.source,
        already_imported=already,
        missing_cells=reader.missing_cells,
        warnings=tuple(warnings),
    )
