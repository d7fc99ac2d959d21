"""Erasure of one customer's personal data (PIPL art. 47, GDPR art. 17).

What it does, in one transaction:

1. The customer row keeps only what is not personal (region, channel, dates, status):
   name, phone and e-mail are blanked, the external id is replaced by a random
   ``erased-…`` id (it linked the row to the firm's other systems), the free attributes
   are dropped and the churn note is masked.
2. Identity numbers (ID card, bank card) are deleted.
3. Rows about the customer in every other table (found as in :mod:`cxm.privacy.subject`):
   the link of their survey responses and invitations (:data:`UNLINKED`) is cut, so their
   answers stay in the aggregates without identity; every other link stays (purchases,
   touchpoints, segment memberships, cases and audit entries, which refer to people by id
   only, now belong to an anonymous record); every text in those rows has the name, phone
   and e-mail masked.
4. Every free text in the whole database (notes, open answers, descriptions) is searched
   for the name, phone and e-mail, which are masked there too: a person mentioned in
   another customer's answer is still that person.

The log entry says how many rows of which table changed, never the values.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    JSON,
    Enum,
    String,
    Table,
    Text,
    cast,
    func,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from cxm.customers.models import Customer
from cxm.privacy.log import log_action
from cxm.privacy.numbers import drop_numbers
from cxm.privacy.subject import find_customer, held_tables
from cxm.registry import metadata

__all__ = [
    "ErasureReport",
    "Identifiers",
    "erase_customer",
    "erase_customers",
    "mask_identifiers",
]

#: Tables whose link to the customer is cut: answers count on, without identity.
UNLINKED = frozenset({"survey_responses", "survey_invitations"})

NAME_MASK = "[name]"
PHONE_MASK = "[phone]"
EMAIL_MASK = "[e-mail]"


#: What may stand between the parts of a name as people write it: spaces (also the
#: ideographic one), middle dots, dots, hyphens, underscores, commas.
_SEP = r"[\s\u3000\u00b7\u30fb.\-_,\uff0c\u3001]*"
#: Latin letters, half- and full-width: a pinyin or Latin name is not matched inside a word.
_LATIN = "A-Za-z\uff21-\uff3a\uff41-\uff5a"


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fold(text: str) -> str:
    """How texts are compared when searching: NFKC (full-width → half-width), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def _char(ch: str) -> str:
    """A regex for one character in any of its widths and cases (ASCII and full-width)."""
    forms = {ch}
    for c in {ch.lower(), ch.upper()}:
        forms.add(c)
        if "!" <= c <= "~":
            forms.add(chr(ord(c) + 0xFEE0))
    if len(forms) == 1:
        return re.escape(ch)
    return "[" + "".join(re.escape(f) for f in sorted(forms)) + "]"


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _pinyin_forms(name: str) -> list[list[str]]:
    """A Chinese name in pinyin, surname first and last (王小明: wang xiao ming, xiao ming
    wang); every reading of the surname character (单: dan, shan; 曾: ceng, zeng)."""
    from itertools import product

    from pypinyin import Style, pinyin

    readings = pinyin(name, style=Style.NORMAL, heteronym=True, errors="ignore")
    if len(readings) != len(name):
        return []
    options = [sorted(set(readings[0]))[:4], *([r[0]] for r in readings[1:])]
    out: list[list[str]] = []
    for syllables in product(*options):
        units = [str(x) for x in syllables]
        out.append(units)
        if len(units) > 1:
            out.append([*units[1:], units[0]])
    return out


def _name_forms(name: str) -> list[list[str]]:
    """The ways a name is written, each as its parts (anything of :data:`_SEP` may stand
    between two parts): a Chinese name character by character and in pinyin; a Latin name
    word by word, in its order and reversed."""
    folded = _fold(name).strip()
    chars = [c for c in folded if not c.isspace()]
    if chars and all(_is_cjk(c) for c in chars):
        return [chars, *_pinyin_forms("".join(chars))]
    words = [w for w in re.split(r"[\s\u00b7.\-_,]+", folded) if w]
    if not words:
        return []
    forms = [words]
    if len(words) > 1:
        forms.append([*words[1:], words[0]])
    return forms


