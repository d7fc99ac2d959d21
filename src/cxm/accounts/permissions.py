"""Who may do what, and over which part of the company: one table of role × capability →
widest scope, in code (rendered into ``docs/permissions.md`` by ``cxm users permissions``).

A user has a role and a scope of their own (with a team or org unit). What a user may do
with a capability is the narrower of the two: the table's ceiling for their role, and their
own scope. A role absent from a capability's row does not have it (403); a thing outside
the scope is not found (404).

Scopes, narrowest first:

- ``own``: the user's own cases and visits;
- ``team``: the user's team;
- ``teams_led``: the teams the user leads (as an employee linked to the account) and their
  sub-teams;
- ``unit``: every team of the user's region or branch (and the units below it);
- ``all``: the whole company.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "CAPABILITY_TEXT",
    "PERMISSIONS",
    "ROLE_TEXT",
    "SCOPE_TEXT",
    "Capability",
    "Role",
    "Scope",
    "ceiling",
    "effective_scope",
    "narrower",
    "render_markdown",
]


class Role(StrEnum):
    """A staff member's role. ``shopper`` records mystery-shopping visits only."""

    ADMIN = "admin"
    MANAGER = "manager"
    ANALYST = "analyst"
    LEAD = "lead"
    AGENT = "agent"
    VIEWER = "viewer"
    SHOPPER = "shopper"


class Scope(StrEnum):
    """How much of the company a user's rights reach, narrowest first."""

    OWN = "own"
    TEAM = "team"
    TEAMS_LED = "teams_led"
    UNIT = "unit"
    ALL = "all"


_ORDER = {s: i for i, s in enumerate(Scope)}


def narrower(a: Scope, b: Scope) -> Scope:
    """The narrower of two scopes."""
    return a if _ORDER[a] <= _ORDER[b] else b


class Capability(StrEnum):
    """Something a route or command does; each route declares the one it needs."""

    USE_ACCOUNT = "use_account"
    VIEW_REPORTS = "view_reports"
    VIEW_ORGANISATION = "view_organisation"
    SEE_MONEY = "see_money"
    SEE_VERBATIM = "see_verbatim"
    SEE_PERSONAL_DATA = "see_personal_data"
    SEE_EMPLOYEE_RESULTS = "see_employee_results"
    ACT_ON_CASES = "act_on_cases"
    SEND_SURVEYS = "send_surveys"
    RECORD_VISITS = "record_visits"
    CONFIGURE = "configure"
    IMPORT_DATA = "import_data"
    EXPORT = "export"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    MANAGE_PERSONAL_DATA = "manage_personal_data"
    OPERATE = "operate"


A, U, L, T, OWN = Scope.ALL, Scope.UNIT, Scope.TEAMS_LED, Scope.TEAM, Scope.OWN
R = Role

#: The one table: capability → {role: widest scope}. A role not listed lacks the capability.
PERMISSIONS: dict[Capability, dict[Role, Scope]] = {
    Capability.USE_ACCOUNT: dict.fromkeys(Role, OWN),
    Capability.VIEW_REPORTS: {R.ADMIN: A, R.MANAGER: A, R.ANALYST: A, R.LEAD: L, R.AGENT: T,
                              R.VIEWER: A},
    Capability.VIEW_ORGANISATION: {R.ADMIN: A, R.MANAGER: A, R.ANALYST: A, R.LEAD: L,
                                   R.AGENT: T},
    Capability.SEE_MONEY: {R.ADMIN: A, R.MANAGER: A, R.ANALYST: A},
    Capability.SEE_VERBATIM: {R.ADMIN: A, R.MANAGER: A, R.ANALYST: A, R.LEAD: L},
    Capability.SEE_PERSONAL_DATA: {R.ADMIN: A, R.MANAGER: U, R.ANALYST: A, R.LEAD: L,
                                   R.AGENT: T},
    Capability.SEE_EMPLOYEE_RESULTS: {R.ADMIN: A, R.MANAGER: A, R.LEAD: L},
    Capability.ACT_ON_CASES: {R.ADMIN: A, R.MANAGER: U, R.LEAD: L, R.AGENT: T},
    Capability.SEND_SURVEYS: {R.ADMIN: A, R.MANAGER: A, R.ANALYST: A, R.LEAD: L, R.AGENT: T},
    Capability.RECORD_VISITS: {R.ADMIN: A, R.SHOPPER: OWN},
    Capability.CONFIGURE: {R.ADMIN: A, R.ANALYST: A},
    Capability.IMPORT_DATA: {R.ADMIN: A, R.ANALYST: A},
    Capability.EXPORT: {R.ADMIN: A, R.MANAGER: A, R.ANALYST: A},
    Capability.MANAGE_USERS: {R.ADMIN: A},
    Capability.VIEW_AUDIT: {R.ADMIN: A},
    Capability.MANAGE_PERSONAL_DATA: {R.ADMIN: A},
    Capability.OPERATE: {R.ADMIN: A},
}  # fmt: skip

