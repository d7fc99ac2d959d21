"""The case state machine: a table checked at import, forbidden moves refused."""

from __future__ import annotations

import pytest

from cxm.cases import states
from cxm.cases.codes import CaseStatus
from cxm.cases.states import TRANSITIONS, Action, next_status
from cxm.errors import InputError


def test_the_happy_path_leads_from_new_to_closed() -> None:
    s = CaseStatus.NEW
    for action in ("acknowledge", "start", "wait", "resume", "resolve", "close"):
        s = next_status(s, action)
    assert s == CaseStatus.CLOSED


def test_a_closed_case_can_be_reopened_into_progress() -> None:
    assert next_status("closed", "reopen") == CaseStatus.IN_PROGRESS
    assert next_status("resolved", "reopen") == CaseStatus.IN_PROGRESS


@pytest.mark.parametrize(
    ("status", "action"),
    [("new", "close"), ("closed", "resolve"), ("resolved", "wait"), ("new", "reopen")],
)
def test_it_refuses_a_move_the_table_forbids(status: str, action: str) -> None:
    with pytest.raises(InputError, match="cannot take the action"):
        next_status(status, action)


def test_unknown_codes_are_a_clear_error() -> None:
    with pytest.raises(InputError, match="Unknown case status or action"):
        next_status("open", "resolve")


def test_every_state_is_reachable_and_none_is_a_trap() -> None:
    states._check(TRANSITIONS)  # the import already did this; the table as shipped passes
    broken = {k: v for k, v in TRANSITIONS.items() if k[0] != CaseStatus.WAITING_ON_CUSTOMER}
    with pytest.raises(RuntimeError, match="trap"):
        states._check(broken)
    no_wait = {k: v for k, v in TRANSITIONS.items() if k[1] != Action.WAIT}
    with pytest.raises(RuntimeError, match="unreachable"):
        states._check(no_wait)
