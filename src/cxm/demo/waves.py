"""The demo's survey step: four quarterly waves of the CCSI questionnaire and moment-of-
truth ratings of a sample of touchpoints, written through the survey services.

Answers are drawn from the hidden truth (:mod:`cxm.demo.truth`), so that analysis has
something true to find: the people side of the scorecard drives satisfaction most, then
product, then process, while "range of products" (PERQ5) drives nothing; customers of
poor teams answer worse; over 90 % are satisfied (CSAT) but only about a third agree they
will buy again; customers' stated importance (product first) differs from the derived one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select

from cxm.customers.models import Customer, Touchpoint
from cxm.demo.context import DemoContext
from cxm.surveys.models import Invitation
from cxm.surveys.moments import invite_for_touchpoints
from cxm.surveys.questionnaires import install_template
from cxm.surveys.recording import CompletedResponse, record_responses
from cxm.surveys.waves import create_wave, sample_wave

__all__ = ["QUIET_DAYS", "SAMPLE_SHARE", "WAVES", "fill_survey_waves"]

#: The four quarters before the demo's end (2026-09-30).
WAVES: tuple[tuple[str, date, date], ...] = (
    ("2025-Q4", date(2025, 10, 1), date(2025, 12, 31)),
    ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30)),
    ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
)
#: Share of active customers invited per wave (per region), and the quiet period.
SAMPLE_SHARE = 0.08
MAX_PER_WAVE = 2500
QUIET_DAYS = 60
#: Moments of truth: touchpoints since this day may get a rating survey.
MOMENTS_SINCE = date(2026, 4, 1)
MAX_MOMENTS = 3000

_CUT_SATISFACTION = (-2.2, -1.5, -0.42, 0.6)  # CSAT (4 or 5) ≈ 75–80 %, by team 60–90 %
_CUT_QUALITY = (-2.1, -1.5, -0.9, 0.5)
_CUT_VALUE = (-1.8, -1.1, -0.4, 0.9)
_CUT_AGREE = (-2.0, -1.3, -0.5, 0.9)
_CUT_LOYALTY = (-1.0, -0.3, 0.6, 1.5)  # agreeing (4 or 5) ≈ 30 %
_CUT_CES = (-2.0, -1.4, -0.8, -0.2, 0.5, 1.2)
_STATED_IMPORTANCE = {
    "IMP_PRODUCT": (0.01, 0.03, 0.12, 0.34, 0.50),
    "IMP_PROCESS": (0.02, 0.06, 0.20, 0.40, 0.32),
    "IMP_PEOPLE": (0.03, 0.08, 0.27, 0.37, 0.25),
}
_COMMENTS = {
    "people": (
        "服务人员态度冷淡，希望更热情一些。",
        "打电话问问题总是被转来转去，没人负责。",
        "店员对产品不熟悉，解释不清楚。",
        "投诉之后没有人回访。",
    ),
    "product": (
        "产品质量不稳定，用了不久就出问题。",
        "希望产品做工更精细一些。",
        "配件太贵，而且不好买。",
    ),
    "process": (
        "办理手续太繁琐，等待时间太长。",
        "送货时间经常推迟，也不提前通知。",
        "网上下单流程复杂，希望简化。",
    ),
    "praise": ("整体不错，希望保持。", "服务很好，谢谢！", "价格再优惠一点就更好了。"),
}
_COMMENTS_EN = ("Faster delivery, please.", "Staff could be friendlier.", "Keep it up.")


def _std(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return np.asarray((x - x.mean()) / (sd if sd > 0 else 1.0), dtype=float)


def _item(rng: np.random.Generator, core: np.ndarray, loading: float) -> np.ndarray:
    return np.asarray(loading * core + np.sqrt(1.0 - loading**2) * rng.normal(size=core.size))


def _cut(y: np.ndarray, cuts: tuple[float, ...]) -> np.ndarray:
    return np.searchsorted(np.asarray(cuts), y, side="right") + 1


def _draw(
    rng: np.random.Generator, t: Any, idx: np.ndarray, wave: int
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Item scores (1–5; NPS 0–10) for customers ``idx`` in wave number ``wave``, and
    whether each answered ("COMPLAINED" 1 = yes)."""
    n = idx.size
    drift = 0.06 * wave  # a little better every quarter: the firm improves
    shake = 0.3 * rng.normal(size=(3, n))  # answers move a little between waves
    p = t.people[idx] + shake[0] + drift
    d = t.product[idx] + shake[1] + drift
    r = t.process[idx] + shake[2] + drift
    s = t.satisfaction[idx] + 0.25 * rng.normal(size=n) + drift
    loyal = t.loyalty[idx] + 0.25 * rng.normal(size=n)
    q = _std(0.5 * p + 0.3 * d + 0.2 * r)
    image = 0.55 * s + 0.835 * rng.normal(size=n)
    expect = 0.5 * image + 0.866 * rng.normal(size=n)
    value = _std(0.5 * q + 0.3 * s + 0.6 * rng.normal(size=n))
    out: dict[str, np.ndarray] = {}
    for k in range(1, 6):
        out[f"IMAG{k}"] = _cut(_item(rng, image, 0.8), _CUT_AGREE)
    for k in range(1, 4):
        out[f"CUEX{k}"] = _cut(_item(rng, expect, 0.75), _CUT_AGREE)
    sides = {"product": d, "process": r, "people": p}
    quality_items = {
        "PERQ1": None, "PERQ2": "product", "PERQ3": "people", "PERQ4": "product",
        "PERQ6": "product", "PERQ7": "process", "SC_PROC1": "process",
        "SC_PROC2": "process", "SC_PEOP1": "people", "SC_PEOP2": "people",
    }  # fmt: skip
    for code, side in quality_items.items():
        # PERQ1–3 share the quality factor (the Quality block of the PLS templates); the
        # other items are mostly their own side, so that drivers differ.
        weight = 0.6 if code in ("PERQ2", "PERQ3") else 0.25
        core = q if side is None else _std(weight * q + 0.9 * sides[side])
        out[code] = _cut(_item(rng, core, 0.85), _CUT_QUALITY)
    out["PERQ5"] = _cut(_item(rng, 0.1 * q + rng.normal(size=n), 0.9), _CUT_QUALITY)  # no driver
    out["PERV1"] = _cut(_item(rng, value, 0.85), _CUT_VALUE)
    out["PERV2"] = _cut(_item(rng, value, 0.85), _CUT_VALUE)
    for k in range(1, 4):
        out[f"CUSA{k}"] = _cut(_item(rng, s, 0.88), _CUT_SATISFACTION)
    out["COMPLAINED"] = (rng.random(n) < 1 / (1 + np.exp(1.8 + 0.9 * s))).astype(int)
    out["CUSCO"] = _cut(_item(rng, _std(p), 0.7), _CUT_QUALITY)
    out["NPS"] = np.clip(
        np.rint(7.4 + 1.7 * _std(0.6 * s + 0.4 * loyal) + 0.8 * rng.normal(size=n)), 0, 10
    )
    out["CUSL1"] = _cut(_item(rng, loyal, 0.85), _CUT_LOYALTY)
    out["CUSL2"] = _cut(_item(rng, loyal, 0.8), _CUT_LOYALTY)
    out["CUSL3"] = _cut(_item(rng, _std(0.7 * loyal + 0.4 * s), 0.8), _CUT_LOYALTY)
    out["LOY_FORGIVE"] = _cut(_item(rng, loyal, 0.75), _CUT_LOYALTY)
    for code, probs in _STATED_IMPORTANCE.items():
        out[code] = rng.choice(np.arange(1, 6), size=n, p=np.asarray(probs))
    out["_weakest"] = np.argmin(np.vstack([p, d, r]), axis=0)  # 0 people, 1 product, 2 process
    out["_satisfaction"] = s
    answered = rng.random(n) < 1 / (1 + np.exp(-(0.3 + 0.4 * s)))
    return out, answered


