"""Personal data on request: export everything held about one customer, then erase it so
that a full dump of the database holds no trace of their name, phone or e-mail; answers
stay in the aggregates. Identity numbers are stored encrypted. On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from cxm.crypto import DataKey
from cxm.customers.models import Customer, Touchpoint
from cxm.demo import run_demo
from cxm.errors import ConfigError, InputError, NotFound
from cxm.privacy.erase import erase_customer
from cxm.privacy.export import export_customer
from cxm.privacy.models import IdentityNumber, PrivacyLogEntry
from cxm.privacy.numbers import customers_with_number, set_number
from cxm.privacy.service import after_erasure
from cxm.store import Store
from cxm.surveys.models import Answer, Response

NAME = "Xiaoqing Zhuangyuan"
PHONE = "13912345678"
EMAIL = "xq.zhuang@private.example"
ID_CARD = "11010519491231002X"  # a valid check digit (GB 11643-1999 worked example)
BANK_CARD = "4111111111111111"  # the published Visa test number (passes Luhn)
KEY = DataKey.from_setting(base64.b64encode(bytes(range(32))).decode())


def _dump(store: Store) -> str:
    """Every row of every table as text: SQLite's iterdump, or pg_dump's plain SQL."""
    if store.dialect == "sqlite":
        raw = store.engine.raw_connection()
        try:
            return "\n".join(raw.driver_connection.iterdump())  # type: ignore[union-attr]
        finally:
            raw.close()
    url = make_url(str(store.engine.url))
    env = dict(os.environ, PGPASSWORD=str(url.password or ""))
    cmd = ["pg_dump", "--data-only", "--dbname", str(url.database), "--host", str(url.host)]
    cmd += ["--port", str(url.port or 5432), "--username", str(url.username)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout


def _plant(store: Store) -> tuple[int, str]:
    """One demo customer made identifiable everywhere: their file, a touchpoint note, an
    open answer, and another customer's note that names them."""
    with store.session() as s:
        response = s.scalars(
            select(Response).where(Response.customer_id.is_not(None)).order_by(Response.id)
        ).first()
        assert response is not None and response.customer_id is not None
        customer = s.get(Customer, response.customer_id)
        assert customer is not None
        customer.name, customer.phone, customer.email = NAME, PHONE, EMAIL
        customer.attributes = {"family": f"spouse of {NAME}"}
        s.add(
            Answer(
                response_id=response.id,
                question_code="COMMENT",
                text=f"I am {NAME}, call me on 139-1234-5678 or {EMAIL.upper()}",
            )
        )
        mine = s.scalars(select(Touchpoint).where(Touchpoint.customer_id == customer.id)).first()
        assert mine is not None
        mine.note = f"{NAME} asked for a callback at +86 139 1234 5678"
        other = s.scalars(select(Touchpoint).where(Touchpoint.customer_id != customer.id)).first()
        assert other is not None
        other.note = f"Referred by {NAME} ({EMAIL})"
        set_number(s, key=KEY, customer_id=customer.id, kind="id_card", number=ID_CARD)
        set_number(s, key=KEY, customer_id=customer.id, kind="bank_card", number=BANK_CARD)
        return customer.id, customer.external_id