def _form_regex(units: list[str]) -> str:
    body = _SEP.join("".join(_char(c) for c in unit) for unit in units)
    if re.search(r"[a-z]", units[0][:1]):
        body = f"(?<![{_LATIN}])" + body
    if re.search(r"[a-z]", units[-1][-1:]):
        body += f"(?![{_LATIN}])"
    return body


@dataclass(frozen=True, slots=True)
class Identifiers:
    """A person's name, phone and e-mail, found however they are written: full-width or
    half-width, any case, with spaces or dots between the parts, a Chinese name also in
    pinyin (surname first or last)."""

    name: str | None
    phone: str | None
    email: str | None

    def _names(self) -> list[list[str]]:
        if not self.name or len(self.name.strip()) < 2:
            return []
        forms = _name_forms(self.name)
        # A pinyin or Latin form shorter than four letters matches too much to be a name.
        return [f for f in forms if len("".join(f)) >= 4 or any(_is_cjk(c) for c in f[0])]

    def _digits(self) -> str:
        digits = re.sub(r"\D", "", _fold(self.phone or ""))
        return digits if len(digits) >= 5 else ""

    def patterns(self) -> list[tuple[re.Pattern[str], str]]:
        out: list[tuple[re.Pattern[str], str]] = []
        email = _fold(self.email or "").strip()
        if email:
            out.append((re.compile("".join(_char(c) for c in email)), EMAIL_MASK))
        digits = self._digits()
        if digits:
            # Written as stored or with spaces, dashes, dots or brackets between digits.
            joined = r"[\s\u3000\-().\uff08\uff09\uff0d]*".join(_char(d) for d in digits)
            out.append(
                (re.compile(rf"(?<![\d\uff10-\uff19]){joined}(?![\d\uff10-\uff19])"), PHONE_MASK)
            )
        names = sorted(self._names(), key=lambda f: -len("".join(f)))
        if names:
            out.append((re.compile("|".join(_form_regex(f) for f in names)), NAME_MASK))
        return out

    def like_terms(self) -> list[str]:
        """LIKE patterns, on the folded text (:func:`_fold`), that any text holding one of
        the identifiers in any of its forms matches."""
        terms = []
        email = _fold(self.email or "").strip()
        if email:
            terms.append("%" + _like_escape(email) + "%")
        digits = self._digits()
        if digits:
            terms.append("%" + "%".join(digits) + "%")
        terms.extend(
            "%" + "%".join(_like_escape(u) for u in units) + "%" for units in self._names()
        )
        return terms


def folded(column: Any, dialect: str) -> Any:
    """``column`` folded as :func:`_fold` folds text, in SQL: NFKC and lower case
    (PostgreSQL's ``normalize``; on SQLite the function ``cxm_fold``, which
    :func:`erase_customers` registers on its connection)."""
    if dialect == "sqlite":
        return func.cxm_fold(column)
    return func.lower(func.normalize(column, literal_column("NFKC")))


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
        conn = session.connection()
        conn.exec_driver_sql("PRAGMA secure_delete=ON")
        driver: Any = conn.connection.driver_connection
        driver.create_function(
            "cxm_fold", 1, lambda v: None if v is None else _fold(str(v)), deterministic=True
        )
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
        if held.parent is None and table.name in UNLINKED and held.link.nullable:
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
        dialect = session.get_bind().dialect.name
        for table in metadata.sorted_tables:
            for column in _text_columns(table):
                text = cast(column, Text) if isinstance(column.type, JSON) else column
                fold = folded(text, dialect)
                hit = or_(*(fold.like(t, escape="\\") for t in terms))
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
