"""Consent per channel and purpose (SQLite and PostgreSQL): defaults, latest statement
wins, import all-or-nothing with row/column/value errors, and sends that skip customers
without consent and count them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from cxm.channels import ChannelSend, load_channel_settings
from cxm.config import load_settings
from cxm.consent import ConsentRecord, record_consent, split_by_consent
from cxm.consent.importing import import_consent
from cxm.errors import ValidationFailed
from cxm.store import Store
from cxm.surveys.mail import send_wave_emails
from tests.channel_sinks import HttpSink, SmtpSink
from tests.survey_factories import ONE_PAGE, add_customers, wave_with_links


def _at(day: int) -> datetime:
    return datetime(2026, 1, day, tzinfo=UTC)


def test_surveys_are_allowed_until_refused_and_marketing_needs_a_grant(store: Store) -> None:
    a, b, c = add_customers(store, 3)
    with store.session() as s:
        record_consent(
            s, customer_id=b, channel="email", purpose="survey", granted=False, given_at=_at(2)
        )
        record_consent(
            s, customer_id=c, channel="email", purpose="marketing", granted=True, given_at=_at(2)
        )
        survey = split_by_consent(s, [a, b, c], channel="email", purpose="survey")
        marketing = split_by_consent(s, [a, b, c], channel="email", purpose="marketing")
        sms = split_by_consent(s, [a, b, c], channel="sms", purpose="survey")
    assert (survey.allowed, survey.refused) == ([a, c], [b])
    assert (marketing.allowed, marketing.refused) == ([c], [a, b])
    assert sms.refused == []  # a refusal by e-mail says nothing about SMS


def test_the_latest_statement_wins_whatever_the_order_recorded(store: Store) -> None:
    (a,) = add_customers(store, 1)
    with store.session() as s:
        record_consent(
            s, customer_id=a, channel="sms", purpose="survey", granted=False, given_at=_at(5)
        )
        # Recorded later, but stated earlier (an old paper form): the refusal still rules.
        record_consent(
            s,
            customer_id=a,
            channel="sms",
            purpose="survey",
            granted=True,
            given_at=_at(1),
            source="paper form",
        )
        assert split_by_consent(s, [a], channel="sms", purpose="survey").refused == [a]
        record_consent(
            s, customer_id=a, channel="短信", purpose="调查", granted=True, given_at=_at(9)
        )
        assert split_by_consent(s, [a], channel="sms", purpose="survey").allowed == [a]


def test_opt_in_purposes_follow_the_setting(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    (a,) = add_customers(store, 1)
    monkeypatch.setenv("CXM_CONSENT_OPT_IN", "marketing,survey")
    with store.session() as s:
        assert split_by_consent(s, [a], channel="email", purpose="survey").refused == [a]


def _csv(tmp: Path, rows: list[str]) -> Path:
    p = tmp / "consent.csv"
    p.write_text("\n".join(["客户编号,渠道,用途,同意,日期,来源", *rows]) + "\n", encoding="utf-8")
    return p


def test_import_reads_chinese_headers_and_aliases(store: Store, tmp_path: Path) -> None:
    add_customers(store, 3)
    f = _csv(
        tmp_path,
        [
            "C00000,email,survey,否,2026-01-05,hotline",
            "C00001,短信,营销,是,2026-01-06,",
            "C00002,webhook,service,yes,,",
        ],
    )
    with store.session() as s:
        result = import_consent(s, f)
    assert (result.rows, result.granted, result.refused) == (3, 2, 1)
    with store.session() as s:
        rows = s.execute(
            select(
                ConsentRecord.channel,
                ConsentRecord.purpose,
                ConsentRecord.granted,
                ConsentRecord.source,
            ).order_by(ConsentRecord.id)
        ).all()
    assert [(str(c), str(p), g, src) for c, p, g, src in rows] == [
        ("email", "survey", False, "hotline"),
        ("sms", "marketing", True, "consent.csv"),
        ("wecom", "service", True, "consent.csv"),
    ]


def test_bad_rows_name_row_column_value_and_import_nothing(store: Store, tmp_path: Path) -> None:
    add_customers(store, 1)
    f = _csv(
        tmp_path,
        [
            "C00000,email,survey,yes,2026-01-05,",
            "C99999,email,survey,yes,,",
            "C00000,pigeon,survey,yes,,",
            "C00000,email,survey,maybe,,",
            "C00000,email,survey,yes,2099-01-01,",
        ],
    )
    with pytest.raises(ValidationFailed) as info, store.session() as s:
        import_consent(s, f)
    got = [(p.row, p.column, p.value) for p in info.value.problems]
    assert got == [
        (2, "客户编号", "C99999"),
        (3, "渠道", "pigeon"),
        (4, "同意", "maybe"),
        (5, "日期", "2099-01-01"),
    ]
    assert "unknown channel" in info.value.problems[1].reason
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(ConsentRecord)) == 0


def test_import_reads_xlsx(store: Store, tmp_path: Path) -> None:
    from openpyxl import Workbook

    add_customers(store, 2)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["customer", "channel", "purpose", "granted"])
    ws.append(["C00000", "phone", "service", "no"])
    ws.append(["C00001", "post", "marketing", "yes"])
    path = tmp_path / "consent.xlsx"
    wb.save(path)
    with store.session() as s:
        assert import_consent(s, path).rows == 2


def _refuse_email(store: Store, index: int) -> None:
    from cxm.customers.models import Customer

    with store.session() as s:
        cid = s.scalar(select(Customer.id).where(Customer.external_id == f"C{index:05d}"))
        assert cid is not None
        record_consent(s, customer_id=cid, channel="email", purpose="survey", granted=False)


def test_invitations_and_reminders_skip_those_without_consent(store: Store, tmp_path: Path) -> None:
    wave_id, _tokens = wave_with_links(store, customers=4, definition=ONE_PAGE)
    _refuse_email(store, 1)
    with SmtpSink(tmp_path) as sink:
        settings = load_settings(smtp_host="127.0.0.1", smtp_port=sink.port)
        first = send_wave_emails(store, settings, wave_id=wave_id)
        _refuse_email(store, 2)
        again = send_wave_emails(store, settings, wave_id=wave_id, reminder=True, min_days_since=0)
    assert (first.sent, first.no_consent, first.no_email) == (3, 1, 0)
    # The reminder skips customer 1 again and now customer 2 as well.
    assert (again.sent, again.no_consent) == (2, 2)
    assert sorted(m["To"] for m in sink.inbox.messages) == [
        "c0@example.test",
        "c0@example.test",
        "c2@example.test",
        "c3@example.test",
        "c3@example.test",
    ]
    with store.session() as s:
        logged = s.scalar(select(func.count()).select_from(ChannelSend))
    assert logged == 5


def test_sms_invitations_use_mobile_numbers_and_consent(store: Store) -> None:
    from cxm.customers.models import Customer

    wave_id, _tokens = wave_with_links(store, customers=3, definition=ONE_PAGE)
    with store.session() as s:
        for i, c in enumerate(s.scalars(select(Customer).order_by(Customer.id))):
            c.phone = f"1380000000{i}" if i < 2 else None
            if i == 0:
                record_consent(s, customer_id=c.id, channel="sms", purpose="survey", granted=False)
    with HttpSink(lambda req: (200, {"id": "m"})) as gw:
        channels = load_channel_settings(sms_url=gw.url + "/sms")
        result = send_wave_emails(
            store, load_settings(), wave_id=wave_id, channel="sms", channels=channels
        )
    assert (result.sent, result.no_consent, result.no_email, result.channel) == (1, 1, 1, "sms")
    assert [r.body["to"] for r in gw.requests] == ["13800000001"]
    assert "/r/" in gw.requests[0].body["text"]


def test_the_cli_prints_and_reports_the_skipped(
    cxm: Any, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wave_id, _tokens = wave_with_links(store, customers=3, definition=ONE_PAGE)
    r = cxm(
        "consent",
        "set",
        "C00000",
        "--channel",
        "email",
        "--purpose",
        "survey",
        "--refused",
        "--json",
    )
    assert r.exit_code == 0, r.stderr
    shown = json.loads(cxm("consent", "show", "C00000", "--json").stdout)
    assert shown["allowed"]["email/survey"] is False and shown["allowed"]["sms/survey"] is True
    with SmtpSink(tmp_path) as sink:
        monkeypatch.setenv("CXM_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("CXM_SMTP_PORT", str(sink.port))
        sent = cxm("waves", "send", str(wave_id), "--json")
        assert sent.exit_code == 0, sent.stderr
        assert json.loads(sent.stdout)["no_consent"] == 1
        reminded = cxm("waves", "remind", str(wave_id), "--min-days", "0")
    assert reminded.exit_code == 0, reminded.stderr
    assert "1 customers were skipped: no consent" in reminded.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("customer,channel,purpose,granted\nC00001,fax,survey,yes\n", encoding="utf-8")
    imp = cxm("consent", "import", str(bad))
    assert imp.exit_code == 1 and "fax" in imp.stderr


def test_the_link_export_leaves_out_contacts_without_consent(store: Store) -> None:
    import csv
    import io

    from cxm.customers.models import Customer
    from cxm.surveys.invitations import export_invitations_csv

    wave_id, _tokens = wave_with_links(store, customers=3, definition=ONE_PAGE)
    with store.session() as s:
        cs = list(s.scalars(select(Customer).order_by(Customer.id)))
        for c in cs:
            c.phone = f"1380000000{c.id}"
        record_consent(s, customer_id=cs[0].id, channel="email", purpose="survey", granted=False)
        for ch in ("email", "sms"):
            record_consent(s, customer_id=cs[1].id, channel=ch, purpose="survey", granted=False)
        out = io.StringIO()
        withheld: dict[str, int] = {}
        n = export_invitations_csv(
            s, wave_id=wave_id, base_url="https://x", out=out, withheld=withheld
        )
        keys = [cs[0].external_id, cs[2].external_id]
    rows = list(csv.DictReader(out.getvalue().splitlines()))
    assert n == 2 and withheld == {"email": 2, "phone": 1, "rows": 1}
    assert [r["customer_external_id"] for r in rows] == keys
    assert rows[0]["email"] == "" and rows[0]["phone"] != ""
    assert rows[1]["email"] == "c2@example.test"


def test_the_customer_file_shows_the_latest_statement_per_channel_and_purpose(
    store: Store, cxm: Any
) -> None:
    (a,) = add_customers(store, 1)
    with store.session() as s:
        record_consent(
            s,
            customer_id=a,
            channel="sms",
            purpose="survey",
            granted=True,
            given_at=_at(1),
            source="form",
        )
        record_consent(
            s,
            customer_id=a,
            channel="sms",
            purpose="survey",
            granted=False,
            given_at=_at(3),
            source="hotline",
        )
        record_consent(
            s, customer_id=a, channel="email", purpose="marketing", granted=True, given_at=_at(2)
        )
    r = cxm("customers", "show", "C00000", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["sections"]["Consent"] == [
        {
            "channel": "email",
            "purpose": "marketing",
            "granted": True,
            "given_on": "2026-01-02",
            "source": None,
        },
        {
            "channel": "sms",
            "purpose": "survey",
            "granted": False,
            "given_on": "2026-01-03",
            "source": "hotline",
        },
    ]
    shown = cxm("customers", "show", "C00000", lang="zh-CN")
    assert shown.exit_code == 0 and "同意与联系偏好" in shown.stdout
