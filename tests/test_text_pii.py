"""PII masking: one test per pattern, with the checksums checked on published examples."""

from __future__ import annotations

from cxm.text.pii import PiiMasker, id_card_valid, luhn_valid, mask_pii

# GB 11643-1999's worked example of a resident ID number (check digit X).
VALID_ID = "11010519491231002X"
# The Visa test card number and Wikipedia's Luhn example "79927398713".
VALID_CARD = "4111111111111111"


def test_luhn_matches_the_published_example() -> None:
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")


def test_id_check_digit_matches_the_standard_example() -> None:
    assert id_card_valid(VALID_ID)
    assert id_card_valid(VALID_ID.lower())
    assert not id_card_valid("110105194912310021")  # wrong check digit
    assert not id_card_valid("110105194913310025")  # month 13


def test_it_masks_mobile_numbers_in_their_usual_spellings() -> None:
    for phone in ("13812345678", "138 1234 5678", "138-1234-5678", "+86 13812345678"):
        assert mask_pii(f"请回电{phone}谢谢") == "请回电[PHONE]谢谢", phone


def test_it_masks_landlines_with_an_area_code() -> None:
    assert mask_pii("门店电话010-62345678转8") == "门店电话[PHONE]转8"
    assert mask_pii("call (021)12345678") == "call [PHONE]"


def test_it_masks_email_addresses() -> None:
    assert mask_pii("发到 zhang.wei+cx@example.com.cn 了") == "发到 [EMAIL] 了"


def test_it_masks_id_cards_only_when_the_check_digit_is_right() -> None:
    assert mask_pii(f"身份证{VALID_ID}已提交") == "身份证[ID]已提交"
    assert mask_pii("订单号110105194912310021") == "订单号110105194912310021"


def test_it_masks_bank_cards_only_when_luhn_passes() -> None:
    assert mask_pii(f"卡号{VALID_CARD}被扣费") == "卡号[CARD]被扣费"
    assert mask_pii("卡号 4111 1111 1111 1111 被扣费") == "卡号 [CARD] 被扣费"
    assert mask_pii("运单号4111111111111112") == "运单号4111111111111112"


def test_it_masks_the_names_in_the_customer_file() -> None:
    masker = PiiMasker(["王小明", "李娜", "Zhang Wei"])
    assert masker.mask("王小明说李娜的服务很好") == "[NAME]说[NAME]的服务很好"
    assert masker.mask("zhang wei called twice") == "[NAME] called twice"
    # A one-character "name" or a name not in the file is left alone.
    assert PiiMasker(["王"]).mask("王先生") == "王先生"


def test_amounts_and_dates_stay_readable() -> None:
    text = "2026年3月5日花了4200元，订单12345"
    assert mask_pii(text) == text
