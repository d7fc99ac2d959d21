"""Erasure of one customer's personal data (PIPL art. 47, GDPR art. 17).

What it does, in one transaction:

1. The customer row keeps only what is not personal (region, channel, dates, status):
   name, phone and e-mail are blanked, the external id is replaced by a random
   ``erased-…`` id (it linked the row to the firm's other systems), the free attributes
   are dropped and the churn note is masked.
2. Identity numbers (ID card, bank card) are deleted.
3. Rows about the customer in every other table (found as in :mod:`cxm.privacy.subject`):
   a nullable link to the customer is cut (their survey responses and invitations stay in
   the aggregates without identity); a required link stays (purchases, touchpoints,
   segment memberships now belong to an anonymous record); every text in those rows has
   the name, phone and e-mail masked.
4. Every free text in the whole database (notes, open answers, descriptions) is searched
   for the name, phone and e-mail, which are masked there too: a person mentioned in
   another customer's answer is still that person.

The log entry says how many rows of which table changed, never the values.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Enum, String, Table, Text, cast, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from cxm.customers.models import Customer
from cxm.privacy.log import log_action
from cxm.privacy.numbers import drop_numbers
from cxm.privacy.subject import find_customer, held_tables
from cxm.store.models import metadata

__all__ = [
    "ErasureReport",
    "Identifiers",
    "erase_customer",
    "erase_customers",
    "mask_identifiers",
]

NAME_MASK = "[name]"
PHONE_MASK = "[phone]"
EMAIL_MASK = "[e-mail]"


@dataclass(frozen=True, slots=True)
class Identifiers:
    name: str | None
    phone: str | None
    email: str | None

    def patterns(self) -> list[tuple[re.Pattern[str], str]]:
        out: list[tuple[re.Pattern[str], str]] = []
        if self.email and self.email.strip():
            out.append((re.compile(re.escape(self.email.strip()), re.IGNORECASE), EMAIL_MASK))
        digits = re.sub(r"\D", "", self.phone or "")
        if len(digits) >= 5:
            # Written as stored or with spaces, dashes, dots or brackets between digits.
            joined = r"[\s\-().]*".join(re.escape(d) for d in digits)
            out.append((re.compile(rf"(?<!\d){joined}(?!\d)"), PHONE_MASK))
        if self.name and len(self.name.strip()) >= 2:
            out.append((re.compile(re.escape(self.name.strip()), re.IGNORECASE), NAME_MASK))
        return out

    def like_terms(self) -> list[str]:
        """LIKE patterns that any text holding one of the identifiers matches."""
        terms = []
        if self.email and self.email.strip():
            terms.append("%" + _like_escape(self.email.strip().lower()) + "%")
        digits = re.sub(r"\D", "", self.phone or "")
        if len(digits) >= 5:
            terms.append("%" + "%".join(digits) + "%")
        if self.name and len(self.name.strip()) >= 2:
            terms.append("%" + _like_escape(self.name.strip().lower()) + "%")
        return terms


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def mask_identifiers(text: str, patterns: list[tuple[re.Pattern[str], str]]) -> str:
    """``text`` with each identifier replaced by its mask (``[name]``, ``[phone]``…)."""
    for pattern, mask in patterns:
        text = pattern.sub(mask, text)
    return text


def _mask_value(value: Any, patterns: list[tuple[re.Pattern[str], str]]) -> Any:
    if isinstance(value, str):
        return mask_identifiers(value, patterns)
    if isinstance(value, list):
        return [_mask_value(v, patterns) for v in value]
    if isinstance(value, dict):
        return {k: _mask_value(v, patterns) for k, v in value.items()}
    return value


@dataclass
class ErasureReport:
    customer_id: int
    #: Rows changed per table.
    rows: dict[str, int] = field(default_factory=dict)
    #: Links to the customer cut, per table.
    unlinked: dict[str, int] = field(default_factory=dict)
    identity_numbers_deleted: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "rows_masked": self.rows,
            "links_cut": self.unlinked,
            "identity_numbers_deleted": self.identity_numbers_deleted,
        }


def _text_columns(table: Table) -> list[Any]:
    skip = {c.name for c in table.primary_key.columns} | {
        fk.parent.name for fk in table.foreign_keys
    }
    return [
        c
        for c in table.columns
        if c.name not in skip
        and isinstance(c.type, String | Text | JSON)
        and not isinstance(c.type, Enum)
    ]


def _mask_rows(
    session: Session,
    table: Table,
    where: ColumnElement[bool],
    patterns: list[tuple[re.Pattern[str], str]],
) -> int:
    columns = _text_columns(table)
    if not columns:
        return 0
    pk = list(table.primary_key.columns)
    changed = 0
    for row in session.execute(select(*pk, *columns).where(where)).all():
        values = dict(row._mapping)
        new = {c.name: _mask_value(values[c.name], patterns) for c in columns}
        new = {k: v for k, v in new.items() if v != values[k]}
        if new:
            key = [c == values[c.name] for c in pk]
            session.execute(update(table).where(*key).values(**new))
            changed += 1
    return changed


def erase_customer(session: Session, *, reference: str, done_by: str) -> ErasureReport:
    """Erase the personal data of one customer (see the module's description)."""
    return erase_customers(session, references=[reference], done_by=done_by)[0]


#: Customers erased together: one scan of the database's free texts serves them all.
BATCH = 100


def erase_customers(
    session: Session, *, references: Sequence[str], done_by: str
) -> list[ErasureReport]:
    """Erase several customers; the search of every free text (the costly part, a scan of
    the database) is done once per :data:`BATCH` customers instead of once each. Each
    customer gets a log entry; rows masked by the shared search are counted in the
    report of the first customer of the batch."""
    if session.bind is not None and session.bind.dialect.name == "sqlite":
        # Freed and rewritten cells are zeroed, not left in the file's free pages.
        session.connection().exec_driver_sql("PRAGMA secure_delete=ON")
    reports: list[ErasureReport] = []
    for start in range(0, len(references), BATCH):
        reports.extend(_erase_batch(session, references[start : start + BATCH], done_by))
    return reports


def _erase_one(session: Session, customer: Customer) -> tuple[ErasureReport, Identifiers]:
    ids = Identifiers(customer.name, customer.phone, customer.email)
    patterns = ids.patterns()
    report = ErasureReport(customer_id=customer.id)
    report.identity_numbers_deleted = drop_numbers(session, customer_id=customer.id)
    for held in held_tables():
        table = held.table
        if held.parent is None:
            where: ColumnElement[bool] = held.link == customer.id
        else:
            parents = select(held.parent.c.id).where(held.parent.c.customer_id == customer.id)
            where = held.link.in_(parents)
        if patterns:
            n = _mask_rows(session, table, where, patterns)
            if n:
                report.rows[table.name] = n
        if held.parent is None and held.link.nullable:
            cut = session.execute(update(table).where(where).values(customer_id=None))
            if cut.rowcount:  # type: ignore[attr-defined]
                report.unlinked[table.name] = int(cut.rowcount)  # type: ignore[attr-defined]
    customer.name = None
    customer.phone = None
    customer.email = None
    customer.external_id = "erased-" + secrets.token_hex(8)
    customer.attributes = {}
    if customer.churn_note:
        customer.churn_note = mask_identifiers(customer.churn_note, patterns)
    session.flush()
    report.rows["customers"] = 1
    return report, ids


def _erase_batch(session: Session, references: Sequence[str], done_by: str) -> list[ErasureReport]:
    customers = [find_customer(session, ref) for ref in references]
    done = [_erase_one(session, customer) for customer in customers]
    reports = [report for report, _ids in done]
    patterns = [p for _report, ids in done for p in ids.patterns()]
    terms = sorted({t for _report, ids in done for t in ids.like_terms()})
    if terms:
        first = reports[0]
        for table in metadata.sorted_tables:
            for column in _text_columns(table):
                text = cast(column, Text) if isinstance(column.type, JSON) else column
                hit = or_(*(text.ilike(t, escape="\\") for t in terms))
                n = _mask_rows(session, table, hit, patterns)
                if n:
                    first.rows[table.name] = first.rows.get(table.name, 0) + n
    for report in reports:
        log_action(
            session,
            action="erase",
            customer_id=report.customer_id,
            done_by=done_by,
            report=report.as_dict(),
        )
    return reports
