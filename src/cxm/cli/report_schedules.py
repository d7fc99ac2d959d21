"""``cxm reports``: the kept manager's report (build it now, list the kept copies) and its
scheduled delivery (``cxm reports schedule add|list|remove``, ``cxm reports deliveries``)."""

from __future__ import annotations

from typing import Annotated

import typer

from cxm.i18n import _

__all__ = ["register"]


def build(
    wave: Annotated[str, typer.Option("--wave", help="Wave name or id (default: latest).")] = "",
    segment: Annotated[
        str, typer.Option("--segment", help="definition:segment, e.g. value:key (default: all).")
    ] = "",
    lang: Annotated[str, typer.Option("--lang", help="zh-CN or en.")] = "zh-CN",
) -> None:
    """Build the kept report now (what the job runner does every ten minutes)."""
    from cxm.cli.context import open_store, settings
    from cxm.cli.output import console
    from cxm.errors import NotFound
    from cxm.report_cache.snapshots import build_snapshots, segment_choices, wave_choices

    with open_store() as store:
        with store.session() as s:
            waves = wave_choices(s)
            if segment and segment not in segment_choices(s):
                raise NotFound(_("No segment {segment}.", segment=segment))
        match = [w for w in waves if wave in (w.name, str(w.id))] if wave else waves[:1]
        if wave and not match:
            raise NotFound(_("No survey wave named {wave}.", wave=wave))
        wave_id = match[0].id if match else 0
        seconds = build_snapshots(
            store, wave_id=wave_id, segment=segment, lang=lang, min_n=settings().min_n
        )
    console.print(_("Report kept in {s} s.", s=f"{seconds:.1f}"), markup=False)


def schedule_add(
    name: Annotated[str, typer.Argument(help="A name for the schedule.")],
    every: Annotated[str, typer.Option("--every", help="daily or weekly (08:00).")] = "weekly",
    channel: Annotated[
        str, typer.Option("--channel", help="email, wecom or dingtalk (group robots).")
    ] = "email",
    to: Annotated[
        list[str] | None,
        typer.Option("--to", help="Recipient as user=address (repeat; e-mail only)."),
    ] = None,
    segment: Annotated[str, typer.Option("--segment", help="definition:segment.")] = "",
    lang: Annotated[str, typer.Option("--lang", help="zh-CN or en.")] = "zh-CN",
) -> None:
    """Deliver the report every day or week to chosen users (the job runner sends it)."""
    from cxm.cli.context import open_store, settings
    from cxm.cli.output import console
    from cxm.report_cache.schedules import add_schedule

    with open_store() as store, store.session() as s:
        schedule = add_schedule(
            s,
            name=name,
            frequency=every,
            channel=channel,
            recipients=list(to or []),
            segment=segment,
            lang=lang,
            created_by="cli",
            zone=settings().timezone,
        )
        console.print(
            _("Schedule {name} saved ({every}, {channel}).", name=schedule.name, every=every,
              channel=channel),
            markup=False,
        )  # fmt: skip


def schedule_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The report schedules."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.report_cache.schedules import list_schedules

    with open_store() as store, store.session() as s:
        rows = list_schedules(s)
    if as_json:
        print_json(rows)
        return
    print_table(
        _("Report schedules"),
        [_("name"), _("every"), _("channel"), _("recipients"), _("segment"), _("language")],
        [
            (r["name"], r["frequency"], r["channel"], ", ".join(r["recipients"]),
             r["segment"] or "—", r["lang"])
            for r in rows
        ],
    )  # fmt: skip


def schedule_remove(name: Annotated[str, typer.Argument(help="The schedule's name.")]) -> None:
    """Stop delivering a report (its delivery record is removed with it)."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console
    from cxm.report_cache.schedules import remove_schedule

    with open_store() as store, store.session() as s:
        remove_schedule(s, name=name)
    console.print(_("Schedule {name} removed.", name=name), markup=False)


def deliveries(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Each delivery of a scheduled report: period, outcome, how many were sent."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.report_cache.schedules import list_deliveries

    with open_store() as store, store.session() as s:
        rows = list_deliveries(s)
    if as_json:
        print_json(rows)
        return
    print_table(
        _("Report deliveries"),
        [_("schedule"), _("period"), _("status"), _("sent"), _("failed")],
        [(r["schedule_id"], r["period"], r["status"], r["sent"], r["failed"]) for r in rows],
    )


def register(app: typer.Typer) -> None:
    reports = typer.Typer(
        help="The kept manager's report and its scheduled delivery.", no_args_is_help=True
    )
    reports.command("build")(build)
    reports.command("deliveries")(deliveries)
    schedule = typer.Typer(help="Deliver the report daily or weekly.", no_args_is_help=True)
    schedule.command("add")(schedule_add)
    schedule.command("list")(schedule_list)
    schedule.command("remove")(schedule_remove)
    reports.add_typer(schedule, name="schedule")
    app.add_typer(reports, name="reports")
