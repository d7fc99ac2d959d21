"""Cases through their services on SQLite and PostgreSQL: one owner, an append-only
history, optimistic versions, hand-offs counted, recovery within authority limits."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from cxm.cases.codes import CaseStatus, EventKind
from cxm.cases.models import Case, CaseEvent, CaseFollowUp, RecoveryAction
from cxm.cases.recovery import RecoverySpec, resolve_case, set_authority_limit
from cxm.cases.service import act, add_note, hand_over, open_case
from cxm.customers.models import Team
from cxm.errors import Conflict, InputError, NotFound, PermissionDenied
from cxm.store import Store
from tests.case_factories import T0, staff
from tests.survey_factories import add_customers


@pytest.fixture
def people(store: Store) -> dict[str, int]:
    add_customers(store, 3)
    ids = staff(store)
    with store.session() as s:
        s.add_all([Team(name="Service desk"), Team(name="Billing")])
    return ids


def _open(store: Store, people: dict[str, int], **kw: object) -> tuple[int, int]:
    with store.session() as s:
        args: dict[str, object] = {
            "customer": "C00001",
            "type": "complaint",
            "subject": "Delivery two weeks late",
            "emotion": "angry",
            "faults": ["indifference"],
            "owner_user_id": people["carol"],
            "team_id": 1,
            "actor_user_id": people["carol"],
            "now": T0,
        }
        args.update(kw)
        case, _new = open_case(s, **args)  # type: ignore[arg-type]
        return case.id, case.version


def test_a_case_gets_clocks_from_its_tier_and_a_history(
    store: Store, people: dict[str, int]
) -> None:
    cid, version = _open(store, people)
    with store.session() as s:
        case = s.get(Case, cid)
        assert case is not None and version == 1 and case.status == CaseStatus.NEW
        assert case.tier == "default"
        assert case.first_response_due - case.opened_at == timedelta(hours=24)
        assert case.resolution_due - case.opened_at == timedelta(hours=72)
        kinds = [e.kind for e in case.events]
    assert kinds == [EventKind.CREATED]


def test_the_same_source_key_opens_one_case(store: Store, people: dict[str, int]) -> None:
    first, _v = _open(store, people, source="rule", source_key="rule:x:response:1")
    again, _v = _open(store, people, source="rule", source_key="rule:x:response:1")
    assert first == again
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1


def test_moves_are_versioned_and_a_stale_version_is_refused(
    store: Store, people: dict[str, int]
) -> None:
    cid, v = _open(store, people)
    with store.session() as s:
        case = act(
            s,
            case_id=cid,
            action="acknowledge",
            version=v,
            actor_user_id=people["carol"],
            now=T0 + timedelta(hours=1),
        )
        assert case.version == 2 and case.first_response_at is not None
    # dave read version 1 too: his move loses and nothing of it is written.
    with pytest.raises(Conflict, match="changed by someone else"), store.session() as s:
        act(s, case_id=cid, action="start", version=v, actor_user_id=people["dave"])
    with store.session() as s:
        case = s.get(Case, cid)
        assert case is not None and case.status == CaseStatus.ACKNOWLEDGED
        assert s.scalar(select(func.count()).select_from(CaseEvent)) == 2


def test_a_forbidden_move_is_refused(store: Store, people: dict[str, int]) -> None:
    cid, v = _open(store, people)
    with pytest.raises(InputError, match="cannot take the action close"), store.session() as s:
        act(s, case_id=cid, action="close", version=v, actor_user_id=None)


def test_a_contact_note_counts_as_the_first_response(store: Store, people: dict[str, int]) -> None:
    cid, _v = _open(store, people)
    with store.session() as s:
        add_note(
            s,
            case_id=cid,
            actor_user_id=people["carol"],
            note="Called back, apologised",
            contact=True,
            now=T0 + timedelta(minutes=30),
        )
    with store.session() as s:
        case = s.get(Case, cid)
        assert case is not None and case.first_response_at is not None
    with pytest.raises(InputError, match="empty"), store.session() as s:
        add_note(s, case_id=cid, actor_user_id=None, note="  ")


def test_handing_over_to_another_team_is_the_department_fault(
    store: Store, people: dict[str, int]
) -> None:
    cid, v = _open(store, people)
    with store.session() as s:
        case = hand_over(
            s,
            case_id=cid,
            version=v,
            actor_user_id=people["carol"],
            reason="Owner on leave",
            to_user_id=people["dave"],
        )
        assert case.handoffs == 1 and "department_to_department" not in case.faults
        case = hand_over(
            s,
            case_id=cid,
            version=case.version,
            actor_user_id=people["dave"],
            reason="It is about an invoice",
            to_team_id=2,
        )
        assert case.handoffs == 2 and case.team_id == 2
        assert "department_to_department" in case.faults
    with pytest.raises(InputError, match="needs a reason"), store.session() as s:
        hand_over(s, case_id=cid, version=3, actor_user_id=None, reason="", to_team_id=1)


def test_bad_input_names_the_field(store: Store, people: dict[str, int]) -> None:
    with pytest.raises(NotFound, match="No customer"):
        _open(store, people, customer="NOPE")
    with pytest.raises(InputError, match="emotion: unknown value furious"):
        _open(store, people, emotion="furious")
    with pytest.raises(InputError, match="faults: unknown value rude"):
        _open(store, people, faults=["rude"])
    with pytest.raises(NotFound, match="owner: no staff user"):
        _open(store, people, owner_user_id=999)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_an_agent_compensates_within_the_limit_and_the_follow_up_is_prepared(
    store: Store, people: dict[str, int]
) -> None:
    cid, v = _open(store, people)
    with store.session() as s:
        case = resolve_case(
            s,
            case_id=cid,
            version=v,
            actor_user_id=people["carol"],
            emotion_out="happy",
            recovery=[
                RecoverySpec("apology", description="Sorry"),
                RecoverySpec("compensation", amount="150", compensation_kind="voucher"),
            ],
        )
        assert case.status == CaseStatus.RESOLVED and not case.needed_supervisor
        assert s.scalar(select(func.sum(RecoveryAction.cost))) == Decimal("150.00")
        fu = s.scalar(select(CaseFollowUp).where(CaseFollowUp.case_id == cid))
        assert fu is not None and fu.round == 1


def test_above_the_limit_a_supervisor_approves(store: Store, people: dict[str, int]) -> None:
    cid, v = _open(store, people)
    big = [RecoverySpec("compensation", amount="800")]
    with pytest.raises(PermissionDenied, match="supervisor must approve"), store.session() as s:
        resolve_case(s, case_id=cid, version=v, actor_user_id=people["carol"], recovery=big)
    with pytest.raises(PermissionDenied, match="may not approve"), store.session() as s:
        resolve_case(
            s,
            case_id=cid,
            version=v,
            actor_user_id=people["carol"],
            recovery=big,
            approved_by_user_id=people["dave"],
        )
    with store.session() as s:  # nothing of the refused attempts was written
        assert s.scalar(select(func.count()).select_from(RecoveryAction)) == 0
        case = resolve_case(
            s,
            case_id=cid,
            version=v,
            actor_user_id=people["carol"],
            recovery=big,
            approved_by_user_id=people["alice"],
        )
        assert case.needed_supervisor


def test_exceptions_are_logged_with_rule_and_reason(store: Store, people: dict[str, int]) -> None:
    cid, v = _open(store, people)
    with store.session() as s:
        resolve_case(
            s,
            case_id=cid,
            version=v,
            actor_user_id=people["carol"],
            recovery=[
                RecoverySpec(
                    "do_more",
                    description="Refund outside 7-day window",
                    exception_rule="7-day returns",
                    exception_reason="Courier's fault",
                )
            ],
        )
        kinds = list(s.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == cid)))
    assert EventKind.EXCEPTION in kinds
    cid2, v2 = _open(store, people, subject="Second")
    with pytest.raises(InputError, match="both the rule bent and the reason"), store.session() as s:
        resolve_case(
            s,
            case_id=cid2,
            version=v2,
            actor_user_id=None,
            recovery=[RecoverySpec("do_more", exception_rule="7-day returns")],
        )


def test_money_and_currency_are_checked(store: Store, people: dict[str, int]) -> None:
    cid, v = _open(store, people)
    for spec, message in (
        (RecoverySpec("compensation", amount="-5"), "zero or more"),
        (RecoverySpec("compensation", amount="ten"), "not an amount"),
        (RecoverySpec("compensation", amount="5", currency="USD"), "not a currency of"),
        (RecoverySpec("compensation"), "needs an amount"),
        (RecoverySpec("apology", amount="5"), "only compensation has an amount"),
    ):
        with pytest.raises(InputError, match=message), store.session() as s:
            resolve_case(s, case_id=cid, version=v, actor_user_id=people["alice"], recovery=[spec])
    with store.session() as s:
        set_authority_limit(s, role="agent", currency="USD", max_amount="30")
    with store.session() as s:
        case = resolve_case(
            s,
            case_id=cid,
            version=v,
            actor_user_id=people["carol"],
            recovery=[RecoverySpec("compensation", amount="25", currency="USD")],
        )
        assert case.status == CaseStatus.RESOLVED


def test_a_suggestion_ends_adopted_or_not(store: Store, people: dict[str, int]) -> None:
    cid, v = _open(store, people, type="suggestion", subject="Open on Sundays")
    with store.session() as s:
        case = resolve_case(
            s,
            case_id=cid,
            version=v,
            actor_user_id=people["alice"],
            outcome="adopted",
            outcome_note="Sunday hours from April",
        )
        assert case.outcome is not None and case.outcome.value == "adopted"
    cid2, v2 = _open(store, people, subject="Complaint")
    with pytest.raises(InputError, match="only a suggestion"), store.session() as s:
        resolve_case(s, case_id=cid2, version=v2, actor_user_id=None, outcome="adopted")
