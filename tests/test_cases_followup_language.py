"""Follow-up e-mails and SMS speak the customer's language where it is known (a language
attribute, else the language of their last survey answer), not the language of whoever
runs the sender; unknown: the sender's. On SQLite and PostgreSQL, through a real SMTP sink
and a real HTTP gateway."""

from __future__ import annotations

from datetime import timedelta
from email.header import decode_header, make_header
from pathlib import Path

from sqlalchemy import select

from cxm.cases.followup import send_followups
from cxm.cases.recovery import resolve_case
from cxm.cases.service import open_case
from cxm.channels import load_channel_settings
from cxm.config import load_settings
from cxm.customers.models import Customer
from cxm.i18n import language
from cxm.store import Store
from cxm.surveys.languages import known_language, preferred_languages
from cxm.surveys.models import Invitation, InvitationLink, Response
from cxm.surveys.responses import submit_page
from cxm.surveys.tokens import hash_token
from tests.case_factories import T0, staff
from tests.channel_sinks import HttpSink, SmtpSink
from tests.survey_factories import ONE_PAGE, wave_with_links

SUBJECTS = {
    "en": "How did we handle your problem?",
    "zh-CN": "我们处理您的问题处理得怎么样？",
    "zh-TW": "我們處理您的問題處理得怎麼樣？",
}


def _customers(store: Store) -> dict[str, str]:
    """External id → the language they should be written in (None: unknown)."""
    _wave, tokens = wave_with_links(store, customers=3, definition=ONE_PAGE)
    answered_in = ["zh-TW", "en", "zh-CN"]
    expect: dict[str, str] = {}
    for token, lang in zip(tokens, answered_in, strict=True):
        submit_page(store, token=token, page=0, raw={"SAT": "4", "NPS": "9"}, language=lang)
        with store.session() as s:
            ext = s.scalar(
                select(Customer.external_id)
                .join(Invitation, Invitation.customer_id == Customer.id)
                .join(InvitationLink, InvitationLink.invitation_id == Invitation.id)
                .where(InvitationLink.token_hash == hash_token(token))
            )
        expect[str(ext)] = lang
    with store.session() as s:
        # An attribute from the CRM wins over the answers' language.
        first = s.scalar(select(Customer).where(Customer.external_id == "C00000"))
        assert first is not None
        first.attributes = {**first.attributes, "language": "zh_CN"}
        expect["C00000"] = "zh-CN"
        s.add(Customer(external_id="X1", name="Nobody", email="x1@example.test", phone="1390"))
    return expect


def _resolve_all(store: Store, externals: list[str]) -> dict[int, str]:
    ids = staff(store)
    out = {}
    with store.session() as s:
        for ext in externals:
            case, _new = open_case(
                s,
                customer=ext,
                type="complaint",
                subject=f"Problem {ext}",
                channel="sms" if ext == "X1" else None,
                owner_user_id=ids["carol"],
                now=T0,
            )
            resolve_case(
                s,
                case_id=case.id,
                version=case.version,
                actor_user_id=ids["carol"],
                now=T0 + timedelta(hours=1),
            )
            out[case.id] = ext
    return out


def test_follow_ups_are_written_in_the_customers_language(store: Store, tmp_path: Path) -> None:
    expect = _customers(store)
    cases = _resolve_all(store, [*sorted(expect), "X1"])
    with SmtpSink(tmp_path) as mail, HttpSink() as sink:
        channels = load_channel_settings(sms_url=sink.url + "/send")
        settings = load_settings(smtp_host="127.0.0.1", smtp_port=mail.port)
        with language("zh-CN"):  # the sender runs in Chinese
            counts = send_followups(
                store, settings, worker="w", now=T0 + timedelta(hours=2), channels=channels
            )
    assert counts.sent == 4
    by_address = {
        m["To"]: str(make_header(decode_header(m["Subject"]))) for m in mail.inbox.messages
    }
    with store.session() as s:
        emails = dict(s.execute(select(Customer.external_id, Customer.email)).all())
    for ext, lang in expect.items():
        assert by_address[emails[ext]].startswith(SUBJECTS[lang]), (ext, lang)
    # Nothing known about X1 (reached us by SMS): the sender's language.
    (sms,) = sink.requests
    x1_case = next(c for c, e in cases.items() if e == "X1")
    assert sms.body["text"].startswith(f"工单 {x1_case}：")


def test_the_language_comes_from_the_attribute_then_the_latest_answer(store: Store) -> None:
    expect = _customers(store)
    with store.session() as s:
        ids = dict(s.execute(select(Customer.external_id, Customer.id)).all())
        langs = preferred_languages(s, ids.values())
        assert {ext: langs.get(cid) for ext, cid in ids.items()} == {**expect, "X1": None}
        assert s.scalar(select(Response.language).where(Response.customer_id == ids["C00000"]))


def test_stored_language_values_are_read_or_left_unknown() -> None:
    assert known_language("zh_CN.UTF-8") == "zh-CN"
    assert known_language("zh-Hant") == "zh-TW"
    assert known_language("繁體中文") == "zh-TW"
    assert known_language("中文") == "zh-CN"
    assert known_language("EN-gb") == "en"
    assert known_language("de") is None
    assert known_language("") is None
    assert known_language(3) is None
