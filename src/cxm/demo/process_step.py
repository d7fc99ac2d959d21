"""The demo's process map: the steps of each stage with their owners and the flow-chart
answers (hand-offs, a rule that blocks service, a redundant step, parallel work, an
inconsistency, automation), tied to the standards measured at each step — so the report's
"what the flow chart points at" has real defects and the complaints' real hand-offs behind
it. The demo's touchpoints carry no touchpoint type, so waiting between steps is not
measured here (it is, wherever touchpoints are imported with their types)."""

from __future__ import annotations

from cxm.demo.context import DemoContext

__all__ = ["DEMO_STEPS", "load_demo_steps"]

DEMO_STEPS = """
steps:
  - {code: PS-CALL, stage: pre_sale, name: {zh-CN: 电话咨询, en: phone enquiry},
     owner: 呼叫中心经理, team: 呼叫中心, standards: [PS-ANSWER-20S, PS-WAIT-60S],
     automation: 常见问题由语音导航和网上问答解答}
  - {code: PS-ADVICE, stage: pre_sale, name: {zh-CN: 方案建议, en: advice on options},
     owner: 呼叫中心经理, team: 呼叫中心, standards: [PS-FIRST-CONTACT]}
  - {code: SA-RECEIVE, stage: sale, name: {zh-CN: 门店接待, en: welcome in the store},
     owner: 门店经理, team: 门店, standards: [SA-GREET, MS-GREET, MS-SMILE, MS-NAME]}
  - {code: SA-ADVISE, stage: sale, name: {zh-CN: 讲解与推荐, en: explain and recommend},
     owner: 门店经理, team: 门店, standards: [SA-EXPLAIN, MS-NEEDS, MS-PROMISE]}
  - {code: SA-CHECKOUT, stage: sale, name: {zh-CN: 结账开票, en: checkout and invoice},
     owner: 财务经理, team: 门店, standards: [SA-QUEUE, SA-INVOICE, SA-IN-STOCK],
     redundant: 顾客信息在接待和结账时各登记一次, parallel_with: SA-ADVISE}
  - {code: DL-SCHEDULE, stage: delivery, name: {zh-CN: 预约送货, en: book the delivery},
     owner: 物流经理, team: 物流部, blocking_rule: 全款到账前不安排送货,
     inconsistency: 门店承诺“次日送达”，物流规定 48 小时内排期}
  - {code: DL-DELIVER, stage: delivery, name: {zh-CN: 送货安装, en: deliver and install},
     owner: 物流经理, team: 安装队, standards: [DL-ON-TIME, DL-UNDAMAGED, DL-INSTALLED]}
  - {code: AS-CALL, stage: after_sale, name: {zh-CN: 售后来电, en: after-sale call},
     owner: 客服经理, team: 客服中心, standards: [AS-CALLBACK-24H, MS-NO-BUCK]}
  - {code: AS-FIX, stage: after_sale, name: {zh-CN: 维修处理, en: repair},
     owner: 维修主管, team: 维修部, standards: [AS-FIRST-FIX], blocking_rule: 没有购物小票不予保修}
  - {code: CP-INTAKE, stage: complaint, name: {zh-CN: 受理投诉, en: take the complaint},
     owner: 客服经理, team: 客服中心, standards: [CP-ACK-4H, CP-OWNER, CS-FIRST-RESPONSE]}
  - {code: CP-RESOLVE, stage: complaint, name: {zh-CN: 解决投诉, en: resolve the complaint},
     owner: 客服经理, team: 客服中心, standards: [CP-RESOLVE-7D, CS-RESOLVED-ON-TIME],
     automation: 补偿在权限内自动审批}
"""


def load_demo_steps(ctx: DemoContext) -> None:
    from cxm.standards.flow import analyse_steps
    from cxm.standards.steps import load_steps

    with ctx.store.session() as s:
        n = load_steps(s, DEMO_STEPS)
    ctx.advance(0.5)
    with ctx.store.session() as s:
        flow = analyse_steps(s)
    first = flow.steps.sort_values("rank").iloc[0]
    ctx.results["process_steps"] = {
        "steps": n,
        "fix_first": str(first["code"]),
        "handoff_points": int(flow.steps["handoff_in"].sum()),
    }
    ctx.advance(1.0)
