"""The ordered steps of ``cxm demo``. Each later area adds its step with one line in
:data:`STEPS` (e.g. surveys fills four quarterly waves, reports writes the report)."""

from __future__ import annotations

from cxm.demo.activity import draw_purchases, draw_touchpoints
from cxm.demo.behaviour_step import show_behaviour
from cxm.demo.cases_step import draw_demo_cases
from cxm.demo.company import draw_customers, draw_employees
from cxm.demo.context import DemoContext, DemoStep
from cxm.demo.exit_step import fill_exit_wave
from cxm.demo.ops_step import record_demo_consent
from cxm.demo.org_step import build_organisation
from cxm.demo.people_step import fill_employee_waves
from cxm.demo.process_step import load_demo_steps
from cxm.demo.report_step import write_demo_report
from cxm.demo.segments_step import define_demo_segments
from cxm.demo.standards_step import run_standards_step
from cxm.demo.text_step import write_demo_texts
from cxm.demo.waves import fill_survey_waves
from cxm.demo.writer import write_company
from cxm.i18n import _

__all__ = ["STEPS", "build_company"]


def build_company(ctx: DemoContext) -> None:
    """Teams, employees, customers, two years of purchases and touchpoints, in one
    transaction."""
    t = ctx.truth
    employees = draw_employees(t)
    customers = draw_customers(t)
    purchases = draw_purchases(t, customers)
    touchpoints = draw_touchpoints(t, customers, purchases)
    ctx.advance(0.15)
    total = len(customers) + len(purchases) + len(touchpoints)
    done = 0

    def on_batch(rows: int) -> None:
        nonlocal done
        done += rows
        ctx.advance(0.15 + 0.85 * done / max(total, 1))

    with ctx.store.engine.begin() as conn:
        ids = write_company(
            conn,
            team_names=t.team_names,
            employees=employees,
            customers=customers,
            purchases=purchases,
            touchpoints=touchpoints,
            on_batch=on_batch,
        )
    ctx.team_ids = ids["teams"]
    ctx.employee_ids = ids["employees"]
    ctx.customer_ids = ids["customers"]


#: The demo, in order. Append a step with one line: ``DemoStep("name", lambda: _("…"), fn)``.
STEPS: tuple[DemoStep, ...] = (
    DemoStep("company", lambda: _("Building the company"), build_company, weight=10.0),
    DemoStep("organisation", lambda: _("Drawing the organisation"), build_organisation),
    DemoStep("consent", lambda: _("Recording consent"), record_demo_consent, weight=0.5),
    DemoStep(
        "survey_waves",
        lambda: _("Collecting four quarterly survey waves"),
        fill_survey_waves,
        weight=4.0,
    ),
    DemoStep(
        "segments",
        lambda: _("Segmenting customers and setting targets"),
        define_demo_segments,
        weight=2.0,
    ),
    DemoStep("cases", lambda: _("Recording the complaint history"), draw_demo_cases, weight=1.0),
    DemoStep("standards", lambda: _("Measuring service standards"), run_standards_step, weight=2.0),
    DemoStep("process", lambda: _("Mapping the process steps"), load_demo_steps, weight=0.5),
    DemoStep("texts", lambda: _("Writing complaint logs and visit reports"), write_demo_texts),
    DemoStep("exit", lambda: _("Asking lost customers why they left"), fill_exit_wave),
    DemoStep("behaviour", lambda: _("Showing loyalty as behaviour"), show_behaviour),
    DemoStep("people", lambda: _("Two anonymous employee survey waves"), fill_employee_waves),
    # Keep last: the report reads everything the steps before it wrote.
    DemoStep("report", lambda: _("Writing the report"), write_demo_report, weight=3.0),
)
