"""Answer labels of the fixed scales, translated at display time."""

from __future__ import annotations

from cxm.i18n import _
from cxm.surveys.schema import QuestionDef, QuestionType, pick_text

__all__ = ["DONT_KNOW", "answer_options", "satisfaction5_labels"]

#: The form value of a "don't know" answer.
DONT_KNOW = "dk"


def satisfaction5_labels() -> list[str]:
    """1 very dissatisfied … 5 very satisfied (很不满意/不满意/一般/满意/很满意)."""
    return [
        _("Very dissatisfied"),
        _("Dissatisfied"),
        _("Neutral"),
        _("Satisfied"),
        _("Very satisfied"),
    ]


def answer_options(question: QuestionDef, lang: str) -> list[tuple[str, str]]:
    """(form value, label) of each option of a closed question, in display order."""
    if question.type == QuestionType.SATISFACTION5:
        return [(str(i + 1), label) for i, label in enumerate(satisfaction5_labels())]
    if question.type == QuestionType.NPS:
        ends = {0: _("0 — not at all likely"), 10: _("10 — extremely likely")}
        return [(str(i), ends.get(i, str(i))) for i in range(11)]
    if question.type == QuestionType.CES:
        ends = {1: _("1 — very difficult"), 7: _("7 — very easy")}
        return [(str(i), ends.get(i, str(i))) for i in range(1, 8)]
    if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.COMPARE):
        return [(c.code, pick_text(c.text, lang)) for c in question.choices]
    return []
