"""The demo's behaviour step: a segmentation by purchase channel, and the documents'
paradox shown from the data — customers buying through dealers answer very satisfied but
few buy again (see :data:`cxm.demo.truth.PARADOX_CHANNEL`).

The figures come from the same services as ``cxm loyalty behaviour --segments channel``
and ``cxm loyalty curve``; they go into the summary so the demo says what to look at.
"""

from __future__ import annotations

from typing import Any

from cxm.demo.context import DemoContext
from cxm.errors import CXMError

__all__ = ["CHANNEL", "show_behaviour"]

#: The segment definition by purchase channel (``cxm loyalty behaviour --segments channel``).
CHANNEL = "channel"
#: Days after a survey answer in which a purchase counts as coming back.
WINDOW_DAYS = 180


def show_behaviour(ctx: DemoContext) -> None:
    from cxm.demo.vocabulary import CHANNELS
    from cxm.management.definitions import define_segments
    from cxm.management.frames import analysis_date, customers_frame
    from cxm.management.loyalty_behaviour import answer_windows
    from cxm.management.segments import recompute

    rules = {
        "segments": [
            {"name": c, "conditions": [{"field": "channel", "op": "eq", "value": c}]}
            for c in CHANNELS
        ]
    }
    with ctx.store.session() as s:
        define_segments(
            s,
            name=CHANNEL,
            kind="rule",
            parameters=rules,
            description="Customers by the channel they buy through",
            created_by="demo",
        )
        recompute(s, CHANNEL)
    ctx.advance(0.5)
    out: dict[str, Any] = {}
    with ctx.store.session() as s:
        try:
            day = analysis_date(s)
            answers = answer_windows(s, "CUSA1", day, WINDOW_DAYS)
        except CXMError:  # a demo built without surveys
            ctx.results["behaviour"] = out
            return
        channel = customers_frame(s, attributes=True).set_index("customer_id")["channel"]
    answers["segment"] = answers["customer_id"].map(channel)
    table = answers.groupby("segment").agg(
        answers=("repurchased", "size"),
        satisfied=("CUSA1", lambda x: float((x >= 4).mean())),
        came_back=("repurchased", "mean"),
    )
    out["by_channel"] = {
        str(k): {
            "answers": int(r["answers"]),
            "satisfied": round(float(r["satisfied"]), 4),
            "came_back": round(float(r["came_back"]), 4),
        }
        for k, r in table.iterrows()
    }
    out["window_days"] = WINDOW_DAYS
    ctx.results["behaviour"] = out
    ctx.advance(1.0)
