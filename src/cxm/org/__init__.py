"""The organisation: org units, teams with leads, employees, and who serves each customer."""

from __future__ import annotations

from cxm.org.models import CustomerAssignment, Employee, OrgUnit, Team, UnitKind

__all__ = ["CustomerAssignment", "Employee", "OrgUnit", "Team", "UnitKind"]
