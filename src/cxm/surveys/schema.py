"""The questionnaire definition: pydantic schemas read from YAML or JSON.

A definition is stored whole (as JSON) in each questionnaire version, so old answers keep
the exact questions they answered.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from cxm.i18n import _

__all__ = [
    "CODE_PATTERN",
    "COMPARE_CHOICES",
    "ONE_CHOICE",
    "Choice",
    "Condition",
    "Construct",
    "Dimension",
    "PageDef",
    "QuestionDef",
    "QuestionType",
    "QuestionnaireDef",
    "Text",
    "pick_text",
]

CODE_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,63}$"
Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
ChoiceCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]


class QuestionType(StrEnum):
    SATISFACTION5 = "satisfaction5"
    NPS = "nps"
    CES = "ces"
    SINGLE = "single"
    MULTIPLE = "multiple"
    NUMBER = "number"
    TEXT = "text"
    #: "Compared with …: better / about the same / worse" — a single choice with fixed
    #: choices scored +1 / 0 / −1 (:data:`COMPARE_CHOICES`).
    COMPARE = "compare"


#: Types answered by one choice among ``choices``.
ONE_CHOICE: tuple[QuestionType, ...] = (QuestionType.SINGLE, QuestionType.COMPARE)

#: The fixed choices of a comparative item, with their scores.
COMPARE_CHOICES: tuple[tuple[str, dict[str, str], float], ...] = (
    ("better", {"zh-CN": "更好", "en": "better"}, 1.0),
    ("same", {"zh-CN": "差不多", "en": "about the same"}, 0.0),
    ("worse", {"zh-CN": "更差", "en": "worse"}, -1.0),
)


#: Rating types and their fixed integer ranges.
SCALES: dict[QuestionType, tuple[int, int]] = {
    QuestionType.SATISFACTION5: (1, 5),
    QuestionType.NPS: (0, 10),
    QuestionType.CES: (1, 7),
}


class Dimension(StrEnum):
    """The invisible scorecard (DOMAIN.md §2)."""

    PRODUCT = "product"
    PROCESS = "process"
    PEOPLE = "people"


class Construct(StrEnum):
    """Latent constructs of the national satisfaction indices (ACSI, ECSI, CCSI)."""

    IMAGE = "image"
    EXPECTATION = "expectation"
    QUALITY = "quality"
    VALUE = "value"
    SATISFACTION = "satisfaction"
    COMPLAINTS = "complaints"
    LOYALTY = "loyalty"


#: Texts per language: at least ``en``; ``zh-CN`` and ``zh-TW`` welcome.
Text = dict[str, str]


def pick_text(text: Text | None, lang: str) -> str:
    """The text in ``lang``, falling back zh-TW → zh-CN → en → any."""
    if not text:
        return ""
    for key in (lang, "zh-CN" if lang == "zh-TW" else lang, "en"):
        if text.get(key):
            return text[key]
    return next(iter(text.values()))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Strict):
    code: ChoiceCode
    text: Text
    #: Numeric value used in analysis (e.g. loyalty items scored 1-5); optional.
    value: float | None = None


class Condition(_Strict):
    """Show a question only if an earlier question's answer is in ``in_``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    question: Code
    in_: list[str | int] = Field(alias="in", min_length=1)


