"""The public feedback and complaint form: open around the clock, no sign-in.

The customer is identified by their personal survey link (a token they hold) or by the
contact details they give, matched against the customer file (e-mail, or phone digits);
someone not in the file gets a new customer record marked as coming from the form. A
client may file only a few cases an hour (keyed by a hash of its address, never the
address). The reply is the case number.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxm.cases.codes import CaseSource, CaseType
from cxm.cases.models import Case
from cxm.cases.service import open_case
from cxm.customers.models import Customer
from cxm.errors import CXMError, InputError
from cxm.i18n import _

__all__ = ["FORM_TYPES", "FormTooBusy", "Intake", "submit_feedback"]

#: What the public form lets a customer file.
FORM_TYPES = (CaseType.COMPLAINT, CaseType.SUGGESTION, CaseType.ENQUIRY, CaseType.PRAISE)
#: Cases one client may file per hour.
PER_HOUR = 5
MAX_TEXT = 5000


class FormTooBusy(CXMError):
    status = 429
    code = "rate_limited"


@dataclass(frozen=True)
class Intake:
    case_id: int
    new_customer: bool


def _clean(value: str | None, field: str, limit: int) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise InputError(_("{field}: at most {n} characters.", field=field, n=limit))
    bad = next((c for c in text if unicodedata.category(c) == "Cc" and c not in "\n\r\t"), None)
    if bad is not None:
        raise InputError(
            _(
                "{field}: contains a control character (U+{code:04X}); please remove it.",
                field=field,
                code=ord(bad),
            )
        )
    return text


def _phone_digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return digits[-11:] if len(digits) > 11 and digits.startswith("86") else digits


def _find_customer(session: Session, *, email: str, phone: str) -> int | None:
    if email:
        hit = session.scalar(
            select(Customer.id).where(func.lower(Customer.email) == email.lower()).limit(1)
        )
        if hit is not None:
            return int(hit)
    if phone:
        want = _phone_digits(phone)
        # Phones are stored as typed; compare on digits.
        for cid, stored in session.execute(
            select(Customer.id, Customer.phone).where(Customer.phone.like(f"%{want[-4:]}"))
        ):
            if stored and _phone_digits(stored) == want:
                return int(cid)
    return None


def submit_feedback(
    session: Session,
    *,
    type: CaseType | str,
    text: str,
    client_key: str,
    name: str = "",
    email: str = "",
    phone: str = "",
    token: str | None = None,
    language: str = "zh-CN",
    now: datetime | None = None,
) -> Intake:
    at = now or datetime.now(UTC)
    try:
        ctype = CaseType(type)
    except ValueError:
        ctype = CaseType.COMPLAINT
    if ctype not in FORM_TYPES:
        raise InputError(_("type: choose complaint, suggestion, enquiry or praise."))
    body = _clean(text, _("your message"), MAX_TEXT)
    if not body:
        raise InputError(_("Please tell us what happened."))
    name = _clean(name, _("name"), 200)
    email = _clean(email, _("e-mail"), 254)
    phone = _clean(phone, _("phone"), 50)
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise InputError(_("e-mail: that does not look like an e-mail address."))
    if phone and len(_phone_digits(phone)) < 6:
        raise InputError(_("phone: that does not look like a phone number."))
    key = hashlib.sha256(client_key.encode()).hexdigest()[:24]
    recent = session.scalar(
        select(func.count())
        .select_from(Case)
        .where(Case.source_key.like(f"form:{key}:%"), Case.opened_at > at - timedelta(hours=1))
    )
    if (recent or 0) >= PER_HOUR:
        raise FormTooBusy(
            _("You have sent several messages in the last hour; please wait a little, or call us.")
        )
    customer_id: int | None = None
    if token:
        from cxm.surveys.invitations import LinkInvalid, resolve_link

        try:
            customer_id = resolve_link(session, token=token, now=at).customer_id
        except LinkInvalid:
            customer_id = None
    if customer_id is None:
        if not (email or phone):
            raise InputError(
                _("Please leave an e-mail address or a phone number so that we can answer you.")
            )
        customer_id = _find_customer(session, email=email, phone=phone)
    new_customer = customer_id is None
    if customer_id is None:
        contact = (email.lower() or _phone_digits(phone)).encode()
        c = Customer(
            external_id="web-" + hashlib.sha256(contact).hexdigest()[:16],
            name=name or None,
            email=email or None,
            phone=phone or None,
            attributes={"source": "feedback_form"},
        )
        existing = session.scalar(select(Customer.id).where(Customer.external_id == c.external_id))
        if existing is not None:
            customer_id, new_customer = int(existing), False
        else:
            session.add(c)
            session.flush()
            customer_id = c.id
    first_line = body.splitlines()[0][:120]
    case, _new = open_case(
        session,
        customer=customer_id,
        type=ctype,
        subject=first_line,
        text=body,
        channel="web_form",
        source=CaseSource.FORM,
        source_key=f"form:{key}:{at.timestamp():.6f}:{customer_id}",
        now=at,
    )
    return Intake(case_id=case.id, new_customer=new_customer)
