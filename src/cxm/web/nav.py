"""The staff workspace's navigation: one table of every page with the capability that opens it.

Each entry names the capability and the mode its route declares with
:func:`cxm.web.permissions.Require`; a user sees a link exactly when their role and scope would
be let through (``company`` pages need the capability over the whole company). A test checks
that every entry whose page exists declares the same capability and mode as its route, so the
menu never offers a page that answers 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cxm.accounts.models import StaffUser
from cxm.accounts.permissions import Capability, Scope, effective_scope
from cxm.i18n import _

__all__ = ["NAV", "NavItem", "may_open", "nav_for"]


@dataclass(frozen=True, slots=True)
class NavItem:
    """One link of the menu: ``mode`` as in ``Require`` (company, filters or shared)."""

    path: str
    label: Callable[[], str]
    capability: Capability
    mode: str


#: Every page of the staff workspace, in menu order (the agreed URLs of the workspace).
NAV: tuple[NavItem, ...] = (
    NavItem("/staff/", lambda: _("Dashboard"),
            Capability.USE_ACCOUNT, "shared"),
    NavItem("/staff/cases", lambda: _("Cases"),
            Capability.ACT_ON_CASES, "filters"),
    NavItem("/staff/customers", lambda: _("Customer files"),
            Capability.SEE_PERSONAL_DATA, "filters"),
    NavItem("/staff/reports", lambda: _("Reports"),
            Capability.VIEW_REPORTS, "company"),
    NavItem("/staff/waves", lambda: _("Survey waves"),
            Capability.VIEW_REPORTS, "filters"),
    NavItem("/staff/texts", lambda: _("What customers say"),
            Capability.SEE_VERBATIM, "company"),
    NavItem("/staff/standards", lambda: _("Service standards"),
            Capability.VIEW_REPORTS, "company"),
    NavItem("/staff/people", lambda: _("People"),
            Capability.VIEW_REPORTS, "filters"),
    NavItem("/staff/questionnaires", lambda: _("Questionnaires"),
            Capability.VIEW_REPORTS, "shared"),
    NavItem("/staff/segments", lambda: _("Segments"),
            Capability.VIEW_REPORTS, "shared"),
    NavItem("/staff/targets", lambda: _("Targets"),
            Capability.VIEW_REPORTS, "shared"),
    NavItem("/staff/shopping/new", lambda: _("Mystery shopping"),
            Capability.RECORD_VISITS, "shared"),
    NavItem("/staff/users", lambda: _("Users"),
            Capability.MANAGE_USERS, "company"),
    NavItem("/staff/audit", lambda: _("Audit log"),
            Capability.VIEW_AUDIT, "company"),
)  # fmt: skip


def may_open(user: StaffUser, item: NavItem) -> bool:
    """True when ``user``'s role and scope pass the route's ``Require`` (as in the table)."""
    scope = effective_scope(user.role, user.scope, item.capability)
    if scope is None:
        return False
    return item.mode != "company" or scope is Scope.ALL


def nav_for(user: StaffUser | None, current_path: str = "") -> list[dict[str, object]]:
    """The links ``user`` may open, in menu order, the current page marked."""
    if user is None:
        return []
    out: list[dict[str, object]] = []
    for item in NAV:
        if not may_open(user, item):
            continue
        here = current_path == item.path or (
            item.path != "/staff/" and current_path.startswith(item.path.rstrip("/") + "/")
        )
        out.append({"path": item.path, "label": item.label(), "current": here})
    return out
