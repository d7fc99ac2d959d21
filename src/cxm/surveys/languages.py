"""The language to write to a customer in, where it is known: a ``language`` (or ``lang``)
attribute of the customer (from an import or the CRM), else the language they last
answered a survey in (each response keeps the language its form was shown in). Messages
to the customer use it instead of the language of whoever or whatever sends them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.customers.models import Customer
from cxm.i18n import normalise_language
from cxm.store.chunks import in_chunks
from cxm.surveys.models import Response

__all__ = ["known_language", "preferred_languages"]

_ATTRIBUTES = ("language", "lang", "语言")


def known_language(value: Any) -> str | None:
    """One of CXM's languages for a stored value (``zh_CN``, ``zh-Hant``, ``EN-gb`` …),
    or ``None`` for an empty or unrecognised one (which :func:`normalise_language` would
    quietly turn into English)."""
    if not isinstance(value, str) or not value.strip():
        return None
    v = value.strip().lower()
    if v.startswith(("zh", "en")) or v in ("中文", "简体中文", "繁體中文", "繁体中文"):
        if v in ("繁體中文", "繁体中文"):
            return "zh-TW"
        return normalise_language("zh" if v in ("中文", "简体中文") else value)
    return None


def preferred_languages(session: Session, customer_ids: Iterable[int]) -> dict[int, str]:
    """Customer id → the language to write to them in, for those whose language is known
    (customers missing from the result: use the sender's default)."""
    from cxm.store.bulk import ids_in

    ids = sorted({int(i) for i in customer_ids})
    if not ids:
        return {}
    dialect = session.get_bind().dialect.name
    out: dict[int, str] = {}
    latest: dict[int, Any] = {}
    for part in in_chunks(ids):
        for cid, attributes in session.execute(
            select(Customer.id, Customer.attributes).where(ids_in(dialect, Customer.id, part))
        ):
            for name in _ATTRIBUTES:
                lang = known_language((attributes or {}).get(name))
                if lang is not None:
                    out[int(cid)] = lang
                    break
        for row in session.execute(
            select(Response.customer_id, Response.language, Response.completed_at).where(
                ids_in(dialect, Response.customer_id, part), Response.completed_at.is_not(None)
            )
        ):
            customer, known = int(row[0] or 0), known_language(row[1])
            if known is None or customer in out:
                continue
            if customer not in latest or row[2] > latest[customer][0]:
                latest[customer] = (row[2], known)
    for cid, (_at, lang) in latest.items():
        out.setdefault(cid, lang)
    return out
