"""The demo's exit survey: customers lost in the last year (by the customer file's churn
dates) are invited to the ``exit`` template's wave and about a third answer. What they say
is not the file's reason copied: most name the reason recorded for them, some give a
politer one ("moved away", "other") — so the measured split differs from both the file and
the documents' benchmark, as real exit answers do. Recalled satisfaction and "would you come
back" follow the customer's hidden satisfaction; those won by a competitor name it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import select

from cxm.demo.context import DemoContext

__all__ = ["EXIT_WAVE", "fill_exit_wave"]

#: Opens before the 2026-Q2 satisfaction wave, so that the report's latest wave (and the one
#: it is compared with) stay the quarterly CCSI waves; answers come after each churn date.
EXIT_WAVE = ("离开原因调查 2025-10 至 2026-09", date(2026, 3, 31), date(2026, 9, 30))
_RESPONSE_RATE = 0.35
_POLITE = ("moved_away", "other_relationship", "other")


def _answered_at(
    opened: datetime, left_on: date | None, closes: date, days: float, k: int
) -> datetime:
    """Some days after the customer left (never before the wave opens nor after it closes)."""
    start = opened
    if left_on is not None:
        start = max(opened, datetime.combine(left_on, datetime.min.time(), UTC))
    end = datetime.combine(closes, datetime.min.time(), UTC) + timedelta(hours=2)
    return min(start + timedelta(days=days, minutes=k), end)


def fill_exit_wave(ctx: DemoContext) -> None:
    from cxm.customers.models import Customer
    from cxm.demo.vocabulary import COMPETITORS
    from cxm.management.churn_rules import ChurnRule
    from cxm.management.lost import sample_lost
    from cxm.surveys.invitations import issue_links
    from cxm.surveys.models import Invitation
    from cxm.surveys.questionnaires import install_template
    from cxm.surveys.recording import CompletedResponse, record_responses
    from cxm.surveys.waves import create_wave

    rng = ctx.rng("exit_wave")
    t = ctx.truth
    index_of = {int(db): i for i, db in enumerate(ctx.customer_ids.tolist())}
    name, opens, closes = EXIT_WAVE
    opened = datetime.combine(opens, datetime.min.time(), UTC) + timedelta(hours=9)
    with ctx.store.session() as s:
        qid = install_template(s, name="exit").questionnaire_id
        wave = create_wave(s, questionnaire_id=qid, name=name, opens_on=opens,
                           closes_on=closes, quiet_days=0)  # fmt: skip
        sample_lost(s, wave_id=wave.id, rule=ChurnRule("recorded"), since_days=365,
                    seed=ctx.seed, now=opened)  # fmt: skip
        invited = s.execute(
            select(Invitation.id, Customer.id, Customer.churn_reason, Customer.churned_on)
            .join(Customer, Customer.id == Invitation.customer_id)
            .where(Invitation.wave_id == wave.id)
            .order_by(Invitation.id)
        ).all()
        left_on = {int(cid): on for _inv, cid, _r, on in invited}
        answering = [
            (inv, cid, getattr(reason, "value", reason))
            for inv, cid, reason, _on in invited
            if getattr(reason, "value", reason) != "died" and rng.random() < _RESPONSE_RATE
        ]
        issue_links(s, invitation_ids=[inv for inv, _c, _r in answering])
        records = []
        for k, (inv, cid, recorded) in enumerate(answering):
            i = index_of.get(int(cid), 0)
            sat = float(t.satisfaction[i])
            said = recorded if recorded and rng.random() < 0.75 else str(rng.choice(_POLITE))
            answers: dict[str, object] = {
                "EXIT_REASON": said,
                "EXIT_SAT": int(np.clip(round(3 + 1.1 * sat + rng.normal(0, 0.7)), 1, 5)),
                "EXIT_BACK": "yes" if sat > 0.8 else "maybe" if sat > -0.3 else "no",
                "EXIT_COMPARE": "worse" if sat + rng.normal(0, 0.6) < 0 else "same",
            }
            if said == "won_by_competitor":
                answers["EXIT_COMPETITOR"] = str(rng.choice(COMPETITORS))
            records.append(
                CompletedResponse(
                    invitation_id=int(inv),
                    answers=answers,
                    completed_at=_answered_at(
                        opened, left_on.get(int(cid)), closes, float(rng.uniform(3, 40)), k
                    ),
                    minutes=float(rng.uniform(2, 6)),
                )
            )
        record_responses(s, items=records, source="demo")
    ctx.results["exit_wave"] = {"invited": len(invited), "responses": len(records)}
    ctx.advance(1.0)
