"""Answers: what a question accepts, and a clear message for everything else."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxm.frames.responses import RESPONSE_COLUMNS, responses_frame
from cxm.i18n import language
from cxm.store import Store
from cxm.surveys.loader import parse_definition
from cxm.surveys.responses import save_page
from cxm.surveys.validation import AnswerError, AnswerValue, coerce_answer
from tests.survey_factories import SHORT, wave_with_links

DEF = parse_definition(SHORT)
SAT, NPS, AGE = DEF.pages[0].questions
WHY, CHANNELS, COMMENT = DEF.pages[1].questions


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("6", "from 1 to 5"),
        ("0", "from 1 to 5"),
        ("4.5", "whole number"),
        ("abc", "a number"),
        ("nan", "a number"),
        ("inf", "a number"),
        ("1e309", "a number"),
        ("9" * 40, "too long"),
        (["4", "5"], "one answer"),
        ("dk", "a number"),  # no "don't know" on this question
    ],
)
def test_a_rating_refuses_bad_answers_with_a_reason(raw: object, message: str) -> None:
    with pytest.raises(AnswerError, match=message):
        coerce_answer(SAT, raw)


def test_ratings_numbers_and_dont_know_are_stored_as_such() -> None:
    assert coerce_answer(SAT, " 4 ") == AnswerValue(number=4.0)
    assert coerce_answer(NPS, 0) == AnswerValue(number=0.0)
    assert coerce_answer(AGE, "dk") == AnswerValue(dont_know=True)
    assert coerce_answer(AGE, ["", "dk"]) == AnswerValue(dont_know=True)
    assert coerce_answer(AGE, "") is None
    with pytest.raises(AnswerError):
        coerce_answer(AGE, "121")
    with pytest.raises(AnswerError):
        coerce_answer(NPS, True)


def test_choices_must_come_from_the_list() -> None:
    assert coerce_answer(CHANNELS, ["shop", "web"]) == AnswerValue(choices=("web", "shop"))
    with pytest.raises(AnswerError):
        coerce_answer(CHANNELS, ["web", "web"])
    with pytest.raises(AnswerError):
        coerce_answer(WHY, "'; DROP TABLE survey_answers; --")


def test_free_text_is_kept_as_written_but_bounded() -> None:
    assert coerce_answer(COMMENT, "<script>x</script>\x00 好") == AnswerValue(
        text="<script>x</script> 好"
    )
    with pytest.raises(AnswerError, match="500"):
        coerce_answer(COMMENT, "长" * 501)


def test_messages_are_translated() -> None:
    with language("zh-CN"), pytest.raises(AnswerError, match="整数"):
        coerce_answer(SAT, "2.5")


@given(st.text(max_size=50))
def test_a_rating_is_either_in_range_or_refused(raw: str) -> None:
    try:
        value = coerce_answer(NPS, raw)
    except AnswerError:
        return
    assert value is None or (
        value.number is not None and value.number.is_integer() and 0 <= value.number <= 10
    )


def test_the_frame_has_one_row_per_completed_response_and_nan_for_dont_know(
    store: Store,
) -> None:
    _wave, tokens = wave_with_links(store, customers=3)
    with store.session() as s:
        save_page(s, token=tokens[0], page=0, raw={"SAT": "2", "NPS": "6", "AGE": "dk"})
        save_page(s, token=tokens[0], page=1, raw={"WHY": "staff", "CHANNELS": ["web", "phone"]})
        save_page(s, token=tokens[1], page=0, raw={"SAT": "5", "NPS": "10", "AGE": "41"})
        save_page(s, token=tokens[1], page=1, raw={"COMMENT": "更快一点"})
        save_page(s, token=tokens[2], page=0, raw={"SAT": "3", "NPS": "7"})  # not finished
    with store.session() as s:
        frame = responses_frame(s)
    assert len(frame) == 2
    first, second = frame.iloc[0], frame.iloc[1]
    assert first.SAT == 2.0 and first.NPS == 6.0 and math.isnan(first.AGE)
    assert first.WHY == "staff" and first.CHANNELS == "web;phone"
    assert second.AGE == 41.0 and pd.isna(second.WHY) and second.COMMENT == "更快一点"
    assert frame["SAT"].dtype == float
    assert frame["customer_id"].notna().all()


def test_a_frame_of_some_questions_has_their_columns_as_the_whole_frame_has_them(
    store: Store,
) -> None:
    _wave, tokens = wave_with_links(store, customers=3)
    with store.session() as s:
        save_page(s, token=tokens[0], page=0, raw={"SAT": "2", "NPS": "6", "AGE": "dk"})
        save_page(s, token=tokens[0], page=1, raw={"WHY": "staff", "CHANNELS": ["web", "phone"]})
        save_page(s, token=tokens[1], page=0, raw={"SAT": "5", "NPS": "10", "AGE": "41"})
        save_page(s, token=tokens[1], page=1, raw={})
    with store.session() as s:
        whole = responses_frame(s)
        some = responses_frame(s, questions=("CHANNELS", "SAT", "COMMENT", "NOT_ASKED"))
    # the codes asked for, in the whole frame's order; a code of no question is absent
    assert list(some.columns) == [*RESPONSE_COLUMNS, "SAT", "CHANNELS", "COMMENT"]
    pd.testing.assert_frame_equal(some, whole[list(some.columns)])