def _answers(
    rng: np.random.Generator, items: dict[str, np.ndarray], i: int, lang: str
) -> dict[str, Any]:
    dk_able = {c for c in items if c.startswith(("IMAG", "CUEX", "PERQ", "SC_", "PERV", "CUSA"))}
    answers: dict[str, Any] = {}
    for code, values in items.items():
        if code.startswith("_") or code in ("COMPLAINED", "CUSCO"):
            continue
        v = int(values[i])
        answers[code] = (
            "dk"
            if code in dk_able and rng.random() < 0.03
            else str(v)
            if code.startswith(("IMAG", "CUEX", "CUSL", "LOY_", "IMP_"))
            else v
        )
    complained = bool(items["COMPLAINED"][i])
    answers["COMPLAINED"] = "yes" if complained else "no"
    if complained:
        answers["CUSCO"] = int(items["CUSCO"][i])
    s = float(items["_satisfaction"][i])
    if rng.random() < (0.55 if s < -0.5 else 0.25):
        if lang == "en":
            answers["IMPROVE"] = str(rng.choice(_COMMENTS_EN))
        else:
            side = ("people", "product", "process")[int(items["_weakest"][i])]
            pool = _COMMENTS[side] if s < 0.8 else _COMMENTS["praise"]
            answers["IMPROVE"] = str(rng.choice(pool))
    return answers


