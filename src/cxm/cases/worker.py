"""The periodic pass of the closed loop: rules on new answers, follow-up answers, clock
warnings and escalations, follow-up sends and the closing of cases nobody answered.

Each step is set-based and guarded (``UPDATE … WHERE escalated_at IS NULL … RETURNING``),
so two workers running it at once warn, escalate and send each thing once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session

from cxm.cases.clocks import company_calendar
from cxm.cases.codes import CaseStatus, EventKind, Priority
from cxm.cases.models import Case, CaseEvent, CaseFollowUp
from cxm.config import Settings
from cxm.i18n import _
from cxm.store import Store
from cxm.store.chunks import in_chunks
from cxm.surveys.invitations import as_utc

__all__ = ["SweepResult", "calendar_warning", "check_clocks", "close_unanswered", "sweep"]

OPEN = (
    CaseStatus.NEW,
    CaseStatus.ACKNOWLEDGED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.WAITING_ON_CUSTOMER,
)
WARN_AT = 0.75
#: A resolved case whose follow-up is not answered in this time is closed.
ANSWER_WINDOW = timedelta(days=14)


def _events(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(CaseEvent), rows)


def check_clocks(session: Session, *, now: datetime) -> dict[str, int]:
    """Warn before a deadline, escalate once on a breach (priority urgent, to the lead)."""
    fr_breached = and_(Case.first_response_at.is_(None), Case.first_response_due < now)
    res_breached = Case.resolution_due < now
    escalated = session.execute(
        update(Case)
        .where(Case.status.in_(OPEN), Case.escalated_at.is_(None), or_(fr_breached, res_breached))
        .values(escalated_at=now, priority=Priority.URGENT, version=Case.version + 1)
        .returning(
            Case.id,
            Case.team_id,
            Case.owner_user_id,
            Case.first_response_at,
            Case.first_response_due,
            Case.resolution_due,
        )
        .execution_options(synchronize_session=False)
    ).all()
    leads = _team_leads(session, {r.team_id for r in escalated if r.team_id is not None})
    _events(
        session,
        [
            {
                "case_id": r.id,
                "at": now,
                "kind": EventKind.ESCALATED,
                "actor_user_id": None,
                "data": {
                    "clock": "resolution" if as_utc(r.resolution_due) < now else "first_response",
                    "owner": r.owner_user_id,
                    "team": r.team_id,
                    # Escalated to the lead of the owner's team (their staff account).
                    "lead_user_id": leads.get(r.team_id) if r.team_id is not None else None,
                },
            }
            for r in escalated
        ],
    )
    # Warn when WARN_AT of the resolution time has passed: opened + 0.75 (due - opened).
    candidates = session.execute(
        select(Case.id, Case.opened_at, Case.resolution_due).where(
            Case.status.in_(OPEN),
            Case.warned_at.is_(None),
            Case.escalated_at.is_(None),
            Case.resolution_due >= now,
        )
    ).all()
    due_ids = [
        r.id
        for r in candidates
        if as_utc(r.opened_at) + WARN_AT * (as_utc(r.resolution_due) - as_utc(r.opened_at)) <= now
    ]
    warned: list[Any] = []
    for part in in_chunks(due_ids):
        warned += session.execute(
            update(Case)
            .where(Case.id.in_(part), Case.warned_at.is_(None))
            .values(warned_at=now)
            .returning(Case.id, Case.resolution_due)
            .execution_options(synchronize_session=False)
        ).all()
    _events(
        session,
        [
            {
                "case_id": r.id,
                "at": now,
                "kind": EventKind.WARNING,
                "actor_user_id": None,
                "data": {"due": as_utc(r.resolution_due).isoformat()},
            }
            for r in warned
        ],
    )
    return {"escalated": len(escalated), "warned": len(warned)}


def _team_leads(session: Session, team_ids: set[int]) -> dict[int, int | None]:
    """Team id → the staff account of its lead (None where the lead has none)."""
    from cxm.org.models import Employee, Team

    if not team_ids:
        return {}
    rows = session.execute(
        select(Team.id, Employee.staff_user_id)
        .outerjoin(Employee, Employee.id == Team.lead_id)
        .where(Team.id.in_(sorted(team_ids)))
    )
    return {int(t): (None if u is None else int(u)) for t, u in rows}


def close_unanswered(session: Session, *, now: datetime) -> int:
    """Close resolved cases whose follow-up went unanswered for the answer window."""
    stale = select(CaseFollowUp.case_id).where(
        CaseFollowUp.answered_at.is_(None), CaseFollowUp.sent_at < now - ANSWER_WINDOW
    )
    closed = session.execute(
        update(Case)
        .where(Case.status == CaseStatus.RESOLVED, Case.id.in_(stale))
        .values(status=CaseStatus.CLOSED, closed_at=now, version=Case.version + 1)
        .returning(Case.id)
        .execution_options(synchronize_session=False)
    ).all()
    _events(
        session,
        [
            {
                "case_id": r.id,
                "at": now,
                "kind": EventKind.STATUS,
                "actor_user_id": None,
                "from_status": "resolved",
                "to_status": "closed",
                "note": "follow-up unanswered",
                "data": {"action": "close"},
            }
            for r in closed
        ],
    )
    return len(closed)


def calendar_warning(today: date, *, days: int = 30) -> str | None:
    """A warning when the published holiday calendar ends within ``days``."""
    cal = company_calendar(years=range(today.year, today.year + 2))
    ends = cal.runs_out_on()
    if ends is not None and ends - today <= timedelta(days=days):
        return _(
            "The holiday calendar is published only until {date}: add next year's days off "
            "and make-up working days (CXM_CALENDAR_FILE, see cxm cases calendar) before "
            "business-hour clocks pass that date.",
            date=ends.isoformat(),
        )
    return None


@dataclass
class SweepResult:
    rules: dict[str, int] = field(default_factory=dict)
    followups: dict[str, int] = field(default_factory=dict)
    clocks: dict[str, int] = field(default_factory=dict)
    closed_unanswered: int = 0
    sent: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def sweep(
    store: Store, settings: Settings, *, now: datetime | None = None, worker: str = "cli"
) -> SweepResult:
    """One pass of every periodic step; each in its own transaction."""
    from cxm.cases.followup import collect_answers, send_followups
    from cxm.cases.rules import run_rules

    at = now or datetime.now(UTC)
    out = SweepResult()
    with store.session() as s:
        out.rules = run_rules(s, now=at)
    with store.session() as s:
        out.followups = collect_answers(s, now=at)
    with store.session() as s:
        out.clocks = check_clocks(s, now=at)
    with store.session() as s:
        out.closed_unanswered = close_unanswered(s, now=at)
    from cxm.surveys.mail import channel_settings

    if settings.smtp_host or channel_settings(settings).sms_url:
        counts = send_followups(store, settings, worker=worker, now=at)
        out.sent = {
            "sent": counts.sent,
            "by_sms": counts.by_sms,
            "no_email": counts.no_email,
            "no_consent": counts.no_consent,
            "failed": counts.failed,
        }
    else:
        out.warnings.append(
            _("No SMTP server or SMS gateway is set: follow-up surveys are not being sent.")
        )
    warning = calendar_warning(at.date())
    if warning:
        out.warnings.append(warning)
    return out
