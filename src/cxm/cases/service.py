"""One function per workflow on a case; the CLI, the API and the worker call these.

Every change of a case is one statement whose WHERE carries the version the actor saw
(``UPDATE cases … WHERE id = :id AND version = :seen``) plus one history row, in the
caller's transaction: two agents acting at once — one wins, the other gets a
:class:`~cxm.errors.Conflict` and nothing of theirs is half written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxm.accounts.models import StaffUser
from cxm.cases.clocks import DEFAULT_POLICIES, ClockPolicy, due_times
from cxm.cases.codes import (
    CaseSource,
    CaseStatus,
    CaseType,
    Emotion,
    EventKind,
    Priority,
    ServiceFault,
)
from cxm.cases.models import Case, CaseEvent
from cxm.cases.states import FIRST_RESPONSE_STATES, Action, next_status
from cxm.customers.models import Customer, Team
from cxm.errors import Conflict, InputError, NotFound
from cxm.i18n import _

__all__ = [
    "KEY_TIER_LABELS",
    "act",
    "add_note",
    "case_summary",
    "get_case",
    "hand_over",
    "open_case",
    "open_cases_bulk",
    "service_tier",
    "service_tiers",
    "take_case",
]

#: Segment labels that make a customer a key account (the demo's value tiers use ``key``).
KEY_TIER_LABELS = ("key",)


def _now(now: datetime | None) -> datetime:
    return now.astimezone(UTC) if now is not None else datetime.now(UTC)


def _enum(cls: Any, value: Any, field: str) -> Any:
    if value is None or isinstance(value, cls):
        return value
    try:
        return cls(str(value))
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        raise InputError(
            _(
                "{field}: unknown value {value}; allowed: {allowed}.",
                field=field,
                value=value,
                allowed=allowed,
            )
        ) from None


def _faults(values: Sequence[str]) -> list[str]:
    return sorted({_enum(ServiceFault, v, "faults").value for v in values})


def customer_id_for(session: Session, customer: int | str) -> int:
    """A customer's id from its id or its external id."""
    if isinstance(customer, int):
        found = session.scalar(select(Customer.id).where(Customer.id == customer))
    else:
        found = session.scalar(select(Customer.id).where(Customer.external_id == customer))
    if found is None:
        raise NotFound(_("No customer {customer}.", customer=customer))
    return int(found)


def _check_user(session: Session, user_id: int | None, field: str) -> None:
    """The owner of a case must be an active staff member whose role acts on cases."""
    from cxm.accounts.permissions import Capability, ceiling

    if user_id is None:
        return
    row = session.execute(
        select(StaffUser.active, StaffUser.role).where(StaffUser.id == user_id)
    ).first()
    if row is None:
        raise NotFound(_("{field}: no staff user with id {id}.", field=field, id=user_id))
    if not row.active:
        raise InputError(_("{field}: staff user {id} is deactivated.", field=field, id=user_id))
    if ceiling(row.role, Capability.ACT_ON_CASES) is None:
        raise InputError(
            _(
                "{field}: staff user {id} is a {role}, and that role does not work cases.",
                field=field,
                id=user_id,
                role=getattr(row.role, "value", row.role),
            )
        )


def _check_team(session: Session, team_id: int | None) -> None:
    if team_id is not None and session.get(Team, team_id) is None:
        raise NotFound(_("team: no team with id {id}.", id=team_id))


def service_tier(session: Session, customer_id: int) -> str:
    """The service tier whose clocks apply to the customer's cases: see :func:`service_tiers`."""
    return service_tiers(session, [customer_id])[customer_id]