@pytest.mark.slow  # several seconds: in `make test`, not `make test-fast`
def test_export_then_erase_leaves_no_trace(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    run_demo(store, customers=200, seed=4)
    customer_id, ref = _plant(store)
    dump = _dump(store)
    assert NAME in dump and PHONE in dump and EMAIL in dump
    assert ID_CARD not in dump and BANK_CARD not in dump  # encrypted at rest

    with store.session() as s:
        doc = export_customer(s, reference=ref, done_by="test", key=KEY)
        answers_before = s.scalar(select(func.count()).select_from(Answer))
        responses_before = s.scalar(select(func.count()).select_from(Response))
    assert doc["customer"]["name"] == NAME and doc["customer"]["email"] == EMAIL
    assert doc["identity_numbers"] == {"id_card": ID_CARD, "bank_card": BANK_CARD}
    assert {"purchases", "touchpoints", "survey_responses", "survey_answers"} <= set(doc["tables"])
    assert any(NAME in (a["text"] or "") for a in doc["tables"]["survey_answers"])
    json.dumps(doc)  # JSON-able as it is

    with store.session() as s:
        report = erase_customer(s, reference=ref, done_by="test")
    after_erasure(store)
    assert report.identity_numbers_deleted == 2
    assert report.unlinked["survey_responses"] >= 1
    assert report.rows["touchpoints"] >= 2  # their note, and the other customer's

    dump = _dump(store)
    for secret in (NAME, PHONE, EMAIL, EMAIL.upper(), "139-1234-5678", "139 1234 5678"):
        assert dump.count(secret) == 0, secret
        assert secret not in caplog.text  # nor in any log line written meanwhile
    assert "privacy erase" in caplog.text
    with store.session() as s:
        # Answers stay in the aggregates, without identity.
        assert s.scalar(select(func.count()).select_from(Answer)) == answers_before
        assert s.scalar(select(func.count()).select_from(Response)) == responses_before
        assert (
            s.scalar(
                select(func.count())
                .select_from(Response)
                .where(Response.customer_id == customer_id)
            )
            == 0
        )
        erased = s.get(Customer, customer_id)
        assert erased is not None and erased.external_id.startswith("erased-")
        assert erased.name is None and erased.attributes == {}
        assert "[name]" in str(s.scalar(select(Answer.text).where(Answer.text.like("I am%"))))
        assert s.scalar(select(func.count()).select_from(IdentityNumber)) == 0
        log = s.scalars(select(PrivacyLogEntry).order_by(PrivacyLogEntry.id)).all()
        assert [e.action for e in log] == ["export", "erase"]
        assert NAME not in json.dumps(log[1].report) and log[1].customer_id == customer_id
        with pytest.raises(NotFound):
            export_customer(s, reference=ref, done_by="test", key=KEY)


def test_identity_numbers_are_checked_encrypted_and_found_by_keyed_hash(store: Store) -> None:
    with store.session() as s:
        s.add_all([Customer(external_id="A"), Customer(external_id="B")])
        s.flush()
        a, b = (s.scalar(select(Customer.id).where(Customer.external_id == x)) for x in "AB")
        assert a is not None and b is not None
        row = set_number(s, key=KEY, customer_id=a, kind="id_card", number="11010519491231002x")
        assert row.ciphertext.startswith(f"v2:{KEY.key_id}:") and "1101" not in row.ciphertext
        assert row.last4 == "002X"
        set_number(s, key=KEY, customer_id=b, kind="bank_card", number="4111 1111 1111 1111")
        assert customers_with_number(s, key=KEY, kind="id_card", number=ID_CARD) == [a]
        assert customers_with_number(s, key=KEY, kind="bank_card", number=BANK_CARD) == [b]
        other_key = DataKey.from_setting(base64.b64encode(bytes(32)).decode())
        assert customers_with_number(s, key=other_key, kind="id_card", number=ID_CARD) == []
        with pytest.raises(InputError, match="not a valid ID-card number"):
            set_number(s, key=KEY, customer_id=a, kind="id_card", number="110105194912310021")
        with pytest.raises(InputError, match="Luhn"):
            set_number(s, key=KEY, customer_id=a, kind="bank_card", number="4111111111111112")


def test_a_missing_or_bad_data_key_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="CXM_DATA_KEY is not set"):
        DataKey.from_setting("")
    with pytest.raises(ConfigError, match="32 bytes"):
        DataKey.from_setting("c2hvcnQ=")


