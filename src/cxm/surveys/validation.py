"""Turning raw answers (form strings or Python values) into stored values, with a clear
message per question for anything out of range, fractional, non-numeric, NaN or huge."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cxm.i18n import _
from cxm.surveys.labels import DONT_KNOW
from cxm.surveys.schema import ONE_CHOICE, PageDef, QuestionDef, QuestionType

__all__ = [
    "AnswerError",
    "AnswerValue",
    "PageCheck",
    "coerce_answer",
    "is_shown",
    "validate_answers",
]

#: Longest text accepted for a numeric answer (anything longer is not a sane number).
MAX_NUMBER_CHARS = 32


class AnswerError(ValueError):
    """One answer cannot be accepted; the message is written for the respondent."""


@dataclass(frozen=True, slots=True)
class AnswerValue:
    number: float | None = None
    text: str | None = None
    choices: tuple[str, ...] | None = None
    dont_know: bool = False

    def matches(self, allowed: Sequence[str | int]) -> bool:
        """Whether this answer is one of ``allowed`` (for conditional display)."""
        wanted = {str(a) for a in allowed}
        if self.dont_know:
            return DONT_KNOW in wanted
        if self.number is not None:
            n = self.number
            return (str(int(n)) if n.is_integer() else str(n)) in wanted
        if self.choices is not None:
            return bool(wanted & set(self.choices))
        return self.text is not None and self.text in wanted

    def form_values(self) -> list[str]:
        """The answer as the form shows it again."""
        if self.dont_know:
            return [DONT_KNOW]
        if self.number is not None:
            n = self.number
            return [str(int(n)) if n.is_integer() else repr(n)]
        if self.choices is not None:
            return list(self.choices)
        return [] if self.text is None else [self.text]


def _clean_text(value: str) -> str:
    # NUL cannot be stored in PostgreSQL text; other control characters are noise.
    return "".join(ch for ch in value if ch in "\n\t" or ch >= " ").strip()


def _number(q: QuestionDef, raw: Any) -> AnswerValue | None:
    if isinstance(raw, bool):
        raise AnswerError(_("Please give a number."))
    if isinstance(raw, str):
        s = raw.strip()
        if not s:
            return None
        if q.dont_know and s == DONT_KNOW:
            return AnswerValue(dont_know=True)
        if len(s) > MAX_NUMBER_CHARS:
            raise AnswerError(_("This number is too long."))
        try:
            value = float(s)
        except ValueError:
            raise AnswerError(_("Please give a number.")) from None
    elif isinstance(raw, int | float):
        value = float(raw)
    else:
        raise AnswerError(_("Please give a number."))
    if math.isnan(value) or math.isinf(value):
        raise AnswerError(_("Please give a number."))
    lo, hi = q.scale() or (-1e12, 1e12)
    if q.whole_numbers() and not value.is_integer():
        raise AnswerError(_("Please give a whole number."))
    if not lo <= value <= hi:
        raise AnswerError(_("Please give a number from {lo} to {hi}.", lo=_fmt(lo), hi=_fmt(hi)))
    return AnswerValue(number=value)


def _fmt(x: float) -> str:
    return str(int(x)) if x.is_integer() else str(x)


def coerce_answer(q: QuestionDef, raw: Any) -> AnswerValue | None:
    """The stored form of ``raw`` for question ``q``; ``None`` when nothing was answered.

    ``raw`` is a string, a number, a list of strings (multiple choice) or the "don't know"
    marker ``"dk"``. Raises :class:`AnswerError` with a message for the respondent.
    """
    if raw is None:
        return None
    if isinstance(raw, list | tuple) and q.type != QuestionType.MULTIPLE:
        values = [v for v in raw if not (isinstance(v, str) and not v.strip())]
        if not values:
            return None
        if len(values) > 1:
            raise AnswerError(_("Please give one answer only."))
        raw = values[0]
    if q.type == QuestionType.MULTIPLE:
        items = [raw] if isinstance(raw, str) else list(raw)
        items = [str(i).strip() for i in items if str(i).strip()]
        if not items:
            return None
        if q.dont_know and items == [DONT_KNOW]:
            return AnswerValue(dont_know=True)
        allowed = {c.code for c in q.choices}
        if any(i not in allowed for i in items) or len(set(items)) != len(items):
            raise AnswerError(_("Please choose from the options shown."))
        order = [c.code for c in q.choices]
        return AnswerValue(choices=tuple(sorted(items, key=order.index)))
    if q.type in ONE_CHOICE:
        s = str(raw).strip()
        if not s:
            return None
        if q.dont_know and s == DONT_KNOW:
            return AnswerValue(dont_know=True)
        if s not in {c.code for c in q.choices}:
            raise AnswerError(_("Please choose from the options shown."))
        return AnswerValue(text=s)
    if q.type == QuestionType.TEXT:
        if not isinstance(raw, str):
            raise AnswerError(_("Please write text."))
        s = _clean_text(raw)
        if not s:
            return None
        if len(s) > q.max_length:
            raise AnswerError(_("Please write at most {n} characters.", n=q.max_length))
        return AnswerValue(text=s)
    return _number(q, raw)


def is_shown(q: QuestionDef, answers: Mapping[str, AnswerValue]) -> bool:
    """Conditional display: shown unless its condition names an answer not in the set."""
    if q.show_if is None:
        return True
    earlier = answers.get(q.show_if.question)
    return earlier is not None and earlier.matches(q.show_if.in_)


@dataclass(frozen=True, slots=True)
class PageCheck:
    values: dict[str, AnswerValue]
    #: Questions of the page that were shown but left empty (so their old answer goes).
    cleared: tuple[str, ...]
    errors: dict[str, str]
    #: Problems not tied to a question of this page (unknown question ids).
    form_errors: tuple[str, ...]


def validate_answers(
    page: PageDef,
    raw: Mapping[str, Any],
    *,
    earlier: Mapping[str, AnswerValue],
    require: bool = True,
) -> PageCheck:
    """Check the answers ``raw`` (question code → raw value) given on ``page``."""
    codes = {q.code for q in page.questions}
    form_errors = tuple(
        _("Unknown question {code}.", code=str(code)[:64]) for code in raw if code not in codes
    )
    values: dict[str, AnswerValue] = {}
    cleared: list[str] = []
    errors: dict[str, str] = {}
    for q in page.questions:
        if not is_shown(q, earlier):
            cleared.append(q.code)
            continue
        try:
            value = coerce_answer(q, raw.get(q.code))
        except AnswerError as exc:
            errors[q.code] = str(exc)
            continue
        if value is None:
            cleared.append(q.code)
            if require and q.required:
                errors[q.code] = _("Please answer this question.")
        else:
            values[q.code] = value
    return PageCheck(values, tuple(cleared), errors, form_errors)