ROLE_TEXT: dict[Role, str] = {
    Role.ADMIN: "Runs the system: users, settings, everything.",
    Role.MANAGER: "Head office or regional management: results, money and cases of their part.",
    Role.ANALYST: "Designs surveys, segments and targets; analyses everything.",
    Role.LEAD: "Leads teams: their teams' results, comments, employees and cases.",
    Role.AGENT: "Works cases and follows up customers of their team.",
    Role.VIEWER: "Reads reports, nothing more.",
    Role.SHOPPER: "Records mystery-shopping visits only.",
}

SCOPE_TEXT: dict[Scope, str] = {
    Scope.OWN: "the user's own cases and visits",
    Scope.TEAM: "the user's team",
    Scope.TEAMS_LED: "the teams the user leads, with their sub-teams",
    Scope.UNIT: "the user's region or branch, with the units below it",
    Scope.ALL: "the whole company",
}

CAPABILITY_TEXT: dict[Capability, str] = {
    Capability.USE_ACCOUNT: "Sign out, see oneself, manage one's own API tokens.",
    Capability.VIEW_REPORTS: "Scores, response rates, segments, targets and reports.",
    Capability.VIEW_ORGANISATION: "Org units, teams, leads and members.",
    Capability.SEE_MONEY: "Profit, customer lifetime value, costs, investment plans.",
    Capability.SEE_VERBATIM: "Respondents' comments word for word.",
    Capability.SEE_PERSONAL_DATA: "Names, phone numbers, e-mail addresses, answers by person.",
    Capability.SEE_EMPLOYEE_RESULTS: "Results per employee (above the minimum group size).",
    Capability.ACT_ON_CASES: "Take, work and close complaint cases.",
    Capability.SEND_SURVEYS: "Send invitations and reminders.",
    Capability.RECORD_VISITS: "Record mystery-shopping visits.",
    Capability.CONFIGURE: "Questionnaires, waves, segments, targets and standards.",
    Capability.IMPORT_DATA: "Import customers, responses and the organisation.",
    Capability.EXPORT: "Download responses and invitation lists as files.",
    Capability.MANAGE_USERS: "Create staff accounts and change their roles.",
    Capability.VIEW_AUDIT: "Read the audit log.",
    Capability.MANAGE_PERSONAL_DATA: "Export or erase all that is held about one person "
    "(PIPL/GDPR requests) and apply the retention periods.",
    Capability.OPERATE: "Watch and queue background jobs; read the log of outbound sends.",
}


def ceiling(role: Role | str, capability: Capability | str) -> Scope | None:
    """The widest scope ``role`` has ``capability`` with, or None when it lacks it."""
    return PERMISSIONS[Capability(capability)].get(Role(role))


def effective_scope(role: Role | str, own: Scope | str, capability: Capability) -> Scope | None:
    """What a user of ``role`` with their ``own`` scope gets for ``capability``: the
    narrower of the two, or None when the role lacks the capability."""
    top = ceiling(role, capability)
    return None if top is None else narrower(Scope(own), top)


def render_markdown() -> str:
    """The table as Markdown, for ``docs/permissions.md`` (a test keeps the file current)."""
    from cxm.i18n import _

    roles = list(Role)
    lines = [
        "# " + _("Permissions"),
        "",
        _(
            "Generated from `src/cxm/accounts/permissions.py` by "
            "`cxm users permissions --markdown > docs/permissions.md`; do not edit by hand."
        ),
        "",
        _(
            "Each cell is the widest scope a role has a capability with; a user's own scope "
            "narrows it further. An empty cell: the role lacks the capability (403). Anything "
            "outside the scope answers 404."
        ),
        "",
        f"| {_('capability')} | "
        + " | ".join(r.value for r in roles)
        + f" | {_('what it allows')} |",
        "| --- | " + " | ".join("---" for _r in roles) + " | --- |",
    ]
    for cap, row in PERMISSIONS.items():
        cells = [row[r].value if r in row else "" for r in roles]
        text = _(CAPABILITY_TEXT[cap])
        lines.append(f"| `{cap.value}` | " + " | ".join(cells) + f" | {text} |")
    lines += ["", "## " + _("Roles"), ""]
    lines += [f"- `{r.value}`: {_(ROLE_TEXT[r])}" for r in roles]
    lines += ["", "## " + _("Scopes (narrowest first)"), ""]
    lines += [f"- `{s.value}`: {_(SCOPE_TEXT[s])}" for s in Scope]
    return "\n".join(lines) + "\n"
