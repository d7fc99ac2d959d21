"""Editing a customer's contact details and preferences from the workspace, audited.

The audit entry names the fields that changed, never their values (the audit log holds
ids only: it is kept longer than personal data may be)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from cxm.audit.service import record
from cxm.customers.models import Customer
from cxm.errors import NotFound, Problem, ValidationFailed
from cxm.i18n import _

__all__ = ["ContactEdit", "update_contact"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()\-]{5,30}$")


@dataclass(frozen=True, slots=True)
class ContactEdit:
    name: str | None
    phone: str | None
    email: str | None
    preferences: Sequence[str]


def _blank(value: str | None) -> str | None:
    v = (value or "").strip()
    return v or None


def _check(edit: ContactEdit) -> list[Problem]:
    problems = []
    name, phone, email = _blank(edit.name), _blank(edit.phone), _blank(edit.email)
    if name is not None and len(name) > 200:
        problems.append(Problem(None, "name", name[:40], _("at most 200 characters")))
    if phone is not None and not _PHONE.match(phone):
        problems.append(
            Problem(None, "phone", phone[:40], _("digits, spaces, +, ( ) and - only (5–30)"))
        )
    if email is not None and (len(email) > 254 or not _EMAIL.match(email)):
        problems.append(Problem(None, "email", email[:40], _("not an e-mail address")))
    problems.extend(
        Problem(None, "preferences", p[:40], _("at most 100 characters"))
        for p in edit.preferences
        if len(p) > 100
    )
    return problems


def update_contact(
    session: Session, *, customer_id: int, edit: ContactEdit, actor_id: int | None
) -> list[str]:
    """Change name, phone, e-mail and preferences; returns the fields that changed.
    Invalid input changes nothing (:class:`ValidationFailed` names each field)."""
    c = session.get(Customer, customer_id)
    if c is None:
        raise NotFound(_("No customer {id}.", id=customer_id))
    problems = _check(edit)
    if problems:
        raise ValidationFailed(
            _("{n} fields are not valid; nothing was changed.", n=len(problems)), problems
        )
    changed = []
    for field, value in (
        ("name", _blank(edit.name)),
        ("phone", _blank(edit.phone)),
        ("email", _blank(edit.email)),
    ):
        if getattr(c, field) != value:
            setattr(c, field, value)
            changed.append(field)
    prefs = list(dict.fromkeys(p.strip() for p in edit.preferences if p.strip()))
    attrs = dict(c.attributes or {})
    if list(attrs.get("preferences") or []) != prefs:
        attrs["preferences"] = prefs
        c.attributes = attrs
        changed.append("preferences")
    if changed:
        session.flush()
        record(
            session,
            actor_id=actor_id,
            action="edit_contact",
            entity="customer",
            entity_id=c.id,
            after={"fields": changed},
        )
    return changed
