"""The demo's closed loop: a complaint history consistent with the customers.

Who complains follows the hidden truth: customers served badly by people complain more,
and their complaints name the faults of people (indifference, coldness, passing the buck
…); the rest name process faults. Emotions at intake follow the fault. Each case has an
owner among eight demo agents, clocks from its service tier, a response and resolution time
(some breach), recovery actions with their cost, hand-offs (some across departments),
a follow-up answer for most resolved cases, and a few reopened or still open.

Churn was already drawn by the company step; how a complaint was handled is drawn given
whether the customer later left (handled well is likelier among those who stayed), which
is the same joint distribution as "good recovery keeps customers" — so `cxm cases report`
finds the recovery effect with its uncertainty, measured, not assumed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import insert, select

from cxm.cases.codes import ServiceFault
from cxm.cases.models import Case, CaseEvent, CaseFollowUp, RecoveryAction
from cxm.cases.service import clock_policy, service_tiers
from cxm.demo.context import DemoContext
from cxm.store.chunks import in_chunks

__all__ = ["AGENTS", "draw_demo_cases"]

#: Login names of the demo's service agents (passwords unusable: set one to log in).
AGENTS = tuple(f"agent{i:02d}" for i in range(1, 9))
_PEOPLE_FAULTS = np.array(
    [
        ServiceFault.INDIFFERENCE,
        ServiceFault.COLDNESS,
        ServiceFault.CONDESCENSION,
        ServiceFault.PASSING_THE_BUCK,
        ServiceFault.ROBOTIC,
    ],
    dtype=object,
)
_PROCESS_FAULTS = np.array(
    [ServiceFault.HIDING_BEHIND_RULES, ServiceFault.DEPARTMENT_TO_DEPARTMENT, ServiceFault.ROBOTIC],
    dtype=object,
)
_SUBJECTS = {
    "people": [
        "店员态度冷淡",
        "客服不理不睬",
        "电话被转了好几次",
        "服务人员说话难听",
        "没人负责我的问题",
    ],
    "product": ["商品有质量问题", "收到的货有破损", "产品和描述不符", "用了一周就坏了"],
    "process": ["退款迟迟不到账", "送货晚了两周", "发票一直开不出来", "会员积分没有到账"],
}


def _agents(ctx: DemoContext) -> list[int]:
    from cxm.accounts import create_user
    from cxm.accounts.models import StaffUser
    from cxm.accounts.passwords import hash_password

    with ctx.store.session() as s:
        have = dict(s.execute(select(StaffUser.name, StaffUser.id)).all())
        unusable = hash_password(ctx.rng("cases-agents").bytes(24).hex())
        for name in AGENTS:
            if name not in have:
                have[name] = create_user(s, name=name, role="agent", password_hash=unusable).id
        return [int(have[n]) for n in AGENTS]


def draw_demo_cases(ctx: DemoContext) -> None:
    from cxm.customers.models import Customer

    rng = ctx.rng("cases")
    t = ctx.truth
    agents = _agents(ctx)
    with ctx.store.session() as s:
        ids = [int(i) for i in ctx.customer_ids]
        rows: list[Any] = []
        for part in in_chunks(ids):  # a million customers, at the most
            rows += s.execute(
                select(Customer.id, Customer.acquired_on, Customer.churned_on).where(
                    Customer.id.in_(part)
                )
            ).all()
        tiers = service_tiers(s, [r.id for r in rows])
        policies = {t: clock_policy(t, "complaint", s) for t in set(tiers.values())}
        teams = [int(x) for x in ctx.team_ids]
    by_id = {r.id: r for r in rows}
    n = len(ctx.customer_ids)
    people = np.asarray(t.people[:n], dtype=float)
    product = np.asarray(t.product[:n], dtype=float)
    # About 7 % complain; the badly served far more often.
    p = 1 / (1 + np.exp(3.1 + 0.9 * people + 0.5 * product))
    complains = rng.random(n) < p
    end = max(
        (r.churned_on for r in rows if r.churned_on is not None),
        default=datetime.now(UTC).date(),
    )
    cases: list[dict[str, Any]] = []
    for idx in np.flatnonzero(complains):
        cid = int(ctx.customer_ids[idx])
        row = by_id.get(cid)
        if row is None or row.acquired_on is None:
            continue
        last = row.churned_on - timedelta(days=20) if row.churned_on else end
        span = (last - row.acquired_on).days
        if span < 10:
            continue
        day = row.acquired_on + timedelta(days=int(rng.integers(0, span)))
        kind = (
            "people"
            if people[idx] < min(product[idx], 0)
            else ("product" if product[idx] < 0 else "process")
        )
        if kind == "people":
            faults = list({*rng.choice(_PEOPLE_FAULTS, size=int(rng.integers(1, 3)))})
        elif kind == "process":
            faults = [rng.choice(_PROCESS_FAULTS)]
        else:
            faults = []
        emotion = rng.choice(
            ["angry", "disappointed", "afraid"],
            p=[0.55, 0.35, 0.10] if kind == "people" else [0.3, 0.55, 0.15],
        )
        opened = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
            hours=float(rng.uniform(0, 14))
        )
        tier = tiers[cid]
        policy = policies[tier]
        cases.append(
            {
                "customer_id": cid,
                "churned": row.churned_on is not None,
                "type": "complaint",
                "source": "manual",
                "channel": str(rng.choice(["phone", "store", "web", "wechat"])),
                "subject": str(rng.choice(_SUBJECTS[kind])),
                "text": None,
                "emotion_in": str(emotion),
                "faults": sorted(str(f) for f in faults),
                "stage": "after_sale" if kind != "product" else "use",
                "team_id": int(rng.choice(teams)) if teams else None,
                "owner_user_id": int(rng.choice(agents)),
                "tier": tier,
                "business_hours": False,
                "opened_at": opened,
                "first_response_due": opened + timedelta(hours=policy.first_response_hours),
                "resolution_due": opened + timedelta(hours=policy.resolution_hours),
                "policy": policy,
            }
        )
    ctx.advance(0.3)
    _write(ctx, rng, cases, datetime.combine(end, datetime.min.time(), tzinfo=UTC))


def _write(
    ctx: DemoContext, rng: np.random.Generator, cases: list[dict[str, Any]], end: datetime
) -> None:
    events: list[dict[str, Any]] = []
    recovery: list[dict[str, Any]] = []
    followups: list[dict[str, Any]] = []
    final: list[dict[str, Any]] = []
    for c in cases:
        policy = c.pop("policy")
        churned = c.pop("churned")
        opened = c["opened_at"]
        # Response within the target four times in five; resolution time lognormal.
        first = opened + timedelta(hours=float(rng.exponential(policy.first_response_hours / 2.2)))
        resolved = first + timedelta(
            hours=float(rng.lognormal(np.log(policy.resolution_hours / 3), 0.9))
        )
        # Open now: the resolution lies after the data's end, or a recent case still in work.
        still_open = resolved > end or (opened > end - timedelta(days=10) and rng.random() < 0.5)
        # Handled well: likelier among those who stayed (see the module's docstring).
        well = rng.random() < (0.45 if churned else 0.75)
        handoffs = int(rng.poisson(0.15 if well else 0.8))
        if handoffs and rng.random() < 0.4 and "department_to_department" not in c["faults"]:
            c["faults"] = sorted({*c["faults"], "department_to_department"})
        reopened = int(not well and not still_open and rng.random() < 0.25)
        c.update(
            status="in_progress" if still_open else "closed",
            priority="urgent" if (first > c["first_response_due"]) else "normal",
            first_response_at=first if first <= end else None,
            resolved_at=None if still_open else resolved,
            closed_at=None if still_open else resolved + timedelta(days=3),
            escalated_at=c["first_response_due"] if first > c["first_response_due"] else None,
            handoffs=handoffs,
            reopened=reopened,
            needed_supervisor=False,
            emotion_out=None
            if still_open
            else ("happy" if well else str(rng.choice(["disappointed", "angry"]))),
            version=1,
            created_at=opened,
            updated_at=resolved if not still_open else opened,
        )
        final.append(c)
    with ctx.store.engine.begin() as conn:
        ids = list(conn.scalars(insert(Case).returning(Case.id), final))
    ctx.advance(0.6)
    from cxm.cases.followup import followup_questionnaire_id
    from cxm.surveys.models import Invitation, InvitationKind

    with ctx.store.session() as s:
        qid = followup_questionnaire_id(s)
    invitations: list[dict[str, Any]] = []
    for cid, c in zip(ids, final, strict=True):
        opened, first = c["opened_at"], c["first_response_at"]
        events.append(
            {
                "case_id": cid,
                "at": opened,
                "kind": "created",
                "to_status": "new",
                "actor_user_id": c["owner_user_id"],
                "data": {"source": "manual"},
            }
        )
        if first is not None:
            events.append(
                {
                    "case_id": cid,
                    "at": first,
                    "kind": "status",
                    "from_status": "new",
                    "to_status": "in_progress",
                    "actor_user_id": c["owner_user_id"],
                    "data": {"action": "start"},
                }
            )
        if c["resolved_at"] is None:
            continue
        well = c["emotion_out"] == "happy"
        recovery.append(
            {
                "case_id": cid,
                "kind": "apology",
                "cost": 0,
                "at": c["resolved_at"],
                "granted_by_user_id": c["owner_user_id"],
            }
        )
        if well or rng.random() < 0.3:
            amount = float(
                np.round(rng.choice([20, 50, 100, 200]) * (2 if c["tier"] == "key" else 1), 2)
            )
            recovery.append(
                {
                    "case_id": cid,
                    "kind": "compensation",
                    "amount": amount,
                    "currency": "CNY",
                    "compensation_kind": "voucher",
                    "cost": amount,
                    "at": c["resolved_at"],
                    "granted_by_user_id": c["owner_user_id"],
                }
            )
        events.append(
            {
                "case_id": cid,
                "at": c["resolved_at"],
                "kind": "status",
                "from_status": "in_progress",
                "to_status": "resolved",
                "actor_user_id": c["owner_user_id"],
                "data": {"action": "resolve"},
            }
        )
        answered = rng.random() < 0.7
        invitations.append(
            {
                "kind": InvitationKind.FOLLOWUP,
                "questionnaire_id": qid,
                "customer_id": c["customer_id"],
                "team_id": c["team_id"],
                "stratum": "complaint",
                "status": "completed" if answered else "sent",
                "sent_at": c["resolved_at"],
                "expires_at": c["resolved_at"] + timedelta(days=14),
            }
        )
        solved = well or rng.random() < 0.2
        csat = (
            int(rng.choice([4, 5], p=[0.4, 0.6]))
            if well
            else int(rng.choice([1, 2, 3], p=[0.3, 0.4, 0.3]))
        )
        followups.append(
            {
                "case_id": cid,
                "round": 1,
                "sent_at": c["resolved_at"],
                "answered_at": c["resolved_at"] + timedelta(days=2) if answered else None,
                "solved": solved if answered else None,
                "handling_csat": csat if answered else None,
                "recommend": int(np.clip(csat * 2 + int(rng.integers(-1, 2)), 0, 10))
                if answered
                else None,
                "no_email": False,
            }
        )
        events.append(
            {
                "case_id": cid,
                "at": c["closed_at"],
                "kind": "status",
                "from_status": "resolved",
                "to_status": "closed",
                "actor_user_id": None,
                "data": {"action": "close"},
            }
        )
    with ctx.store.engine.begin() as conn:
        inv_ids = list(conn.scalars(insert(Invitation).returning(Invitation.id), invitations))
        for fu, iid in zip(followups, inv_ids, strict=True):
            fu["invitation_id"] = iid
        if followups:
            conn.execute(insert(CaseFollowUp), followups)
        if recovery:
            conn.execute(insert(RecoveryAction), recovery)
        if events:
            conn.execute(insert(CaseEvent), events)
    opened_n = sum(1 for c in final if c["status"] != "closed")
    ctx.results["cases"] = {"cases": len(final), "open": opened_n, "followups": len(followups)}
    ctx.advance(1.0)
