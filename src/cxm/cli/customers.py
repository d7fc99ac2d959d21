"""``cxm customers show ID``: one customer's whole file."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cxm.cli.output import table_cell
from cxm.i18n import _

if TYPE_CHECKING:
    from cxm.customers.profile import CustomerFile

__all__ = ["register"]


def _field_labels() -> dict[str, str]:
    return {
        "id": _("Database id"),
        "external_id": _("Customer id"),
        "name": _("Name"),
        "phone": _("Phone"),
        "email": _("E-mail"),
        "region": _("Region"),
        "channel": _("Channel"),
        "acquired_on": _("Customer since"),
        "status": _("Status"),
        "churned_on": _("Churned on"),
        "churn_reason": _("Churn reason"),
        "churn_note": _("Churn note"),
        "gender": _("Gender"),
        "age": _("Age"),
        "family": _("Family"),
        "married": _("married"),
        "children": _("children"),
        "preferences": _("Preferences"),
        "hobbies": _("Hobbies"),
        "life_events": _("Life events"),
        "event": _("event"),
        "month": _("month"),
        "competitors_used": _("Competitors used"),
        "suggestions": _("Suggestions"),
        "definition": _("Segmentation"),
        "segment": _("Segment"),
        "since": _("Since"),
        "completed_at": _("Answered"),
        "survey": _("Survey"),
        "satisfaction": _("Satisfaction (1–5)"),
        "nps": _("Recommend (0–10)"),
        "effort": _("Effort (1–7)"),
        "comment": _("Comment"),
    }


def _chinese() -> bool:
    from cxm.i18n import current_language

    return current_language().startswith("zh")


def _plain(value: Any, labels: dict[str, str]) -> str:
    """A JSON value as one line a person reads."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None:
        return "—"
    if isinstance(value, dict):
        parts = []
        for k, v in value.items():
            if k == "married" and isinstance(v, bool):
                parts.append(labels["married"] if v else _("not married"))
            else:
                parts.append(f"{labels.get(k, k)} {_plain(v, labels)}")
        return ("，" if _chinese() else ", ").join(parts)
    if isinstance(value, list):
        joined = ("、" if _chinese() else ", ").join(_plain(v, labels) for v in value)
        return joined if value else "—"
    return str(value)


def _print_human(cf: CustomerFile) -> None:
    from rich.panel import Panel
    from rich.table import Table

    from cxm.cli.output import console, print_table
    from cxm.customers.codes import churn_reason_label, stage_label

    labels = _field_labels()
    p = dict(cf.profile)
    p["status"] = _("churned") if p["status"] == "churned" else _("active")
    if p["churn_reason"]:
        p["churn_reason"] = churn_reason_label(p["churn_reason"])
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for key, value in p.items():
        if value is not None and key != "id":
            grid.add_row(labels.get(key, key), table_cell(value))
    for key, value in cf.attributes.items():
        if not key.startswith("_"):
            grid.add_row(labels.get(key, key), _plain(value, labels))
    title = _("Customer file: {id} {name}", id=p["external_id"], name=p["name"] or "")
    console.print(Panel(grid, title=title, title_align="left"))

    s = cf.purchases
    span = f"{table_cell(s.first)} – {table_cell(s.last)}" if s.count else "—"
    console.print(
        _(
            "Purchases: {n}, revenue ¥{revenue:,.2f}, profit ¥{profit:,.2f}, {span}",
            n=s.count,
            revenue=s.revenue,
            profit=s.profit,
            span=span,
        )
    )
    if s.top_products:
        print_table(
            _("Top products"),
            [_("Product"), _("Purchases"), _("Revenue")],
            [(x.product, x.purchases, f"¥{x.revenue:,.2f}") for x in s.top_products],
        )
    stages = ("，" if _chinese() else ", ").join(
        f"{stage_label(k)} {v}" for k, v in cf.touchpoints_by_stage.items()
    )
    console.print(_("Touchpoints: {n} ({stages})", n=cf.touchpoints_total, stages=stages or "—"))
    if cf.touchpoints:
        print_table(
            _("Recent touchpoints"),
            [_("Time"), _("Stage"), _("Channel"), _("Employee"), _("Team"), _("Note")],
            [
                (
                    table_cell(t.occurred_at),
                    stage_label(t.stage),
                    t.channel,
                    t.employee,
                    t.team,
                    t.note,
                )
                for t in cf.touchpoints
            ],
        )
    for name, value in cf.sections.items():
        _print_section(_(name), value, labels)


def _print_section(title: str, value: Any, labels: dict[str, str]) -> None:
    """A further section (survey answers, cases…): rows of records as a table, anything
    else as text."""
    from rich.panel import Panel

    from cxm.cli.output import console, print_table

    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        cols = list(dict.fromkeys(k for v in value for k in v))
        rows = [
            [_plain(table_cell(v.get(c)) if _is_time(v.get(c)) else v.get(c), labels) for c in cols]
            for v in value
        ]
        print_table(title, [labels.get(c, c) for c in cols], rows)
    else:
        console.print(Panel(_plain(value, labels), title=title, title_align="left"))


def _is_time(value: Any) -> bool:
    return isinstance(value, date | datetime)


def show(
    customer_id: Annotated[str, typer.Argument(help="The customer's id (external id).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the file as JSON.")] = False,
    touchpoints: Annotated[
        int, typer.Option("--touchpoints", min=0, help="How many recent touchpoints to show.")
    ] = 20,
) -> None:
    """Show one customer's whole file: profile, attributes, purchases, touchpoints."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json
    from cxm.customers.profile import customer_file

    with open_store() as store:
        cf = customer_file(store, customer_id, recent_touchpoints=touchpoints)
    if as_json:
        print_json(cf.to_dict())
        return
    _print_human(cf)


def register(app: typer.Typer) -> None:
    customers = typer.Typer(help=_("The customer file."), no_args_is_help=True)
    customers.command("show", help=_("Show one customer's whole file."))(show)
    app.add_typer(customers, name="customers")
