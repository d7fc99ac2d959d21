"""ID-card and bank-card numbers of customers: checked, stored encrypted, found by a keyed
hash. Nothing else in CXM stores them (the customer file has no such columns)."""

from __future__ import annotations

import re
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cxm.crypto import DataKey
from cxm.errors import InputError
from cxm.i18n import _
from cxm.privacy.models import IdentityNumber

__all__ = [
    "NumberKind",
    "customers_with_number",
    "normalise_number",
    "number_context",
    "read_numbers",
    "set_number",
]


class NumberKind(StrEnum):
    ID_CARD = "id_card"
    BANK_CARD = "bank_card"


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _id_card_ok(number: str) -> bool:
    """Chinese resident ID (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17]


def _luhn_ok(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    total = sum(
        d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits)
    )
    return total % 10 == 0


def normalise_number(kind: NumberKind | str, number: str) -> str:
    """The number without spaces or dashes (upper-case X), or InputError naming why."""
    the_kind = _kind(kind)
    clean = re.sub(r"[\s-]", "", number).upper()
    if the_kind is NumberKind.ID_CARD:
        if not _id_card_ok(clean):
            raise InputError(
                _(
                    "{value} is not a valid ID-card number: 18 characters with a matching check "
                    "digit are needed.",
                    value=_masked(clean),
                )
            )
    elif not (re.fullmatch(r"\d{12,19}", clean) and _luhn_ok(clean)):
        raise InputError(
            _(
                "{value} is not a valid bank-card number: 12 to 19 digits passing the Luhn "
                "check are needed.",
                value=_masked(clean),
            )
        )
    return clean


def _masked(value: str) -> str:
    return "*" * max(len(value) - 4, 0) + value[-4:]


def _kind(kind: NumberKind | str) -> NumberKind:
    try:
        return NumberKind(kind)
    except ValueError:
        raise InputError(
            _("Unknown number kind {kind}: use id_card or bank_card.", kind=str(kind))
        ) from None


def number_context(customer_id: int, kind: NumberKind) -> str:
    return f"customer:{customer_id}:{kind.value}"


def set_number(
    session: Session, *, key: DataKey, customer_id: int, kind: NumberKind | str, number: str
) -> IdentityNumber:
    """Store (or replace) one number of a customer, encrypted."""
    the_kind = _kind(kind)
    clean = normalise_number(the_kind, number)
    row = session.scalar(
        select(IdentityNumber).where(
            IdentityNumber.customer_id == customer_id, IdentityNumber.kind == the_kind.value
        )
    )
    if row is None:
        row = IdentityNumber(customer_id=customer_id, kind=the_kind.value)
        session.add(row)
    row.ciphertext = key.encrypt(clean, context=number_context(customer_id, the_kind))
    row.lookup_hash = key.lookup_hash(f"{the_kind.value}:{clean}")
    row.last4 = clean[-4:]
    session.flush()
    return row


def customers_with_number(
    session: Session, *, key: DataKey, kind: NumberKind | str, number: str
) -> list[int]:
    """Ids of the customers holding this number (found by its keyed hash)."""
    the_kind = _kind(kind)
    digests = key.lookup_hashes(f"{the_kind.value}:{normalise_number(the_kind, number)}")
    return list(
        session.scalars(
            select(IdentityNumber.customer_id)
            .where(IdentityNumber.lookup_hash.in_(digests))
            .order_by(IdentityNumber.customer_id)
        )
    )


def read_numbers(session: Session, *, key: DataKey | None, customer_id: int) -> dict[str, str]:
    """The customer's numbers, decrypted (or masked to the last four without the key)."""
    rows = session.scalars(select(IdentityNumber).where(IdentityNumber.customer_id == customer_id))
    out = {}
    for row in rows:
        kind = NumberKind(row.kind)
        if key is None:
            out[row.kind] = "*" * 8 + row.last4
        else:
            out[row.kind] = key.decrypt(row.ciphertext, context=number_context(customer_id, kind))
    return out


def drop_numbers(session: Session, *, customer_id: int) -> int:
    result = session.execute(
        delete(IdentityNumber).where(IdentityNumber.customer_id == customer_id)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
