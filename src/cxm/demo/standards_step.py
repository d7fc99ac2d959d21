"""The demo's service-standards step (DOMAIN.md §2, "what you can measure you can manage").

It loads 26 standards of the demo company's journey (two of them on the case clocks of each
segment's service level; product, procedure and people, each with
an owner), records the touchpoint and purchase fields that make them measurable, has mystery
shoppers make a few hundred visits, counts defects, and runs three improvement projects:
one that worked (phone answering got faster after a staffing change half-way), one that did
not (using the customer's name: no real change, so it stays open) and one in progress.
The same services as ``cxm standards …`` and ``cxm projects …`` do the work.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert, select

from cxm.demo.context import DemoContext
from cxm.errors import InputError

__all__ = ["DEMO_STANDARDS", "run_standards_step"]

DEMO_STANDARDS = """
fields:
  touchpoints:
    wait_seconds: number
    first_contact_resolved: bool
    greeted_within_30s: bool
    options_explained: bool
    queue_minutes: number
    days_late: number
    damaged: bool
    installed_on_visit: bool
    callback_hours: number
    acknowledged_hours: number
    owner_assigned: bool
    resolved_days: number
  purchases:
    in_stock: bool
    invoice_correct: bool
standards:
  - {code: PS-ANSWER-20S, name: 电话 20 秒内接听, stage: pre_sale, kind: procedure,
     owner: 呼叫中心经理, unit: 通话, source: touchpoints, applies: 'channel == "电话"',
     rule: wait_seconds <= 20, target: 0.95}
  - {code: PS-FIRST-CONTACT, name: 咨询一次答复, stage: pre_sale, kind: procedure,
     owner: 呼叫中心经理, unit: 咨询, source: touchpoints, rule: first_contact_resolved,
     target: 0.9}
  - {code: PS-WAIT-60S, name: 任何渠道等待不超过 60 秒, stage: pre_sale, kind: procedure,
     owner: 客服总监, unit: 咨询, source: touchpoints, rule: wait_seconds <= 60, target: 0.98}
  - {code: SA-GREET, name: 30 秒内问候顾客, stage: sale, kind: people, owner: 门店经理,
     unit: 接待, source: touchpoints, rule: greeted_within_30s, target: 0.97}
  - {code: SA-EXPLAIN, name: 讲清可选方案与价格, stage: sale, kind: people, owner: 门店经理,
     unit: 接待, source: touchpoints, rule: options_explained, target: 0.95}
  - {code: SA-QUEUE, name: 结账排队不超过 5 分钟, stage: sale, kind: procedure,
     owner: 门店经理, unit: 接待, source: touchpoints, rule: queue_minutes <= 5, target: 0.9}
  - {code: SA-IN-STOCK, name: 下单时有现货, stage: sale, kind: product, owner: 供应链经理,
     unit: 订单, source: purchases, rule: in_stock, target: 0.97}
  - {code: SA-INVOICE, name: 发票准确, stage: sale, kind: product, owner: 财务经理,
     unit: 订单, source: purchases, rule: invoice_correct, target: 0.995}
  - {code: DL-ON-TIME, name: 按承诺日期送达, stage: delivery, kind: procedure,
     owner: 物流经理, unit: 送货, source: touchpoints, rule: days_late <= 0, target: 0.95}
  - {code: DL-UNDAMAGED, name: 送达时无损坏, stage: delivery, kind: product, owner: 物流经理,
     unit: 送货, source: touchpoints, rule: not damaged, target: 0.99}
  - {code: DL-INSTALLED, name: 上门一次安装完成, stage: delivery, kind: procedure,
     owner: 安装主管, unit: 送货, source: touchpoints, rule: installed_on_visit, target: 0.93}
  - {code: AS-CALLBACK-24H, name: 24 小时内回电, stage: after_sale, kind: procedure,
     owner: 售后经理, unit: 服务请求, source: touchpoints, rule: callback_hours <= 24,
     target: 0.95}
  - {code: AS-FIRST-FIX, name: 首次处理即解决, stage: after_sale, kind: procedure,
     owner: 售后经理, unit: 服务请求, source: touchpoints, rule: first_contact_resolved,
     target: 0.85}
  - {code: CP-ACK-4H, name: 投诉 4 小时内确认, stage: complaint, kind: procedure,
     owner: 客户关系经理, unit: 投诉, source: touchpoints, rule: acknowledged_hours <= 4,
     target: 0.95}
  - {code: CP-OWNER, name: 每个投诉有唯一负责人, stage: complaint, kind: people,
     owner: 客户关系经理, unit: 投诉, source: touchpoints, rule: owner_assigned, target: 0.99}
  - {code: CP-RESOLVE-7D, name: 投诉 7 天内解决, stage: complaint, kind: procedure,
     owner: 客户关系经理, unit: 投诉, source: touchpoints, rule: resolved_days <= 7,
     target: 0.9}
  - {code: CS-FIRST-RESPONSE, name: 在服务等级时限内首次答复, stage: complaint, kind: procedure,
     owner: 客服经理, unit: 案件, source: cases,
     rule: first_response_hours <= first_response_allowed_hours, target: 0.95}
  - {code: CS-RESOLVED-ON-TIME, name: 在服务等级时限内解决, stage: complaint, kind: procedure,
     owner: 客服经理, unit: 案件, source: cases, rule: resolved_on_time, target: 0.9}
  - {code: MS-GREET, name: 进店即问候, stage: sale, kind: people, owner: 门店经理,
     unit: 暗访, source: shopping, target: 0.95}
  - {code: MS-NAME, name: 称呼顾客姓名, stage: sale, kind: people, owner: 门店经理,
     unit: 暗访, source: shopping, target: 0.8}
  - {code: MS-SMILE, name: 微笑与目光接触, stage: sale, kind: people, owner: 门店经理,
     unit: 暗访, source: shopping, target: 0.95}
  - {code: MS-NEEDS, name: 先询问需求再推荐, stage: sale, kind: people, owner: 门店经理,
     unit: 暗访, source: shopping, target: 0.9}
  - {code: MS-NO-BUCK, name: 不推诿（不让顾客找别的部门）, stage: after_sale, kind: people,
     owner: 售后经理, unit: 暗访, source: shopping, target: 0.98}
  - {code: MS-CLEAN, name: 门店整洁, stage: sale, kind: people, owner: 门店经理,
     unit: 暗访, source: shopping, target: 0.95}
  - {code: MS-PROMISE, name: 说明送货与安装时间, stage: sale, kind: people,
     owner: 门店经理, unit: 暗访, source: shopping, target: 0.9}
  - {code: MS-THANK, name: 道别致谢, stage: sale, kind: people, owner: 门店经理,
     unit: 暗访, source: shopping, target: 0.95}
