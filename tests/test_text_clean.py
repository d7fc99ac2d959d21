"""Preparing texts: bad input is handled or refused, traditional characters converted,
languages counted."""

from __future__ import annotations

import pytest

from cxm.text.clean import MAX_CHARS, decode, prepare, to_simplified
from cxm.text.language import detect_language


def test_it_converts_traditional_characters_to_simplified() -> None:
    assert to_simplified("服務態度很差，價格還貴") == "服务态度很差，价格还贵"
    assert prepare("售後服務").text == "售后服务"


@pytest.mark.parametrize("value", [None, float("nan"), "", "   \n\t "])
def test_empty_texts_are_marked_empty(value: object) -> None:
    assert prepare(value).text == ""
    assert prepare(value).note == "empty"


def test_binary_junk_is_refused() -> None:
    junk = bytes(range(0, 32)) * 10
    assert prepare(junk).note == "junk"
    assert prepare("\ufffd\ufffd\ufffd\ufffd好").note == "junk"


def test_a_text_of_100000_characters_is_cut() -> None:
    result = prepare("服务很好" * 25_000)
    assert result.note == "truncated"
    assert len(result.text) == MAX_CHARS


def test_bytes_in_gbk_or_utf8_are_decoded() -> None:
    assert decode("态度很好".encode("gbk")) == "态度很好"
    assert prepare("态度很好".encode()).text == "态度很好"


def test_emoji_are_kept() -> None:
    assert prepare("安装师傅很准时👍").text == "安装师傅很准时👍"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("客服态度很好", "zh"),
        ("The delivery was late", "en"),
        ("我的iPhone屏幕碎了", "zh"),
        ("客服 said the refund is pending, 还要等", "mixed"),
        ("12345 !!!", "und"),
    ],
)
def test_language_is_detected(text: str, expected: str) -> None:
    assert detect_language(text) == expected