def test_cli_export_zip_erase_and_retention(cxm, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Store.open(database_url) as store, store.session() as s:
        s.add(Customer(external_id="CX1", name=NAME, email=EMAIL, phone=PHONE))
    out = tmp_path / "cx1.zip"
    done = cxm("privacy", "export", "CX1", "--out", str(out))
    assert done.exit_code == 0, done.stderr
    with zipfile.ZipFile(out) as zf:
        assert json.loads(zf.read("customer.json"))["customer"]["phone"] == PHONE
    done = cxm("privacy", "erase", "CX1", "--yes", "--json")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["rows_masked"]["customers"] == 1
    done = cxm("privacy", "erase", "CX1", "--yes")
    assert done.exit_code == 1 and "No customer CX1" in done.stderr
    done = cxm("privacy", "retention", "--json")
    assert done.exit_code == 0 and json.loads(done.stdout)["due"] == {}


def test_several_customers_erased_in_one_pass(store: Store) -> None:
    from cxm.privacy.erase import erase_customers

    people = [
        ("Wang Lanfang", "13700001111", "wl@x.test"),
        ("Zhao Tiezhu", "13600002222", "zt@x.test"),
    ]
    with store.session() as s:
        for i, (name, phone, email) in enumerate(people):
            s.add(Customer(external_id=f"B{i}", name=name, phone=phone, email=email))
        s.add(Customer(external_id="WITNESS", churn_note="knows Wang Lanfang and 136-0000-2222"))
    with store.session() as s:
        reports = erase_customers(s, references=["B0", "B1"], done_by="test")
    after_erasure(store)
    assert [r.customer_id for r in reports] == sorted(r.customer_id for r in reports)
    dump = _dump(store)
    for person in people:
        for value in person:
            assert value not in dump
    assert "136-0000-2222" not in dump and "knows [name] and [phone]" in dump
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(PrivacyLogEntry)) == 2


VARIANTS = (
    "王 小 明 来过两次",  # spaces between the characters
    "客户Ｗａｎｇ Ｘｉａｏｍｉｎｇ投诉",  # full-width pinyin, surname first
    "Xiaoming WANG called back",  # pinyin, surname last, upper case
    "spoke to WANG Xiao-ming",  # hyphenated given name
    "电话１３８ １２３４ ５６７８",  # full-width digits with spaces
    "邮箱 ＷＡＮＧ．ＸＭ＠ｅｘａｍｐｌｅ．ｃｏｍ",  # full-width e-mail, upper case
    "+86 (138) 1234-5678",
)
#: Texts that must stay: another person, and words merely containing the letters.
BYSTANDERS = ("王小红 is another customer", "Carolina from Wangford, wangxiaomingo.org")


def test_erasure_finds_the_name_phone_and_email_however_written(store: Store) -> None:
    """Full-width and half-width, spaces between characters, a Chinese name in pinyin
    (either order, any case): every form is masked in every table and the database dump
    holds none of them; texts about other people stay as they were."""
    from datetime import UTC, datetime

    from sqlalchemy.orm import Session

    with store.session() as s:
        person = Customer(
            external_id="WXM", name="王小明", phone="138 1234 5678", email="wang.xm@example.com"
        )
        other = Customer(external_id="OTHER", name="李四")
        s.add_all([person, other])
        s.flush()
        for i, text in enumerate((*VARIANTS, *BYSTANDERS)):
            s.add(
                Touchpoint(
                    external_id=f"t{i}",
                    customer_id=other.id,
                    occurred_at=datetime(2024, 3, 1, 9, i, tzinfo=UTC),
                    stage="after_sale",
                    note=text,
                )
            )
        s.commit()
    with store.session() as s:
        report = erase_customer(s, reference="WXM", done_by="test")
        s.commit()
    assert report.rows["touchpoints"] == len(VARIANTS)
    with Session(store.engine) as s:
        notes = dict(s.execute(select(Touchpoint.external_id, Touchpoint.note)).all())
    assert notes["t0"] == "[name] 来过两次"
    assert notes["t1"] == "客户[name]投诉"
    assert notes["t2"] == "[name] called back"
    assert notes["t3"] == "spoke to [name]"
    assert notes["t4"] == "电话[phone]"
    assert notes["t5"] == "邮箱 [e-mail]"
    assert notes["t6"] == "+86 ([phone]"
    for i, text in enumerate(BYSTANDERS, start=len(VARIANTS)):
        assert notes[f"t{i}"] == text
    dump = _dump(store)
    gone_forms = ("王小明", "王 小 明", "Ｗａｎｇ", "Xiaoming", "１２３４", "1234-5678")
    for gone in (*gone_forms, "ＷＡＮＧ．ＸＭ"):
        assert gone not in dump, gone
