"""Values people type into spreadsheets: amounts, dates, ids."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxm.files import id_key, normalise_id, parse_amount, parse_date, parse_datetime


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1234.5", "1234.5"),
        ("1,234.50", "1234.50"),
        ("¥1,234.50", "1234.50"),
        ("￥1,234.50", "1234.50"),
        ("１，２３４．５０", "1234.50"),
        ("1 234.50", "1234.50"),
        ("RMB 99", "99"),
        ("99元", "99"),
        ("-5", "-5"),
        ("¥-5", "-5"),
        ("(12.5)", "-12.5"),
        ("1,234,567", "1234567"),
    ],
)
def test_it_reads_amounts_as_people_write_them(text: str, amount: str) -> None:
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["1 234,50", "1.234,50", "1234,5", "1,23"])
def test_it_refuses_a_decimal_comma_rather_than_guess(text: str) -> None:
    with pytest.raises(ValueError, match="thousands separator"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "12,34,567", "1e5", "¥"])
def test_it_refuses_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_a_formatted_amount_reads_back_as_itself(value: Decimal) -> None:
    grouped = f"{abs(value):,.2f}"
    sign = "-" if value < 0 else ""
    assert parse_amount(f"{sign}{grouped}") == value
    assert parse_amount(f"¥{sign}{grouped}") == value
    wide = grouped.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789,."})
    assert parse_amount(f"￥{sign}{wide}") == value


@pytest.mark.parametrize(
    "text",
    [
        "2024-01-05",
        "2024/1/5",
        "2024.1.5",
        "2024年1月5日",
        "２０２４年１月５日",
        "20240105",
        "45296",
        "2024-01-05 10:30",
        "2024-01-05T10:30:00",
        "2024/01/05 00:00:00",
    ],
)
def test_it_reads_every_common_date_form(text: str) -> None:
    assert parse_date(text, today=date(2025, 1, 1)) == date(2024, 1, 5)


@pytest.mark.parametrize("text", ["2024", "yesterday", "2024-1"])
def test_it_refuses_unreadable_dates(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date(text)


@pytest.mark.parametrize("text", ["05/01/2024", "1/5/2024"])
def test_it_refuses_day_month_dates_without_an_order(text: str) -> None:
    with pytest.raises(ValueError, match="--date-format DMY or MDY"):
        parse_date(text)


def test_it_refuses_impossible_dates() -> None:
    with pytest.raises(ValueError, match="not a real date"):
        parse_date("2023-02-29")


def test_a_historical_date_cannot_be_in_the_future() -> None:
    with pytest.raises(ValueError, match="future"):
        parse_date("2024-01-06", today=date(2024, 1, 5))
    assert parse_date("2024-01-06", today=date(2024, 1, 5), allow_future=True)


def test_times_are_utc_unless_they_say_otherwise() -> None:
    assert parse_datetime("2024-01-05 10:30") == datetime(2024, 1, 5, 10, 30, tzinfo=UTC)
    assert parse_datetime("2024-01-05T10:30:00+08:00") == datetime(2024, 1, 5, 2, 30, tzinfo=UTC)
    assert parse_datetime("45296.5") == datetime(2024, 1, 5, 12, 0, tzinfo=UTC)


def test_ids_lose_full_width_characters_and_extra_spaces_but_keep_case() -> None:
    assert normalise_id("  Ｃ００１　 x ") == "C001 x"
    assert normalise_id("c001") == "c001"
    assert id_key("C001") == id_key("ｃ００１") == id_key(" c001 ")


_ID_TEXT = st.text(alphabet=st.sampled_from("ABCxyz019-_ "), min_size=1, max_size=12)


@given(_ID_TEXT)
def test_id_normalisation_is_idempotent_and_ignores_width_and_padding(text: str) -> None:
    once = normalise_id(text)
    assert normalise_id(once) == once
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" for c in text)
    assert normalise_id(f"  {wide} ") == once
    assert id_key(text.upper()) == id_key(text.lower())


@given(st.lists(st.text(alphabet=st.sampled_from("aZ9 -='|\t\u3000Ａ张\u00a0\u200b"), max_size=6)))
def test_a_column_called_clean_needs_no_normalising(values: list[str]) -> None:
    from cxm.customers.importing.checks import unescape
    from cxm.files.parsing import is_clean_text, normalise_text

    if is_clean_text(values):
        assert all(normalise_text(unescape(v)) == v for v in values)


@given(st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from("a@.b \x00"), max_size=8))))
def test_checking_a_column_at_once_agrees_with_checking_each_value(
    values: list[str | None],
) -> None:
    from cxm.files.parsing import EMAIL_PATTERN, all_match, is_valid_email

    if all_match(values, EMAIL_PATTERN):
        assert all(is_valid_email(v) for v in values if v)
