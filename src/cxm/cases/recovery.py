"""Service recovery: apologise, correct at once, compensate, do more — and resolve.

Empowerment has limits: a role may grant compensation up to its authority limit on the
spot; above it, a supervisor whose own limit covers the amount approves, and the case is
counted among the resolutions that needed a supervisor. Bending a rule is allowed but
logged (which rule, why, approved by whom).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.accounts.models import StaffUser
from cxm.cases.codes import CaseType, Emotion, EventKind, RecoveryKind, SuggestionOutcome
from cxm.cases.followup import create_followup
from cxm.cases.models import AuthorityLimit, Case, RecoveryAction
from cxm.cases.service import _enum, _event, _guarded_update, act, get_case, stale
from cxm.cases.states import Action
from cxm.errors import InputError, NotFound, PermissionDenied
from cxm.i18n import _

__all__ = [
    "COMPANY_CURRENCY",
    "DEFAULT_LIMITS",
    "RecoverySpec",
    "authority_limit",
    "resolve_case",
    "set_authority_limit",
]

COMPANY_CURRENCY = "CNY"

#: Compensation a role may grant on the spot, in the company currency; None: no limit.
DEFAULT_LIMITS: dict[str, Decimal | None] = {
    "agent": Decimal("200"),
    "lead": Decimal("2000"),
    "manager": Decimal("20000"),
    "admin": None,
}


@dataclass(frozen=True)
class RecoverySpec:
    kind: RecoveryKind | str
    description: str | None = None
    amount: Decimal | float | str | None = None
    currency: str | None = None
    compensation_kind: str | None = None
    cost: Decimal | float | str | None = None
    exception_rule: str | None = None
    exception_reason: str | None = None


def _money(value: object, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InputError(_("{field}: not an amount: {value}.", field=field, value=value)) from None
    if not amount.is_finite() or amount < 0:
        raise InputError(_("{field}: must be zero or more, not {value}.", field=field, value=value))
    return amount.quantize(Decimal("0.01"))


def _role(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return "system"
    role = session.scalar(select(StaffUser.role).where(StaffUser.id == user_id))
    if role is None:
        raise NotFound(_("No staff user with id {id}.", id=user_id))
    return str(getattr(role, "value", role))


def authority_limit(session: Session, *, role: str, currency: str) -> Decimal | None:
    """The most compensation ``role`` may grant in ``currency``; None means no limit.
    A currency other than the company's needs a limit row of its own."""
    row = session.scalar(
        select(AuthorityLimit.max_amount).where(
            AuthorityLimit.role == role, AuthorityLimit.currency == currency
        )
    )
    if row is not None:
        return Decimal(row)
    if currency != COMPANY_CURRENCY:
        known = session.scalars(select(AuthorityLimit.currency).distinct()).all()
        raise InputError(
            _(
                "currency: {currency} is not a currency of this company "
                "(use {company} or one with authority limits: {known}).",
                currency=currency,
                company=COMPANY_CURRENCY,
                known=", ".join(sorted(set(known))) or "-",
            )
        )
    return DEFAULT_LIMITS.get(role, Decimal("0"))


def set_authority_limit(
    session: Session, *, role: str, currency: str, max_amount: Decimal | float | str
) -> AuthorityLimit:
    currency = currency.strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise InputError(_("currency: a three-letter ISO code, not {value}.", value=currency))
    amount = _money(max_amount, "max_amount")
    if amount is None:
        raise InputError(_("{field}: not an amount: {value}.", field="max_amount", value=""))
    row = session.scalar(
        select(AuthorityLimit).where(
            AuthorityLimit.role == role, AuthorityLimit.currency == currency
        )
    )
    if row is None:
        row = AuthorityLimit(role=role, currency=currency, max_amount=amount)
        session.add(row)
    else:
        row.max_amount = amount
    session.flush()
    return row


def _within(limit: Decimal | None, amount: Decimal) -> bool:
    return limit is None or amount <= limit


