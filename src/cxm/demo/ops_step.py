"""The demo's operations data: a service level per value tier with its own cost to serve
(used by the targets the segments step proposes), and consent statements — most customers
silent (survey contact allowed), a few percent opted out of surveys by e-mail or SMS, and a
minority who opted in to marketing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from cxm.demo.context import DemoContext
from cxm.demo.vocabulary import END, START

__all__ = ["OPT_OUT_SHARE", "SERVICE_LEVELS", "define_demo_service_levels", "record_demo_consent"]

#: Value tier → (service level name, key account?, cost to serve per customer-year in ¥).
SERVICE_LEVELS: dict[str, tuple[str, bool, float]] = {
    "key": ("key accounts", True, 480.0),
    "other": ("standard", False, 120.0),
}
#: Share of customers who refused survey contact by e-mail; by SMS; who granted marketing.
OPT_OUT_SHARE = 0.03
SMS_OPT_OUT_SHARE = 0.02
MARKETING_OPT_IN_SHARE = 0.25


def define_demo_service_levels(session: Session, definition: str = "value") -> None:
    """Called by the segments step once the value tiers exist, before targets are proposed."""
    from cxm.service_levels.service import parse_clock, set_service_level

    for segment, (name, key, cost) in SERVICE_LEVELS.items():
        set_service_level(
            session,
            name=name,
            definition=definition,
            segment=segment,
            key_account=key,
            cost_to_serve=cost,
            clocks=[parse_clock("inquiry=8/48/business")] if not key else [],
            standards={"answer_phone_within_s": 20 if key else 60},
            description="demo",
        )


def record_demo_consent(ctx: DemoContext) -> None:
    from cxm.consent.models import ConsentRecord

    rng = ctx.rng("consent")
    ids = ctx.customer_ids
    n = len(ids)
    span = (END - START).days
    start = datetime(START.year, START.month, START.day, tzinfo=UTC)
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for channel, purpose, share, granted in (
        ("email", "survey", OPT_OUT_SHARE, False),
        ("sms", "survey", SMS_OPT_OUT_SHARE, False),
        ("email", "marketing", MARKETING_OPT_IN_SHARE, True),
    ):
        picked = ids[rng.random(n) < share]
        days = rng.integers(0, span, size=len(picked))
        rows.extend(
            {
                "customer_id": int(cid),
                "channel": channel,
                "purpose": purpose,
                "granted": granted,
                "given_at": start + timedelta(days=int(d)),
                "source": "demo",
                "recorded_at": now,
            }
            for cid, d in zip(picked.tolist(), days.tolist(), strict=True)
        )
    with ctx.store.session() as s:
        for i in range(0, len(rows), 10_000):
            s.execute(insert(ConsentRecord), rows[i : i + 10_000])
    counts = {"customers": n}
    for key, (channel, purpose) in {
        "survey_email_opted_out": ("email", "survey"),
        "survey_sms_opted_out": ("sms", "survey"),
        "marketing_email_opted_in": ("email", "marketing"),
    }.items():
        counts[key] = int(
            sum(1 for r in rows if (r["channel"], r["purpose"]) == (channel, purpose))
        )
    ctx.results["consent"] = counts
    ctx.advance(1.0)