class QuestionDef(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    code: Code
    type: QuestionType
    text: Text
    help: Text | None = None
    required: bool = True
    dont_know: bool = False
    choices: list[Choice] = Field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    max_length: int = Field(default=2000, ge=1, le=20000)
    show_if: Condition | None = None
    dimension: Dimension | None = None
    #: The latent construct of the PLS model (YAML key ``construct``).
    latent: Construct | None = Field(default=None, alias="construct")
    #: Code of the question asking how important this item is.
    importance: Code | None = None
    #: The competitor a comparative item names (``compare`` only); none: the competitors
    #: the customer also uses, as the customer file says.
    competitor: str | None = Field(default=None, max_length=200)

    @model_validator(mode="before")
    @classmethod
    def _compare_choices(cls, raw: Any) -> Any:
        """A comparative item gets its fixed choices (better / same / worse)."""
        if isinstance(raw, dict) and raw.get("type") == QuestionType.COMPARE.value:
            given = raw.get("choices")
            if given:  # a stored definition carries them: they must be the fixed ones
                codes = [c.get("code") if isinstance(c, dict) else getattr(c, "code", None)
                         for c in given]  # fmt: skip
                if codes != [code for code, _t, _v in COMPARE_CHOICES]:
                    raise ValueError(_("a comparative item has fixed choices; give none"))
                return raw
            raw = {
                **raw,
                "choices": [
                    {"code": code, "text": text, "value": value}
                    for code, text, value in COMPARE_CHOICES
                ],
            }
        return raw

    @model_validator(mode="after")
    def _check(self) -> QuestionDef:
        if "en" not in self.text and "zh-CN" not in self.text:
            raise ValueError(_("a question needs a text in en or zh-CN"))
        if self.competitor is not None and self.type != QuestionType.COMPARE:
            raise ValueError(_("only a comparative item names a competitor"))
        if self.type in (QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.COMPARE):
            if len(self.choices) < 2:
                raise ValueError(_("a choice question needs at least two choices"))
            codes = [c.code for c in self.choices]
            if len(set(codes)) != len(codes):
                raise ValueError(_("choice codes repeat"))
        elif self.choices:
            raise ValueError(_("only choice questions have choices"))
        if (
            self.type == QuestionType.NUMBER
            and self.minimum is not None
            and self.maximum is not None
            and self.minimum > self.maximum
        ):
            raise ValueError(_("minimum is above maximum"))
        return self

    @property
    def is_rating(self) -> bool:
        return self.type in SCALES

    def scale(self) -> tuple[float, float] | None:
        """The inclusive range of a numeric answer, or ``None`` for non-numeric types."""
        if self.type in SCALES:
            lo, hi = SCALES[self.type]
            return float(lo), float(hi)
        if self.type == QuestionType.NUMBER:
            lo_n = -1e12 if self.minimum is None else self.minimum
            hi_n = 1e12 if self.maximum is None else self.maximum
            return lo_n, hi_n
        return None

    def whole_numbers(self) -> bool:
        return self.type in SCALES or (self.type == QuestionType.NUMBER and self.integer)


class PageDef(_Strict):
    title: Text | None = None
    questions: list[QuestionDef] = Field(min_length=1)


class QuestionnaireDef(_Strict):
    code: Code
    #: ``employee`` for an employee survey (answered anonymously, :mod:`cxm.people`);
    #: absent for a customer questionnaire.
    kind: Literal["employee"] | None = None
    title: Text
    intro: Text | None = None
    languages: list[str] = Field(default_factory=lambda: ["zh-CN", "en"])
    pages: list[PageDef] = Field(min_length=1)
    #: Codes that mean "no answer" in files imported for this questionnaire (e.g. −99, 99).
    missing_codes: list[float] | None = None

    @model_validator(mode="after")
    def _check(self) -> QuestionnaireDef:
        seen: dict[str, int] = {}
        for page_no, page in enumerate(self.pages):
            for q in page.questions:
                if q.code in seen:
                    raise ValueError(_("question code {code} repeats", code=q.code))
                if q.show_if is not None:
                    ref = seen.get(q.show_if.question)
                    if ref is None or ref >= page_no:
                        raise ValueError(
                            _(
                                "question {code}: show_if must name a question on an earlier "
                                "page, not {ref}",
                                code=q.code,
                                ref=q.show_if.question,
                            )
                        )
                seen[q.code] = page_no
        for q in self.questions():
            if q.importance is not None and q.importance not in seen:
                raise ValueError(
                    _(
                        "question {code}: importance question {ref} does not exist",
                        code=q.code,
                        ref=q.importance,
                    )
                )
        return self

    def questions(self) -> list[QuestionDef]:
        return [q for page in self.pages for q in page.questions]

    def question(self, code: str) -> QuestionDef | None:
        for q in self.questions():
            if q.code == code:
                return q
        return None

    def page_of(self) -> dict[str, int]:
        return {q.code: i for i, page in enumerate(self.pages) for q in page.questions}

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