def resolve_case(
    session: Session,
    *,
    case_id: int,
    version: int,
    actor_user_id: int | None,
    recovery: Sequence[RecoverySpec] = (),
    note: str | None = None,
    emotion_out: Emotion | str | None = None,
    approved_by_user_id: int | None = None,
    outcome: SuggestionOutcome | str | None = None,
    outcome_note: str | None = None,
    now: datetime | None = None,
) -> Case:
    """Record the recovery actions and resolve the case, all or nothing."""
    at = now.astimezone(UTC) if now else datetime.now(UTC)
    case = get_case(session, case_id)
    if case.version != version:
        # Checked again by the guarded update; failing early writes no recovery rows.
        raise stale(case.id, version)
    actor_role = _role(session, actor_user_id)
    needs_supervisor = False
    rows: list[RecoveryAction] = []
    for i, spec in enumerate(recovery, start=1):
        kind = _enum(RecoveryKind, spec.kind, f"recovery[{i}].kind")
        amount = _money(spec.amount, f"recovery[{i}].amount")
        cost = _money(spec.cost, f"recovery[{i}].cost")
        currency = (spec.currency or COMPANY_CURRENCY).strip().upper()
        if kind == RecoveryKind.COMPENSATION:
            if amount is None:
                raise InputError(_("recovery[{i}]: compensation needs an amount.", i=i))
            if not _within(authority_limit(session, role=actor_role, currency=currency), amount):
                if approved_by_user_id is None:
                    raise PermissionDenied(
                        _(
                            "Compensation of {amount} {currency} is above what a {role} may "
                            "grant; a supervisor must approve it (approved_by).",
                            amount=amount,
                            currency=currency,
                            role=actor_role,
                        )
                    )
                approver_role = _role(session, approved_by_user_id)
                limit = authority_limit(session, role=approver_role, currency=currency)
                if approved_by_user_id == actor_user_id or not _within(limit, amount):
                    raise PermissionDenied(
                        _(
                            "approved_by: staff user {id} ({role}) may not approve "
                            "{amount} {currency}.",
                            id=approved_by_user_id,
                            role=approver_role,
                            amount=amount,
                            currency=currency,
                        )
                    )
                needs_supervisor = True
        elif amount is not None:
            raise InputError(_("recovery[{i}]: only compensation has an amount.", i=i))
        if bool(spec.exception_rule) != bool(spec.exception_reason):
            raise InputError(
                _("recovery[{i}]: an exception names both the rule bent and the reason.", i=i)
            )
        rows.append(
            RecoveryAction(
                case_id=case.id,
                kind=kind,
                description=spec.description,
                amount=amount,
                currency=currency if amount is not None else None,
                compensation_kind=spec.compensation_kind,
                cost=cost if cost is not None else (amount or Decimal("0")),
                granted_by_user_id=actor_user_id,
                approved_by_user_id=approved_by_user_id if needs_supervisor else None,
                exception_rule=spec.exception_rule,
                exception_reason=spec.exception_reason,
                at=at,
            )
        )
    out = _enum(SuggestionOutcome, outcome, "outcome")
    if out is not None and CaseType(case.type) != CaseType.SUGGESTION:
        raise InputError(_("outcome: only a suggestion ends as adopted or not adopted."))
    extra = {
        "emotion_out": _enum(Emotion, emotion_out, "emotion_out"),
        "needed_supervisor": case.needed_supervisor or needs_supervisor,
        "outcome": out,
        "outcome_note": outcome_note,
    }
    _guarded_update(session, case, version, {k: v for k, v in extra.items() if v is not None})
    for row in rows:
        session.add(row)
        _event(
            session,
            case.id,
            EventKind.EXCEPTION if row.exception_rule else EventKind.RECOVERY,
            actor=actor_user_id,
            at=at,
            note=row.description or row.exception_reason,
            data={
                "kind": row.kind.value,
                "amount": str(row.amount) if row.amount is not None else None,
                "currency": row.currency,
                "rule": row.exception_rule,
                "approved_by": row.approved_by_user_id,
            },
        )
    session.flush()
    resolved = act(
        session,
        case_id=case.id,
        action=Action.RESOLVE,
        version=case.version,
        actor_user_id=actor_user_id,
        note=note,
        now=at,
    )
    if CaseType(resolved.type) != CaseType.PRAISE:
        create_followup(session, case=resolved, now=at)
    return resolved