"""

#: Share met per checklist line before and after the midpoint of the demo's two years.
_CHECKLIST = {
    "MS-GREET": (0.78, 0.80),
    "MS-NAME": (0.62, 0.64),
    "MS-SMILE": (0.90, 0.91),
    "MS-NEEDS": (0.82, 0.83),
    "MS-NO-BUCK": (0.93, 0.94),
    "MS-CLEAN": (0.96, 0.96),
    "MS-PROMISE": (0.85, 0.86),
    "MS-THANK": (0.92, 0.93),
}
VISITS = 360


def _touchpoint_fields(
    frame: pd.DataFrame, rng: np.random.Generator, mid: pd.Timestamp
) -> list[dict[str, object]]:
    n = len(frame)
    stage = frame["stage"].to_numpy()
    later = (frame["occurred_at"] >= mid).to_numpy()
    phone = (frame["channel"] == "电话").to_numpy()
    wait = np.where(phone, rng.exponential(np.where(later, 7.0, 15.0)), rng.exponential(20.0, n))
    values: dict[str, np.ndarray] = {
        "wait_seconds": np.round(wait, 1),
        "first_contact_resolved": rng.random(n) < np.where(stage == "after_sale", 0.8, 0.9),
        "greeted_within_30s": rng.random(n) < 0.96,
        "options_explained": rng.random(n) < 0.92,
        "queue_minutes": np.round(rng.exponential(2.5, n), 1),
        "days_late": np.floor(rng.normal(-1.2, 1.4, n)),
        "damaged": rng.random(n) < 0.015,
        "installed_on_visit": rng.random(n) < 0.9,
        "callback_hours": np.round(rng.exponential(9.0, n), 1),
        "acknowledged_hours": np.round(rng.exponential(2.0, n), 1),
        "owner_assigned": rng.random(n) < 0.97,
        "resolved_days": np.round(rng.exponential(3.5, n), 1),
    }
    per_stage = {
        "pre_sale": ("wait_seconds", "first_contact_resolved"),
        "sale": ("greeted_within_30s", "options_explained", "queue_minutes"),
        "delivery": ("days_late", "damaged", "installed_on_visit"),
        "after_sale": ("callback_hours", "first_contact_resolved"),
        "complaint": ("acknowledged_hours", "owner_assigned", "resolved_days"),
    }
    ids = frame["id"].to_numpy().tolist()
    plain = {k: v.tolist() for k, v in values.items()}  # Python values, converted once
    return [
        {
            "source": "touchpoints",
            "record_id": ids[i],
            "values": {k: plain[k][i] for k in per_stage.get(str(stage[i]), ())},
        }
        for i in range(n)
    ]


def run_standards_step(ctx: DemoContext) -> None:
    from cxm.customers.models import Purchase, Team, Touchpoint
    from cxm.frames.cache import shared_reads
    from cxm.standards.checking import check_standards
    from cxm.standards.definitions import load_standards
    from cxm.standards.models import RecordFields
    from cxm.standards.recording import VisitInput, record_visit

    rng = ctx.rng("standards")
    with ctx.store.session() as s:
        load_standards(s, DEMO_STANDARDS)
        tp = pd.DataFrame(
            s.execute(
                select(Touchpoint.id, Touchpoint.stage, Touchpoint.channel, Touchpoint.occurred_at)
            ).all(),
            columns=["id", "stage", "channel", "occurred_at"],
        )
        purchase_ids = np.asarray(s.scalars(select(Purchase.id)).all(), dtype=np.int64)
        teams = list(s.scalars(select(Team.name).order_by(Team.id)))
    ctx.advance(0.1)
    tp["stage"] = tp["stage"].map(lambda v: getattr(v, "value", v))
    tp["occurred_at"] = pd.to_datetime(tp["occurred_at"], utc=True)
    first, last = tp["occurred_at"].min(), tp["occurred_at"].max()
    mid = first + (last - first) / 2
    rows = _touchpoint_fields(tp, rng, mid)
    in_stock = rng.random(purchase_ids.size) < 0.96
    invoice = rng.random(purchase_ids.size) < 0.997
    rows += [
        {
            "source": "purchases",
            "record_id": int(pid),
            "values": {"in_stock": bool(a), "invoice_correct": bool(b)},
        }
        for pid, a, b in zip(purchase_ids, in_stock, invoice, strict=True)
    ]
    with ctx.store.session() as s:
        for start in range(0, len(rows), 20_000):
            s.connection().execute(insert(RecordFields), rows[start : start + 20_000])
    ctx.advance(0.5)
    span = (last - first).total_seconds()
    with ctx.store.session() as s:
        for i in range(VISITS):
            when = first + timedelta(seconds=float(rng.uniform(0, span)))
            later = when >= mid
            answers = {
                code: bool(rng.random() < (after if later else before))
                for code, (before, after) in _CHECKLIST.items()
            }
            if later:  # the greeting project: a script and coaching in the second year
                answers["MS-GREET"] = bool(rng.random() < 0.95)
            record_visit(
                s,
                VisitInput(
                    when.to_pydatetime(), "sale", f"门店 {1 + i % 12}",
                    teams[i % len(teams)] if teams else None, f"暗访员 {1 + i % 6}", answers,
                ),
            )  # fmt: skip
    ctx.advance(0.6)
    with shared_reads():  # the projects re-read the records the check read
        with ctx.store.session() as s:
            result = check_standards(s, segments="value")
        ctx.advance(0.8)
        worked, failed = _projects(ctx, first, mid, last, teams)
    ctx.results["standards"] = {
        "standards": result.standards,
        "opportunities": result.opportunities,
        "defects": result.defects,
        "visits": VISITS,
        "project_worked_p": worked.p_value,
        "project_failed_p": failed.p_value,
    }
    ctx.advance(1.0)


def _projects(
    ctx: DemoContext, first: pd.Timestamp, mid: pd.Timestamp, last: pd.Timestamp, teams: list[str]
) -> tuple[Any, Any]:
    from cxm.standards.projects import (
        ProjectSpec,
        close_project,
        create_project,
        measure_project,
        recognise,
        set_phase,
    )

    baseline = (first.date(), (mid - timedelta(days=1)).date())
    after = ((mid + timedelta(days=30)).date(), last.date())
    team = teams[0] if teams else "service"
    with ctx.store.session() as s:
        for name, code, who, test in (
            ("电话接听提速", "PS-ANSWER-20S", team, "two_proportion"),
            ("称呼顾客姓名", "MS-NAME", teams[1] if len(teams) > 1 else team, "two_proportion"),
            ("按时送达", "DL-ON-TIME", teams[2] if len(teams) > 2 else team, "poisson"),
        ):
            create_project(
                s,
                ProjectSpec(
                    name=name, team=who, problem_kind="standard", problem_ref=code,
                    metric="defect_rate", test=test,
                    baseline_start=baseline[0], baseline_end=baseline[1],
                    after_start=after[0], after_end=after[1], cost=50_000.0,
                ),
            )  # fmt: skip
        set_phase(s, "电话接听提速", "control")
        set_phase(s, "称呼顾客姓名", "control")
        set_phase(s, "按时送达", "analyze")
    try:
        with ctx.store.session() as s:
            worked = close_project(s, "电话接听提速")
            recognise(
                s, "电话接听提速", person=f"{team} 全体", reason="电话 20 秒接听率显著提升",
                on=datetime.now(UTC).date(),
            )  # fmt: skip
    except InputError:  # a very small demo company has too few calls to show it: stays open
        with ctx.store.session() as s:
            worked = measure_project(s, "电话接听提速")
    with ctx.store.session() as s:
        failed = measure_project(s, "称呼顾客姓名")  # not significant: stays open
    return worked, failed