def clock_policy(
    tier: str, case_type: CaseType | str, session: Session | None = None
) -> ClockPolicy:
    """The clocks for a tier and a case type: the service level named ``tier`` (the shared
    table, one level per segment, clocks per case type) when there is one, else CXM's
    defaults (key accounts 4 h / 24 h, others 24 h / 72 h)."""
    if session is not None and tier not in DEFAULT_POLICIES:
        from cxm.service_levels.models import ServiceLevel
        from cxm.service_levels.service import clock_for

        level_id = session.scalar(select(ServiceLevel.id).where(ServiceLevel.name == tier))
        if level_id is not None:
            spec = clock_for(session, service_level_id=int(level_id), case_type=str(case_type))
            return ClockPolicy(
                spec.first_response_hours, spec.resolution_hours, spec.business_hours
            )
    return DEFAULT_POLICIES.get(tier, DEFAULT_POLICIES["default"])


def _event(
    session: Session,
    case_id: int,
    kind: EventKind,
    *,
    actor: int | None,
    at: datetime,
    note: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(
        CaseEvent(
            case_id=case_id,
            kind=kind,
            actor_user_id=actor,
            at=at,
            note=note,
            from_status=from_status,
            to_status=to_status,
            data=data or {},
        )
    )


def open_case(
    session: Session,
    *,
    customer: int | str,
    type: CaseType | str,
    subject: str,
    text: str | None = None,
    channel: str | None = None,
    emotion: Emotion | str | None = None,
    faults: Sequence[str] = (),
    stage: str | None = None,
    team_id: int | None = None,
    owner_user_id: int | None = None,
    priority: Priority | str = Priority.NORMAL,
    source: CaseSource | str = CaseSource.MANUAL,
    source_key: str | None = None,
    response_id: int | None = None,
    touchpoint_id: int | None = None,
    purchase_id: int | None = None,
    actor_user_id: int | None = None,
    now: datetime | None = None,
) -> tuple[Case, bool]:
    """Open a case; returns it and whether it is new. With ``source_key`` the call is
    idempotent: a second call (a retry, a second worker) returns the first case."""
    at = _now(now)
    subject = (subject or "").strip()
    if not subject:
        raise InputError(_("subject: a case needs a subject."))
    ctype = _enum(CaseType, type, "type")
    cid = customer_id_for(session, customer)
    _check_user(session, owner_user_id, "owner")
    _check_team(session, team_id)
    if source_key is not None:
        existing = session.scalar(select(Case).where(Case.source_key == source_key))
        if existing is not None:
            return existing, False
    if team_id is None:
        team_id = serving_team(session, cid, on=at.date())
    tier = service_tier(session, cid)
    policy = clock_policy(tier, ctype, session)
    first_due, resolution_due = due_times(at, policy)
    case = Case(
        customer_id=cid,
        type=ctype,
        source=_enum(CaseSource, source, "source"),
        source_key=source_key,
        channel=channel,
        subject=subject[:300],
        text=text,
        emotion_in=_enum(Emotion, emotion, "emotion"),
        faults=_faults(faults),
        stage=stage,
        team_id=team_id,
        owner_user_id=owner_user_id,
        priority=_enum(Priority, priority, "priority"),
        tier=tier,
        business_hours=policy.business_hours,
        opened_at=at,
        first_response_due=first_due,
        resolution_due=resolution_due,
        response_id=response_id,
        touchpoint_id=touchpoint_id,
        purchase_id=purchase_id,
        status=CaseStatus.NEW,
        version=1,
    )
    try:
        with session.begin_nested():
            session.add(case)
            session.flush()
    except IntegrityError:
        # Another transaction created the same source_key first: exactly one case.
        if source_key is None:
            raise
        existing = session.scalar(select(Case).where(Case.source_key == source_key))
        if existing is None:
            raise
        return existing, False
    _event(
        session,
        case.id,
        EventKind.CREATED,
        actor=actor_user_id,
        at=at,
        to_status=CaseStatus.NEW.value,
        data={"source": case.source.value, "owner": owner_user_id, "team": team_id},
    )
    if (text or "").strip():  # read and classified by a worker within seconds
        from cxm.cases.text_outbox import text_arrived

        text_arrived(session, case.id)
    return case, True


def serving_team(session: Session, customer_id: int, *, on: date) -> int | None:
    """The team serving the customer on ``on`` (the organisation's assignments), if any."""
    from cxm.org.models import CustomerAssignment as A

    team = session.scalar(
        select(A.team_id)
        .where(
            A.customer_id == customer_id,
            A.starts_on <= on,
            (A.ends_on.is_(None)) | (A.ends_on >= on),
        )
        .order_by(A.starts_on.desc())
        .limit(1)
    )
    return None if team is None else int(team)


def service_tiers(session: Session, customer_ids: Sequence[int]) -> dict[int, str]:
    """Each customer's service tier, in one query: the name of the service level of a segment
    they are in now (a key-account level first), else ``key`` when they are in a key-account
    segment, else ``default``."""
    from cxm.segments.models import SegmentMembership
    from cxm.service_levels.models import ServiceLevel

    ids = list(customer_ids)
    out = dict.fromkeys(ids, "default")
    query = select(
        SegmentMembership.customer_id,
        SegmentMembership.segment,
        ServiceLevel.name,
        ServiceLevel.key_account,
    ).outerjoin(
        ServiceLevel,
        (ServiceLevel.definition_id == SegmentMembership.definition_id)
        & (ServiceLevel.segment == SegmentMembership.segment),
    )
    from cxm.store.bulk import ids_in

    dialect = session.get_bind().dialect.name
    rows: list[Any] = []
    for start in range(0, len(ids), 5000):  # SQLite allows 32,766 parameters a statement
        part = ids[start : start + 5000]
        rows += session.execute(
            query.where(
                ids_in(dialect, SegmentMembership.customer_id, part),
                SegmentMembership.valid_to.is_(None),
            )
        ).all()
    ranked: dict[int, tuple[int, str]] = {}
    for cid, segment, level, key_account in rows:
        if level is not None:
            rank, tier = (3 if key_account else 2), str(level)
        elif segment in KEY_TIER_LABELS:
            rank, tier = 1, "key"
        else:
            continue
        if cid not in ranked or rank > ranked[cid][0]:
            ranked[cid] = (rank, tier)
    out.update({cid: tier for cid, (_rank, tier) in ranked.items()})
    return out


def open_cases_bulk(
    session: Session, specs: Sequence[dict[str, Any]], *, now: datetime | None = None
) -> tuple[int, int]:
    """Open many cases at once, each exactly once by its ``source_key`` (rows whose key
    exists are skipped by the database: ``ON CONFLICT DO NOTHING``). Each spec holds
    ``customer_id, type, priority, subject, text, source, source_key`` and optional
    ``response_id``. Returns (opened, already there)."""
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    if not specs:
        return 0, 0
    at = _now(now)
    tiers = service_tiers(session, sorted({int(x["customer_id"]) for x in specs}))
    policies: dict[tuple[str, CaseType], tuple[ClockPolicy, tuple[datetime, datetime]]] = {}
    rows = []
    for spec in specs:
        ctype = CaseType(spec["type"])
        tier = tiers[int(spec["customer_id"])]
        known = policies.get((tier, ctype))
        if known is None:
            policy = clock_policy(tier, ctype, session)
            known = policies[(tier, ctype)] = (policy, due_times(at, policy))
        policy, (first_due, resolution_due) = known
        rows.append(
            {
                "customer_id": int(spec["customer_id"]),
                "response_id": spec.get("response_id"),
                "type": ctype,
                "source": CaseSource(spec["source"]),
                "source_key": spec["source_key"],
                "subject": str(spec["subject"])[:300],
                "text": spec.get("text"),
                "faults": [],
                "priority": Priority(spec.get("priority", Priority.NORMAL)),
                "status": CaseStatus.NEW,
                "tier": tier,
                "business_hours": policy.business_hours,
                "opened_at": at,
                "first_response_due": first_due,
                "resolution_due": resolution_due,
                "handoffs": 0,
                "reopened": 0,
                "needed_supervisor": False,
                "version": 1,
                "created_at": at,
                "updated_at": at,
            }
        )
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from cxm.cases.pg_open import open_cases_postgres

        conn = session.connection()
        n = sum(
            open_cases_postgres(conn, rows[k : k + 2000], at=at) for k in range(0, len(rows), 2000)
        )
        return n, len(rows) - n
    # One statement with the rows as parameters (compiled once, cached; batched by the
    # driver into multi-row INSERTs): a statement with the rows inlined as VALUES is
    # compiled again for every count of rows, which cost more than the insert itself.
    stmt = (
        sqlite_insert(Case)
        .on_conflict_do_nothing(index_elements=["source_key"])
        .returning(Case.id, Case.source)
    )
    conn = session.connection()
    opened: list[Any] = []
    for k in range(0, len(rows), 2000):
        opened += conn.execute(stmt, rows[k : k + 2000]).all()
    if opened:
        conn.execute(
            insert(CaseEvent),
            [
                {
                    "case_id": r.id,
                    "at": at,
                    "kind": EventKind.CREATED,
                    "to_status": CaseStatus.NEW.value,
                    "data": {"source": r.source.value},
                }
                for r in opened
            ],
        )
    return len(opened), len(rows) - len(opened)


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(_("No case {id}.", id=case_id))
    return case


def _guarded_update(
    session: Session, case: Case, version: int, values: dict[str, Any], expect_status: Any = None
) -> None:
    """Apply ``values`` only if nobody changed the case since ``version``."""
    stmt = update(Case).where(Case.id == case.id, Case.version == version)
    if expect_status is not None:
        stmt = stmt.where(Case.status == expect_status)
    result = session.execute(
        stmt.values(
            version=Case.version + 1, updated_at=datetime.now(UTC), **values
        ).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise stale(case.id, version)
    session.refresh(case)


def stale(case_id: int, seen: int) -> Conflict:
    """The refusal of a change made on a version someone else has changed since."""
    return Conflict(
        _(
            "Case {id} was changed by someone else (you saw version {seen}); "
            "reload it and try again.",
            id=case_id,
            seen=seen,
        )
    )


def act(
    session: Session,
    *,
    case_id: int,
    action: Action | str,
    version: int,
    actor_user_id: int | None,
    note: str | None = None,
    now: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> Case:
    """Move a case through the state machine (acknowledge, start, wait, resume, resolve,
    close, reopen), with a history row."""
    at = _now(now)
    case = get_case(session, case_id)
    old = CaseStatus(case.status)
    new = next_status(old, action)
    values: dict[str, Any] = {"status": new}
    if case.first_response_at is None and new in FIRST_RESPONSE_STATES:
        values["first_response_at"] = at
    if new == CaseStatus.RESOLVED:
        values["resolved_at"] = at
    if new == CaseStatus.CLOSED:
        values["closed_at"] = at
    if Action(action) == Action.REOPEN:
        values.update(resolved_at=None, closed_at=None, reopened=case.reopened + 1)
    _guarded_update(session, case, version, values, expect_status=old)
    _event(
        session,
        case.id,
        EventKind.STATUS,
        actor=actor_user_id,
        at=at,
        note=note,
        from_status=old.value,
        to_status=new.value,
        data={"action": Action(action).value, **(data or {})},
    )
    return case


def add_note(
    session: Session,
    *,
    case_id: int,
    actor_user_id: int | None,
    note: str,
    contact: bool = False,
    now: datetime | None = None,
) -> Case:
    """Append a note (or a contact with the customer) to the history. A contact with the
    customer counts as the first response."""
    at = _now(now)
    if not (note or "").strip():
        raise InputError(_("note: a note cannot be empty."))
    case = get_case(session, case_id)
    event = CaseEvent(
        case_id=case.id,
        kind=EventKind.CONTACT if contact else EventKind.NOTE,
        actor_user_id=actor_user_id,
        at=at,
        note=note.strip(),
        data={},
    )
    session.add(event)
    session.flush()
    from cxm.cases.text_outbox import text_arrived

    text_arrived(session, case.id, event.id)  # read and classified by a worker
    if contact and case.first_response_at is None:
        session.execute(
            update(Case)
            .where(Case.id == case.id, Case.first_response_at.is_(None))
            .values(first_response_at=at)
        )
        session.refresh(case)
    return case


def take_case(
    session: Session, *, case_id: int, version: int, user_id: int, now: datetime | None = None
) -> Case:
    """Take an unowned case from the queue: the taker owns it (no hand-off is counted)."""
    at = _now(now)
    case = get_case(session, case_id)
    if case.owner_user_id == user_id:
        return case
    if case.owner_user_id is not None:
        raise InputError(_("Case {id} has an owner already; ask them to hand it over.", id=case.id))
    _check_user(session, user_id, "owner")
    _guarded_update(session, case, version, {"owner_user_id": user_id})
    _event(
        session,
        case.id,
        EventKind.HANDOVER,
        actor=user_id,
        at=at,
        data={"from": {"owner": None}, "to": {"owner": user_id}, "taken": True},
    )
    return case


def hand_over(
    session: Session,
    *,
    case_id: int,
    version: int,
    actor_user_id: int | None,
    reason: str,
    to_user_id: int | None = None,
    to_team_id: int | None = None,
    now: datetime | None = None,
) -> Case:
    """Give the case to another owner (and team). Handing it to another team sends the
    customer on to another department: that is itself the fault "sent from department to
    department" and is recorded on the case."""
    at = _now(now)
    if not (reason or "").strip():
        raise InputError(_("reason: a hand-over needs a reason."))
    if to_user_id is None and to_team_id is None:
        raise InputError(_("A hand-over names the new owner or the new team."))
    case = get_case(session, case_id)
    if CaseStatus(case.status) in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        raise InputError(
            _("Case {id} is {status}; reopen it first.", id=case.id, status=case.status.value)
        )
    _check_user(session, to_user_id, "owner")
    _check_team(session, to_team_id)
    values: dict[str, Any] = {"handoffs": case.handoffs + 1}
    if to_user_id is not None:
        values["owner_user_id"] = to_user_id
    crosses = to_team_id is not None and to_team_id != case.team_id and case.team_id is not None
    if to_team_id is not None:
        values["team_id"] = to_team_id
    if crosses:
        values["faults"] = sorted({*case.faults, ServiceFault.DEPARTMENT_TO_DEPARTMENT.value})
    before = {"owner": case.owner_user_id, "team": case.team_id}
    _guarded_update(session, case, version, values)
    _event(
        session,
        case.id,
        EventKind.HANDOVER,
        actor=actor_user_id,
        at=at,
        note=reason.strip(),
        data={
            "from": before,
            "to": {"owner": case.owner_user_id, "team": case.team_id},
            "crosses_department": crosses,
        },
    )
    return case


def case_summary(case: Case, now: datetime | None = None) -> dict[str, Any]:
    """A case as plain values, with where each clock stands (for the CLI and the API)."""
    from cxm.cases.clocks import clock_state

    now = _now(now)
    state = clock_state(
        opened_at=case.opened_at,
        first_response_due=case.first_response_due,
        resolution_due=case.resolution_due,
        first_response_at=case.first_response_at,
        resolved_at=case.resolved_at,
        now=now,
    )
    return {
        "id": case.id,
        "customer_id": case.customer_id,
        "type": case.type.value,
        "status": case.status.value,
        "priority": case.priority.value,
        "subject": case.subject,
        "text": case.text,
        "channel": case.channel,
        "stage": case.stage,
        "emotion_in": case.emotion_in.value if case.emotion_in else None,
        "emotion_out": case.emotion_out.value if case.emotion_out else None,
        "faults": list(case.faults or []),
        "team_id": case.team_id,
        "owner_user_id": case.owner_user_id,
        "tier": case.tier,
        "opened_at": case.opened_at,
        "first_response_due": case.first_response_due,
        "first_response_at": case.first_response_at,
        "resolution_due": case.resolution_due,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "handoffs": case.handoffs,
        "reopened": case.reopened,
        "needed_supervisor": case.needed_supervisor,
        "first_response_clock": state.first_response,
        "resolution_clock": state.resolution,
        "version": case.version,
        "source": case.source.value,
    }