def _moments(ctx: DemoContext, rng: np.random.Generator) -> int:
    t = ctx.truth
    emp_index = {int(db): i for i, db in enumerate(ctx.employee_ids.tolist())}
    cust_index = {int(db): i for i, db in enumerate(ctx.customer_ids.tolist())}
    emp_q = _std(t.employee_quality)
    since = datetime.combine(MOMENTS_SINCE, time(0), UTC)
    with ctx.store.session() as s:
        rows = s.execute(
            select(
                Touchpoint.id,
                Touchpoint.customer_id,
                Touchpoint.employee_id,
                Touchpoint.occurred_at,
            )
            .where(Touchpoint.occurred_at >= since, Touchpoint.employee_id.is_not(None))
            .order_by(Touchpoint.id)
        ).all()
        if not rows:
            return 0
        take = rng.choice(len(rows), size=min(MAX_MOMENTS, len(rows) // 5 or 1), replace=False)
        chosen = [rows[k] for k in sorted(take.tolist())]
        made = invite_for_touchpoints(s, touchpoint_ids=[r.id for r in chosen], valid_days=14)
        items = []
        for tp_id, cust, emp, occurred in chosen:
            if tp_id not in made or rng.random() > 0.45:
                continue
            e = emp_q[emp_index[int(emp)]] if int(emp) in emp_index else 0.0
            pc = t.people[cust_index[int(cust)]] if int(cust) in cust_index else 0.0
            y = 0.6 * e + 0.3 * pc + 0.75 * rng.normal()
            answers: dict[str, Any] = {
                "MOT_SAT": int(_cut(np.array([y]), _CUT_QUALITY)[0]),
                "MOT_CES": int(_cut(np.array([0.5 * y + 0.85 * rng.normal()]), _CUT_CES)[0]),
            }
            if y < -1.0 and rng.random() < 0.5:
                answers["MOT_COMMENT"] = str(rng.choice(_COMMENTS["people"]))
            stamp = occurred if occurred.tzinfo else occurred.replace(tzinfo=UTC)
            items.append(
                CompletedResponse(
                    invitation_id=made[tp_id],
                    answers=answers,
                    completed_at=stamp + timedelta(hours=float(rng.uniform(1, 48))),
                    minutes=1.0,
                )
            )
        record_responses(s, items=items, source="demo")
    return len(items)


def _customers_at(people: Any, opens: date, closes: date) -> dict[str, list[int]]:
    """Customers by region who were customers while the wave ran: acquired before it
    opened and not churned before it closed. The demo writes history after the fact, so the
    sample cannot use today's status: some of those asked in 2025 have left since — which is
    how their answers can tell who leaves (survival by satisfaction, churn risk, invest)."""
    out: dict[str, list[int]] = {}
    for cid, region, acquired, churned in people:
        if (acquired is None or acquired <= opens) and (churned is None or churned > closes):
            out.setdefault(str(region), []).append(int(cid))
    return out


#: Per competitor, how much better (+) or worse (−) its customers find it than the demo firm:
#: the comparative item COMP1 leans that way for customers who also use it.
_COMPETITOR_EDGE = 0.6


def _brand_and_compare(
    rng: np.random.Generator, t: Any, idx: np.ndarray, competitors: list[list[str]]
) -> list[dict[str, Any]]:
    """Brand identification (LOY_BRAND, 1–5, from the customer's loyalty) and, for customers
    who also use a competitor, the comparative item COMP1 (better / same / worse, from their
    satisfaction, worse where a competitor with an edge is among those they use). A stream of
    its own, so the other answers are the same as without these items."""
    from cxm.demo.vocabulary import COMPETITORS

    edge = {c: _COMPETITOR_EDGE * (1 if k % 2 == 0 else -0.5) for k, c in enumerate(COMPETITORS)}
    brand = _cut(_item(rng, _std(t.loyalty[idx] + 0.3 * rng.normal(size=idx.size)), 0.75),
                 _CUT_LOYALTY)  # fmt: skip
    out: list[dict[str, Any]] = []
    for k, i in enumerate(idx.tolist()):
        answers: dict[str, Any] = {"LOY_BRAND": str(int(brand[k]))}
        used = competitors[k]
        if used:
            lean = float(t.satisfaction[i]) - max(edge.get(c, 0.0) for c in used)
            y = lean + 0.8 * rng.normal()
            answers["COMP1"] = "better" if y > 0.6 else "worse" if y < -0.6 else "same"
        out.append(answers)
    return out


def fill_survey_waves(ctx: DemoContext) -> None:
    """Four quarterly CCSI waves over a regional sample, then moment-of-truth ratings."""
    rng = ctx.rng("survey_waves")
    extra_rng = ctx.rng("survey_brand_compare")
    t = ctx.truth
    index_of = {int(db): i for i, db in enumerate(ctx.customer_ids.tolist())}
    with ctx.store.session() as s:
        qid = install_template(s, name="ccsi").questionnaire_id
        people = s.execute(
            select(Customer.id, Customer.region, Customer.acquired_on, Customer.churned_on)
            .where(Customer.region.is_not(None))
            .order_by(Customer.id)
        ).all()
    summary: dict[str, Any] = {"waves": []}
    for w, (name, opens, closes) in enumerate(WAVES):
        strata = _customers_at(people, opens, closes)
        total = sum(len(v) for v in strata.values()) or 1
        share = min(SAMPLE_SHARE, MAX_PER_WAVE / total)
        with ctx.store.session() as s:
            wave = create_wave(
                s, questionnaire_id=qid, name=name, opens_on=opens, closes_on=closes,
                quiet_days=QUIET_DAYS,
            )  # fmt: skip
            quotas = {k: max(1, round(len(v) * share)) for k, v in strata.items()}
            opened = datetime.combine(opens, time(9), UTC)
            sample_wave(
                s, wave_id=wave.id, stratum=strata, quotas=quotas, seed=ctx.seed + w, now=opened
            )
            invited = s.execute(
                select(Invitation.id, Invitation.customer_id)
                .where(Invitation.wave_id == wave.id)
                .order_by(Invitation.id)
            ).all()
            idx = np.array([index_of.get(c or 0, -1) for _i, c in invited], dtype=np.int64)
            known = idx >= 0
            items, answered = _draw(rng, t, np.where(known, idx, 0), w)
            used: dict[int, Any] = dict(
                s.execute(
                    select(Customer.id, Customer.attributes).where(
                        Customer.id.in_([c for _i, c in invited if c is not None])
                    )
                ).all()
            )
            extras = _brand_and_compare(
                extra_rng,
                t,
                np.where(known, idx, 0),
                [list((used.get(c or 0) or {}).get("competitors_used") or []) for _i, c in invited],
            )
            days = (closes - opens).days
            records = []
            for k, (inv_id, _c) in enumerate(invited):
                if not (known[k] and answered[k]):
                    continue
                lang = "en" if rng.random() < 0.08 else "zh-CN"
                when = opened + timedelta(days=float(rng.uniform(0, days * 0.6)))
                records.append(
                    CompletedResponse(
                        invitation_id=int(inv_id),
                        answers={**_answers(rng, items, k, lang), **extras[k]},
                        completed_at=when,
                        language=lang,
                        minutes=float(rng.uniform(4, 15)),
                    )
                )
            record_responses(s, items=records, source="demo")
        summary["waves"].append({"wave": name, "invited": len(invited), "responses": len(records)})
        ctx.advance((w + 1) / (len(WAVES) + 1))
    summary["moment_of_truth_responses"] = _moments(ctx, rng)
    ctx.advance(1.0)
    ctx.results["survey_waves"] = summary
