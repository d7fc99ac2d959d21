"""Service levels per segment: case clocks per case type, cost to serve per customer-year
and the thresholds of service standards. Targets refer to them by id."""

from __future__ import annotations

from cxm.service_levels.models import ServiceClock, ServiceLevel
from cxm.service_levels.service import (
    ClockSpec,
    clock_for,
    costs_to_serve,
    list_service_levels,
    resolve_service_level,
    set_service_level,
)

__all__ = [
    "ClockSpec",
    "ServiceClock",
    "ServiceLevel",
    "clock_for",
    "costs_to_serve",
    "list_service_levels",
    "resolve_service_level",
    "set_service_level",
]
