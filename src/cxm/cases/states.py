"""The case state machine as a table, checked when this module is imported.

new → acknowledged → in progress ⇄ waiting on customer → resolved → closed; a resolved or
closed case can be reopened. Every state is reachable from ``new`` and every state can reach
``closed`` (no trap states); :func:`_check` refuses a table that breaks either.
"""

from __future__ import annotations

from enum import StrEnum

from cxm.cases.codes import CaseStatus
from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["FIRST_RESPONSE_STATES", "TRANSITIONS", "Action", "next_status"]


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    START = "start"
    WAIT = "wait"
    RESUME = "resume"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"


S = CaseStatus

#: (from, action) → to.
TRANSITIONS: dict[tuple[CaseStatus, Action], CaseStatus] = {
    (S.NEW, Action.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.NEW, Action.START): S.IN_PROGRESS,
    (S.ACKNOWLEDGED, Action.START): S.IN_PROGRESS,
    (S.IN_PROGRESS, Action.WAIT): S.WAITING_ON_CUSTOMER,
    (S.WAITING_ON_CUSTOMER, Action.RESUME): S.IN_PROGRESS,
    (S.NEW, Action.RESOLVE): S.RESOLVED,
    (S.ACKNOWLEDGED, Action.RESOLVE): S.RESOLVED,
    (S.IN_PROGRESS, Action.RESOLVE): S.RESOLVED,
    (S.WAITING_ON_CUSTOMER, Action.RESOLVE): S.RESOLVED,
    (S.RESOLVED, Action.CLOSE): S.CLOSED,
    (S.RESOLVED, Action.REOPEN): S.IN_PROGRESS,
    (S.CLOSED, Action.REOPEN): S.IN_PROGRESS,
}

#: Leaving ``new`` by any of these counts as the first response to the customer.
FIRST_RESPONSE_STATES = frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS, S.RESOLVED})


def next_status(current: CaseStatus | str, action: Action | str) -> CaseStatus:
    """The status ``action`` leads to from ``current``; a forbidden move is an InputError."""
    try:
        key = (CaseStatus(current), Action(action))
    except ValueError:
        raise InputError(
            _("Unknown case status or action: {status}, {action}.", status=current, action=action)
        ) from None
    if key not in TRANSITIONS:
        allowed = sorted(a.value for (s, a) in TRANSITIONS if s == key[0])
        raise InputError(
            _(
                "A case that is {status} cannot take the action {action}; allowed: {allowed}.",
                status=key[0].value,
                action=key[1].value,
                allowed=", ".join(allowed) or "-",
            )
        )
    return TRANSITIONS[key]


def _reachable(start: CaseStatus, edges: dict[CaseStatus, set[CaseStatus]]) -> set[CaseStatus]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), set()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _check(table: dict[tuple[CaseStatus, Action], CaseStatus]) -> None:
    forward: dict[CaseStatus, set[CaseStatus]] = {}
    backward: dict[CaseStatus, set[CaseStatus]] = {}
    for (src, _action), dst in table.items():
        forward.setdefault(src, set()).add(dst)
        backward.setdefault(dst, set()).add(src)
    everything = set(CaseStatus)
    unreachable = everything - _reachable(S.NEW, forward)
    traps = everything - _reachable(S.CLOSED, backward)
    if unreachable or traps:
        raise RuntimeError(f"case states: unreachable {unreachable}, trap states {traps}")


_check(TRANSITIONS)
