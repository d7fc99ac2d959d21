"""Working calendars for business-hours clocks.

Mainland China moves working days around its public holidays: a holiday week is paid for
by "make-up" working days that fall on a Saturday or Sunday (调休). The ``holidays`` package
records both (``holidays.China`` and its ``weekend_workdays``), from each year's State
Council notice. Next year's notice comes out only late in the year, so an admin can add
days off and working days in a YAML override, and :meth:`WorkCalendar.runs_out_on` says when
the published schedule ends (the worker warns 30 days before).

Everything here is a pure function of dates: no clock, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["WorkCalendar", "china_calendar", "load_override"]


@cache
def _china(years: tuple[int, ...]) -> tuple[frozenset[date], frozenset[date], int]:
    import holidays

    cn = holidays.country_holidays("CN", years=years)
    days_off = frozenset(cn.keys())
    workdays = frozenset(getattr(cn, "weekend_workdays", set()))
    # The last year the package has a published schedule for: a year with make-up working
    # days (every recent notice has some) or special holidays.
    special = getattr(cn, "special_public_holidays", {}) or {}
    known = {d.year for d in workdays} | {int(y) for y in special}
    return days_off, workdays, max(known) if known else max(years)


@dataclass(frozen=True)
class WorkCalendar:
    """Working hours on working days in one time zone.

    A day is a working day when it is a weekday that is not a day off, or a make-up working
    day; the override's lists win over the published ones.
    """

    zone: str = "Asia/Shanghai"
    opens: time = time(9, 0)
    closes: time = time(18, 0)
    days_off: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)
    published_until: int | None = None

    def __post_init__(self) -> None:
        if self.closes <= self.opens:
            raise InputError(_("Working hours must close after they open."))
        try:
            ZoneInfo(self.zone)
        except (KeyError, ValueError):
            raise InputError(_("Unknown time zone {zone}.", zone=self.zone)) from None

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.days_off:
            return False
        return day.weekday() < 5

    def runs_out_on(self) -> date | None:
        """The last day the published schedule covers (31 December of its last year)."""
        return None if self.published_until is None else date(self.published_until, 12, 31)

    def _day_window(self, day: date) -> tuple[datetime, datetime]:
        tz = ZoneInfo(self.zone)
        return (
            datetime.combine(day, self.opens, tzinfo=tz),
            datetime.combine(day, self.closes, tzinfo=tz),
        )

    def add_hours(self, start: datetime, hours: float) -> datetime:
        """The moment ``hours`` working hours after ``start`` (aware; returned in UTC)."""
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if hours < 0:
            raise InputError(_("A clock cannot run backwards ({hours} h).", hours=hours))
        left = timedelta(hours=hours)
        local = start.astimezone(ZoneInfo(self.zone))
        day = local.date()
        for _i in range(3700):  # ten years of days: a calendar with no working day stops here
            if self.is_working_day(day):
                lo, hi = self._day_window(day)
                begin = max(lo, local)
                if begin < hi:
                    if begin + left <= hi:
                        return (begin + left).astimezone(ZoneInfo("UTC"))
                    left -= hi - begin
            day += timedelta(days=1)
            local = datetime.combine(day, time(0), tzinfo=ZoneInfo(self.zone))
        raise InputError(_("The working calendar has no working hours in ten years."))

    def hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours between two aware moments (0 when end is not after start)."""
        if end <= start:
            return 0.0
        tz = ZoneInfo(self.zone)
        a, b = start.astimezone(tz), end.astimezone(tz)
        total = timedelta(0)
        day = a.date()
        while day <= b.date():
            if self.is_working_day(day):
                lo, hi = self._day_window(day)
                seg = min(hi, b) - max(lo, a)
                if seg > timedelta(0):
                    total += seg
            day += timedelta(days=1)
        return total.total_seconds() / 3600.0


def _dates(values: Iterable[Any], what: str) -> frozenset[date]:
    out = set()
    for v in values or ():
        if isinstance(v, date):
            out.add(v)
            continue
        try:
            out.add(date.fromisoformat(str(v)))
        except ValueError:
            raise InputError(
                _(
                    "Calendar override: {what} has a date that is not YYYY-MM-DD: {value}.",
                    what=what,
                    value=v,
                )
            ) from None
    return frozenset(out)


def load_override(path: str | Path) -> Mapping[str, Any]:
    """Read an override file: ``days_off: [...]``, ``workdays: [...]``, optional ``opens``,
    ``closes`` (HH:MM), ``zone`` and ``published_until`` (a year)."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(
            _("Cannot read the calendar file {path}: {error}", path=path, error=exc)
        ) from None
    if not isinstance(data, dict):
        raise InputError(_("The calendar file {path} must be a mapping.", path=path))
    unknown = set(data) - {"days_off", "workdays", "opens", "closes", "zone", "published_until"}
    if unknown:
        raise InputError(
            _("The calendar file has unknown keys: {keys}.", keys=", ".join(sorted(unknown)))
        )
    return data


def china_calendar(
    *, years: Iterable[int], override: Mapping[str, Any] | None = None, zone: str | None = None
) -> WorkCalendar:
    """Mainland China's calendar for ``years`` with its make-up working days, plus an
    override (see :func:`load_override`)."""
    ys = tuple(sorted(set(years)))
    days_off, workdays, published = _china(ys)
    o = dict(override or {})
    extra_off = _dates(o.get("days_off", ()), "days_off")
    extra_work = _dates(o.get("workdays", ()), "workdays")
    both = extra_off & extra_work
    if both:
        raise InputError(
            _(
                "The calendar override lists {day} both as a day off and as a working day.",
                day=min(both).isoformat(),
            )
        )
    kwargs: dict[str, Any] = {}
    for key in ("opens", "closes"):
        if key in o:
            try:
                kwargs[key] = time.fromisoformat(str(o[key]))
            except ValueError:
                raise InputError(
                    _("Calendar override: {key} is not HH:MM: {value}.", key=key, value=o[key])
                ) from None
    until = published
    if "published_until" in o:
        until = int(o["published_until"])
    return WorkCalendar(
        zone=zone or str(o.get("zone", "Asia/Shanghai")),
        days_off=(days_off - extra_work) | extra_off,
        workdays=(workdays - extra_off) | extra_work,
        published_until=until,
        **kwargs,
    )
