"""Retention: each kind of data is kept for a set number of days, then removed or
stripped of identity. :func:`enforce_retention` is a plain function (a scheduled job calls
it; ``cxm privacy retention --apply`` runs it by hand); without ``apply`` it only counts.

Kinds (``CXM_RETENTION_DAYS``, JSON; a kind not named is kept for good):

- ``responses``: survey responses started longer ago lose their link to the customer and
  their open texts; the numbers stay, so trends over the years still add up.
- ``touchpoints``: deleted (answers that referred to one keep their numbers).
- ``purchases``: deleted.
- ``inactive_customers``: customers churned longer ago are erased as on request.
- ``login_attempts``: sign-in records deleted.
- ``privacy_log``: entries of the privacy log deleted.
- ``backups``: ``cxm-backup-*`` files in CXM_BACKUP_DIR deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from cxm.accounts.login_models import LoginAttempt
from cxm.customers.codes import CustomerStatus
from cxm.customers.models import Customer, Purchase, Touchpoint
from cxm.errors import InputError
from cxm.i18n import _
from cxm.privacy.erase import erase_customers
from cxm.privacy.log import log_action
from cxm.privacy.models import PrivacyLogEntry
from cxm.store.backup import prune_backups
from cxm.store.base import utcnow
from cxm.surveys.models import Answer, Invitation, Response

__all__ = ["KINDS", "RetentionReport", "check_retention", "enforce_retention"]

KINDS = (
    "responses",
    "touchpoints",
    "purchases",
    "inactive_customers",
    "login_attempts",
    "privacy_log",
    "backups",
)


@dataclass
class RetentionReport:
    applied: bool
    now: datetime
    #: Rows (or files) past their retention, per kind: removed when ``applied``.
    due: dict[str, int] = field(default_factory=dict)
    days: dict[str, int] = field(default_factory=dict)


def check_retention(days: Mapping[str, int]) -> dict[str, int]:
    """The settings, checked: known kinds, at least one day each."""
    out = {}
    for kind, n in days.items():
        if kind not in KINDS:
            raise InputError(
                _(
                    "Unknown retention kind {kind}: use one of {kinds}.",
                    kind=kind,
                    kinds=", ".join(KINDS),
                )
            )
        if not isinstance(n, int) or n < 1:
            raise InputError(
                _(
                    "Retention of {kind} must be a whole number of days ≥ 1, got {n}.",
                    kind=kind,
                    n=str(n),
                )
            )
        out[kind] = n
    return out


def _count(session: Session, query: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def enforce_retention(
    session: Session,
    *,
    days: Mapping[str, int],
    apply: bool,
    done_by: str,
    backup_dir: Path | None = None,
    now: datetime | None = None,
) -> RetentionReport:
    """Count (and with ``apply``, remove) the data kept longer than its retention."""
    now = now or utcnow()
    days = check_retention(days)
    report = RetentionReport(applied=apply, now=now, days=dict(days))

    def cutoff(kind: str) -> datetime:
        return now - timedelta(days=days[kind])

    if "responses" in days:
        old = select(Response.id).where(
            Response.started_at < cutoff("responses"), Response.customer_id.is_not(None)
        )
        report.due["responses"] = _count(session, old)
        if apply and report.due["responses"]:
            ids = select(old.subquery().c.id)
            session.execute(
                update(Answer)
                .where(Answer.response_id.in_(ids), Answer.text.is_not(None))
                .values(text=None)
            )
            session.execute(
                update(Invitation)
                .where(
                    Invitation.id.in_(select(Response.invitation_id).where(Response.id.in_(ids)))
                )
                .values(customer_id=None)
            )
            session.execute(update(Response).where(Response.id.in_(ids)).values(customer_id=None))
    if "touchpoints" in days:
        old_tp = select(Touchpoint.id).where(Touchpoint.occurred_at < cutoff("touchpoints"))
        report.due["touchpoints"] = _count(session, old_tp)
        if apply and report.due["touchpoints"]:
            tp_ids = select(old_tp.subquery().c.id)
            for table in (Response, Invitation):
                session.execute(
                    update(table).where(table.touchpoint_id.in_(tp_ids)).values(touchpoint_id=None)
                )
            session.execute(delete(Touchpoint).where(Touchpoint.id.in_(tp_ids)))
    if "purchases" in days:
        old_p = select(Purchase.id).where(Purchase.purchased_on < cutoff("purchases").date())
        report.due["purchases"] = _count(session, old_p)
        if apply and report.due["purchases"]:
            session.execute(
                delete(Purchase).where(Purchase.purchased_on < cutoff("purchases").date())
            )
    if "inactive_customers" in days:
        gone = list(
            session.scalars(
                select(Customer.id).where(
                    Customer.status == CustomerStatus.CHURNED,
                    Customer.churned_on < cutoff("inactive_customers").date(),
                    Customer.external_id.not_like("erased-%"),
                )
            )
        )
        report.due["inactive_customers"] = len(gone)
        if apply and gone:
            erase_customers(session, references=[f"#{i}" for i in gone], done_by=done_by)
    if "login_attempts" in days:
        old_a = select(LoginAttempt.id).where(LoginAttempt.at < cutoff("login_attempts"))
        report.due["login_attempts"] = _count(session, old_a)
        if apply:
            session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff("login_attempts")))
    if "privacy_log" in days:
        old_l = select(PrivacyLogEntry.id).where(PrivacyLogEntry.at < cutoff("privacy_log"))
        report.due["privacy_log"] = _count(session, old_l)
        if apply:
            session.execute(
                delete(PrivacyLogEntry).where(PrivacyLogEntry.at < cutoff("privacy_log"))
            )
    if "backups" in days and backup_dir is not None:
        limit = cutoff("backups")
        files = (
            [
                p
                for p in Path(backup_dir).glob("cxm-backup-*")
                if p.is_file() and p.stat().st_mtime < limit.timestamp()
            ]
            if Path(backup_dir).is_dir()
            else []
        )
        report.due["backups"] = len(files)
        if apply and files:
            prune_backups(Path(backup_dir), keep_days=days["backups"], now=now)
    if apply:
        log_action(
            session,
            action="retention",
            customer_id=None,
            done_by=done_by,
            report={"due": report.due, "days": report.days},
        )
    return report
