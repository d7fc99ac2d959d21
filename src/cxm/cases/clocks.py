"""Case clocks: first-response and resolution deadlines, breaches and warnings.

The survey promises an answer "within 24 hours", so clocks count calendar hours by default;
a case type may count business hours on a :class:`~cxm.cases.calendar.WorkCalendar`
instead. Pure functions of a policy, the case's times and a calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from cxm.cases.calendar import WorkCalendar, china_calendar
from cxm.surveys.invitations import as_utc

__all__ = [
    "DEFAULT_POLICIES",
    "ClockPolicy",
    "ClockState",
    "clock_state",
    "company_calendar",
    "due_times",
]


@dataclass(frozen=True)
class ClockPolicy:
    """Targets for one service tier and case type."""

    first_response_hours: float
    resolution_hours: float
    business_hours: bool = False
    #: Warn when this share of the allowed time has passed (0.75: with a quarter left).
    warn_at: float = 0.75


#: CXM's defaults per service tier (issue 13): key accounts 4 h / 24 h, others 24 h / 72 h.
DEFAULT_POLICIES: dict[str, ClockPolicy] = {
    "key": ClockPolicy(4, 24),
    "default": ClockPolicy(24, 72),
}


def _calendar_for(start: datetime, calendar: WorkCalendar | None) -> WorkCalendar:
    if calendar is not None:
        return calendar
    return company_calendar(years=range(start.year, start.year + 2))


def company_calendar(*, years: range | list[int]) -> WorkCalendar:
    """Mainland China's calendar plus the company's override file (``CXM_CALENDAR_FILE``)."""
    from cxm.cases.calendar import load_override
    from cxm.config import load_settings

    path = load_settings().calendar_file
    return china_calendar(years=years, override=load_override(path) if path else None)


def _add(start: datetime, hours: float, policy: ClockPolicy, cal: WorkCalendar | None) -> datetime:
    if policy.business_hours:
        return _calendar_for(start, cal).add_hours(start, hours)
    return start + timedelta(hours=hours)


def due_times(
    opened_at: datetime, policy: ClockPolicy, calendar: WorkCalendar | None = None
) -> tuple[datetime, datetime]:
    """(first response due, resolution due) for a case opened at ``opened_at``."""
    return (
        _add(opened_at, policy.first_response_hours, policy, calendar),
        _add(opened_at, policy.resolution_hours, policy, calendar),
    )


ClockStatus = Literal["met", "breached", "breached_open", "warning", "running"]


@dataclass(frozen=True)
class ClockState:
    first_response: ClockStatus
    resolution: ClockStatus


def _one(
    opened_at: datetime, due: datetime, done_at: datetime | None, now: datetime, warn_at: float
) -> ClockStatus:
    opened_at, due, now = as_utc(opened_at), as_utc(due), as_utc(now)
    done_at = None if done_at is None else as_utc(done_at)
    if done_at is not None:
        return "met" if done_at <= due else "breached"
    if now > due:
        return "breached_open"
    allowed = (due - opened_at).total_seconds()
    if allowed > 0 and (now - opened_at).total_seconds() >= warn_at * allowed:
        return "warning"
    return "running"


def clock_state(
    *,
    opened_at: datetime,
    first_response_due: datetime,
    resolution_due: datetime,
    first_response_at: datetime | None,
    resolved_at: datetime | None,
    now: datetime,
    warn_at: float = 0.75,
) -> ClockState:
    """Where each clock of a case stands at ``now``. Elapsed shares are measured in calendar
    time between the stored moments (deadlines already carry business hours)."""
    return ClockState(
        _one(opened_at, first_response_due, first_response_at, now, warn_at),
        _one(opened_at, resolution_due, resolved_at, now, warn_at),
    )
