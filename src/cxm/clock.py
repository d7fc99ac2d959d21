""" "Now", defined once.

Two clocks, for two kinds of work (DESIGN: analytics are reproducible, operations are not):

* **Analyses** (churn, CLV, retention, invest, segments, targets, the report) are "as of" a
  date: by default the last date in the data, or ``--as-of DATE``. Importing one more
  purchase then moves the analysis only when that purchase is the newest one, and an old
  analysis can be rerun exactly. A date before the first or after the last data date is
  refused (:func:`check_as_of`): there is nothing to see before the data starts, and after
  it ends every customer would look lost.
* **Operations** (quiet periods, case clocks, reminders, retention of personal data) use the
  wall clock, :func:`utc_now`.

Times are stored in UTC. Calendar dates a person sees or types ("today", a day's survey
count, ``--as-of``) are in the company time zone ``CXM_TIMEZONE`` (default Asia/Shanghai):
:func:`company_zone`, :func:`today`, :func:`to_company_time`.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cxm.errors import ConfigError, InputError
from cxm.i18n import _

__all__ = [
    "DEFAULT_TIMEZONE",
    "check_as_of",
    "company_zone",
    "parse_as_of",
    "to_company_time",
    "today",
    "utc_now",
]

#: The company time zone when ``CXM_TIMEZONE`` is not set.
DEFAULT_TIMEZONE = "Asia/Shanghai"


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            _(
                "Setting CXM_TIMEZONE: {value} is not a time zone name; use an IANA name such "
                "as Asia/Shanghai or Europe/Berlin.",
                value=name,
            )
        ) from None


def company_zone(name: str | None = None) -> ZoneInfo:
    """The company time zone: ``name``, else ``CXM_TIMEZONE``, else Asia/Shanghai."""
    return _zone(name or os.environ.get("CXM_TIMEZONE", "").strip() or DEFAULT_TIMEZONE)


def utc_now() -> datetime:
    """The wall clock in UTC (aware): what operational work and stored times use."""
    return datetime.now(UTC)


def to_company_time(moment: datetime, zone: str | None = None) -> datetime:
    """A stored time (UTC; a naive one is taken as UTC) in the company time zone."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(company_zone(zone))


def shown_time(
    moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M", zone: str | None = None
) -> str:
    """A stored time as people read it: the company's wall clock, to the minute (empty for
    None). Tables, messages and pages show times this way; JSON keeps the UTC instant."""
    return "" if moment is None else to_company_time(moment, zone).strftime(fmt)


def today(zone: str | None = None, *, now: datetime | None = None) -> date:
    """Today's date in the company time zone (at 07:00 Shanghai it is already tomorrow's
    date while UTC still says yesterday)."""
    return to_company_time(now or utc_now(), zone).date()


def parse_as_of(value: Any) -> date | None:
    """A ``--as-of`` value as a date (None stays None); a clear error for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(
            _("--as-of {value} is not a date; write it as YYYY-MM-DD.", value=value)
        ) from None


def check_as_of(requested: Any, *, first: date | None, last: date | None) -> date:
    """The date an analysis is made as of: ``requested`` when it lies within the data's
    ``[first, last]``, the last data date when none is requested.

    Raises :class:`~cxm.errors.InputError` when there is no data or the date lies outside it.
    """
    if last is None or first is None:
        raise InputError(_("There are no dated purchases or churn dates to analyse yet."))
    wanted = parse_as_of(requested)
    if wanted is None:
        return last
    if wanted < first:
        raise InputError(
            _(
                "--as-of {value} is before the first data date {first}: there is nothing "
                "to analyse then. Choose a date from {first} to {last}.",
                value=wanted,
                first=first,
                last=last,
            )
        )
    if wanted > last:
        raise InputError(
            _(
                "--as-of {value} is after the last data date {last}: every customer would "
                "look inactive. Choose a date from {first} to {last}, or import newer data.",
                value=wanted,
                first=first,
                last=last,
            )
        )
    return wanted
