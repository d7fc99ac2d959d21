"""``cxm cases``: complaint and follow-up cases — open, act, hand over, resolve with
recovery, rules that open cases from answers, the periodic sweep, and the loop's report."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from cxm.cli.context import open_store, settings
from cxm.cli.output import console, print_json, print_table
from cxm.errors import InputError, NotFound
from cxm.i18n import _

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
AsOpt = Annotated[
    str, typer.Option("--as", help="The staff member acting (login name); empty: the system.")
]
VersionOpt = Annotated[
    int, typer.Option("--version", help="The case version you saw (cxm cases show).")
]


def _user_id(session: Any, name: str) -> int | None:
    from cxm.cases.listing import staff_user_id

    return staff_user_id(session, name)


def create(
    customer: Annotated[str, typer.Argument(help="Customer id in your system (external id).")],
    subject: Annotated[str, typer.Option("--subject", help="One line: what is wrong.")],
    type_: Annotated[
        str,
        typer.Option("--type", help="complaint, detractor_followup, enquiry, suggestion, praise."),
    ] = "complaint",
    text: Annotated[str, typer.Option("--text", help="The customer's words.")] = "",
    channel: Annotated[str, typer.Option("--channel", help="phone, email, store, web …")] = "",
    emotion: Annotated[
        str, typer.Option("--emotion", help="happy, disappointed, angry or afraid.")
    ] = "",
    fault: Annotated[
        list[str] | None, typer.Option("--fault", help="A service fault (repeat for several).")
    ] = None,
    stage: Annotated[str, typer.Option("--stage", help="Journey stage code.")] = "",
    team: Annotated[int | None, typer.Option("--team", help="Team id.")] = None,
    owner: Annotated[str, typer.Option("--owner", help="Owner (login name).")] = "",
    priority: Annotated[str, typer.Option("--priority", help="low, normal, high, urgent.")] = (
        "normal"
    ),
    actor: AsOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Open a case by hand; the first person reached owns it (default: --as)."""
    from cxm.cases.service import case_summary, open_case

    with open_store() as store, store.session() as s:
        actor_id = _user_id(s, actor)
        owner_id = _user_id(s, owner) if owner else actor_id
        case, _new = open_case(
            s,
            customer=customer,
            type=type_,
            subject=subject,
            text=text or None,
            channel=channel or None,
            emotion=emotion or None,
            faults=fault or [],
            stage=stage or None,
            team_id=team,
            owner_user_id=owner_id,
            priority=priority,
            actor_user_id=actor_id,
        )
        out = case_summary(case)
    if as_json:
        print_json(out)
    else:
        from cxm.clock import shown_time

        console.print(
            _(
                "Opened case {id}: first response due {due}, resolution due {res}.",
                id=out["id"],
                due=shown_time(out["first_response_due"]),
                res=shown_time(out["resolution_due"]),
            )
        )


def list_(
    status: Annotated[
        list[str] | None, typer.Option("--status", help="Only these statuses (repeatable).")
    ] = None,
    owner: Annotated[str, typer.Option("--owner", help="Only this owner's cases.")] = "",
    team: Annotated[int | None, typer.Option("--team", help="Only this team's cases.")] = None,
    breaching: Annotated[
        bool, typer.Option("--breaching", help="Only open cases warned or escalated.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """List cases, most urgent deadline first."""
    from cxm.cases.codes import CaseStatus
    from cxm.cases.listing import find_cases
    from cxm.cases.service import case_summary

    try:
        statuses = [CaseStatus(v) for v in status or ()]
    except ValueError:
        raise InputError(
            _(
                "--status: unknown value in {values}; allowed: {allowed}.",
                values=", ".join(status or ()),
                allowed=", ".join(c.value for c in CaseStatus),
            )
        ) from None
    with open_store() as store, store.session() as s:
        found = find_cases(
            s,
            statuses=statuses,
            owner_user_id=_user_id(s, owner) if owner else None,
            team_id=team,
            breaching=breaching,
            limit=limit,
        )
        rows = [case_summary(c) for c in found]
    if as_json:
        print_json(rows)
        return
    from cxm.cases.codes import label

    print_table(
        _("Cases"),
        [
            _("id"),
            _("type"),
            _("status"),
            _("priority"),
            _("subject"),
            _("resolution due"),
            _("clock"),
        ],
        [
            (
                r["id"],
                label(r["type"]),
                label(r["status"]),
                label(r["priority"]),
                r["subject"][:50],
                r["resolution_due"],
                r["resolution_clock"],
            )
            for r in rows
        ],
    )


def show(
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    as_json: JsonOpt = False,
) -> None:
    """One case with its whole history, recovery actions and follow-ups."""
    from cxm.cases.listing import case_record

    with open_store() as store, store.session() as s:
        out = case_record(s, case_id)
    if as_json:
        print_json(out)
        return
    from cxm.cases.codes import label

    console.print(
        f"[bold]#{out['id']}[/] {out['subject']}  ({label(out['type'])}, "
        f"{label(out['status'])}, v{out['version']})"
    )
    print_table(
        _("History"),
        [_("at"), _("event"), _("by"), _("status"), _("note")],
        [
            (
                h["at"],
                h["kind"],
                h["actor_user_id"] or _("system"),
                f"{h['from'] or ''}→{h['to'] or ''}" if h["to"] else "",
                h["note"] or "",
            )
            for h in out["history"]
        ],
    )


def act_cmd(
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    action: Annotated[
        str, typer.Argument(help="acknowledge, start, wait, resume, close or reopen.")
    ],
    version: VersionOpt,
    note: Annotated[str, typer.Option("--note", help="Why, for the history.")] = "",
    actor: AsOpt = "",
) -> None:
    """Move a case through its states (resolve has its own command)."""
    from cxm.cases.service import act
    from cxm.cases.states import Action

    if action == Action.RESOLVE:
        raise InputError(_("Use `cxm cases resolve` to resolve a case (with its recovery)."))
    with open_store() as store, store.session() as s:
        case = act(
            s,
            case_id=case_id,
            action=action,
            version=version,
            actor_user_id=_user_id(s, actor),
            note=note or None,
        )
        console.print(
            _(
                "Case {id} is now {status} (version {v}).",
                id=case.id,
                status=case.status.value,
                v=case.version,
            )
        )


def note_cmd(
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    text: Annotated[str, typer.Argument(help="The note.")],
    contact: Annotated[
        bool, typer.Option("--contact", help="A contact with the customer (counts as response).")
    ] = False,
    actor: AsOpt = "",
) -> None:
    """Add a note (or a contact with the customer) to a case's history."""
    from cxm.cases.service import add_note

    with open_store() as store, store.session() as s:
        add_note(s, case_id=case_id, actor_user_id=_user_id(s, actor), note=text, contact=contact)
    console.print(_("Noted on case {id}.", id=case_id))


def assign(
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    version: VersionOpt,
    reason: Annotated[str, typer.Option("--reason", help="Why it changes hands.")],
    to: Annotated[str, typer.Option("--to", help="The new owner (login name).")] = "",
    team: Annotated[int | None, typer.Option("--team", help="The new team id.")] = None,
    actor: AsOpt = "",
) -> None:
    """Hand a case over; handing it to another team is recorded as the fault "sent from
    department to department"."""
    from cxm.cases.service import hand_over

    with open_store() as store, store.session() as s:
        case = hand_over(
            s,
            case_id=case_id,
            version=version,
            actor_user_id=_user_id(s, actor),
            reason=reason,
            to_user_id=_user_id(s, to) if to else None,
            to_team_id=team,
        )
        console.print(
            _("Case {id} handed over ({n} hand-offs so far).", id=case.id, n=case.handoffs)
        )


def resolve(
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    version: VersionOpt,
    apology: Annotated[str, typer.Option("--apology", help="The apology made.")] = "",
    correction: Annotated[str, typer.Option("--correction", help="What was put right.")] = "",
    compensation: Annotated[
        str, typer.Option("--compensation", help="Amount of compensation granted.")
    ] = "",
    currency: Annotated[str, typer.Option("--currency", help="Currency (ISO code).")] = "CNY",
    compensation_kind: Annotated[
        str, typer.Option("--compensation-kind", help="refund, voucher, points, gift …")
    ] = "",
    do_more: Annotated[str, typer.Option("--do-more", help="What was done beyond.")] = "",
    exception_rule: Annotated[str, typer.Option("--exception-rule", help="Rule bent.")] = "",
    exception_reason: Annotated[str, typer.Option("--exception-reason", help="Why.")] = "",
    approved_by: Annotated[
        str, typer.Option("--approved-by", help="Supervisor approving above your limit.")
    ] = "",
    emotion_out: Annotated[str, typer.Option("--emotion-out", help="Emotion at closing.")] = "",
    outcome: Annotated[
        str, typer.Option("--outcome", help="Suggestions: adopted or not_adopted.")
    ] = "",
    note: Annotated[str, typer.Option("--note", help="How it was resolved.")] = "",
    actor: AsOpt = "",
) -> None:
    """Resolve a case with its recovery actions; the follow-up survey is prepared."""
    from cxm.cases.recovery import RecoverySpec, resolve_case

    specs: list[RecoverySpec] = []
    if apology:
        specs.append(RecoverySpec("apology", description=apology))
    if correction:
        specs.append(RecoverySpec("correction", description=correction))
    if compensation:
        specs.append(
            RecoverySpec(
                "compensation",
                amount=compensation,
                currency=currency,
                compensation_kind=compensation_kind or None,
                exception_rule=exception_rule or None,
                exception_reason=exception_reason or None,
            )
        )
    elif exception_rule or exception_reason:
        specs.append(
            RecoverySpec(
                "do_more",
                description=do_more or None,
                exception_rule=exception_rule or None,
                exception_reason=exception_reason or None,
            )
        )
        do_more = ""
    if do_more:
        specs.append(RecoverySpec("do_more", description=do_more))
    with open_store() as store, store.session() as s:
        case = resolve_case(
            s,
            case_id=case_id,
            version=version,
            actor_user_id=_user_id(s, actor),
            recovery=specs,
            note=note or None,
            emotion_out=emotion_out or None,
            approved_by_user_id=_user_id(s, approved_by) if approved_by else None,
            outcome=outcome or None,
        )
        console.print(_("Case {id} resolved; the follow-up survey is prepared.", id=case.id))


def rules_load(
    path: Annotated[Path, typer.Argument(help="Rules YAML file.")],
    actor: AsOpt = "",
) -> None:
    """Load a new version of the rules that open cases from survey answers."""
    from cxm.cases.rules import load_rules

    with open_store() as store, store.session() as s:
        row = load_rules(s, path=path, user_id=_user_id(s, actor))
        n = len(row.definition["rules"])
        console.print(_("Rules version {v} loaded ({n} rules).", v=row.version, n=n))


def rules_show(as_json: JsonOpt = False) -> None:
    """The rules in force."""
    from cxm.cases.rules import current_rules

    with open_store() as store, store.session() as s:
        row = current_rules(s)
        if row is None:
            raise NotFound(_("No rules loaded: `cxm cases rules load FILE`."))
        data = {
            "version": row.version,
            "loaded_at": row.loaded_at,
            "evaluated_until": row.evaluated_until,
            "rules": row.definition["rules"],
        }
    if as_json:
        print_json(data)
    else:
        from cxm.clock import shown_time

        console.print(
            _(
                "Rules version {v}, loaded {at}:",
                v=data["version"],
                at=shown_time(data["loaded_at"]),
            )
        )
        typer.echo(row.source)


def sweep_cmd(
    loop: Annotated[
        int, typer.Option("--loop", min=0, help="Repeat every N seconds (0: once).")
    ] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Run the loop's periodic work once: rules, follow-up answers, clocks, sends."""
    import time
    from dataclasses import asdict

    from cxm.cases.worker import sweep

    with open_store() as store:
        while True:
            result = sweep(store, settings())
            if as_json:
                print_json(asdict(result))
            else:
                console.print(
                    _(
                        "Rules: {opened} cases opened of {checked} answers; follow-ups answered "
                        "{answered} (reopened {reopened}); escalated {esc}, warned {warn}.",
                        opened=result.rules.get("opened", 0),
                        checked=result.rules.get("checked", 0),
                        answered=result.followups.get("answered", 0),
                        reopened=result.followups.get("reopened", 0),
                        esc=result.clocks.get("escalated", 0),
                        warn=result.clocks.get("warned", 0),
                    )
                )
                for w in result.warnings:
                    console.print(w, style="yellow")
            if not loop:
                break
            time.sleep(loop)


def limits_set(
    role: Annotated[str, typer.Argument(help="Role: agent, lead, manager …")],
    amount: Annotated[str, typer.Argument(help="Most compensation granted on the spot.")],
    currency: Annotated[str, typer.Option("--currency", help="ISO currency code.")] = "CNY",
) -> None:
    """Set a role's authority limit for compensation."""
    from cxm.cases.recovery import set_authority_limit

    with open_store() as store, store.session() as s:
        row = set_authority_limit(s, role=role, currency=currency, max_amount=amount)
        console.print(
            _(
                "{role} may grant up to {amount} {currency}.",
                role=row.role,
                amount=row.max_amount,
                currency=row.currency,
            )
        )


def report(
    as_of: Annotated[
        str, typer.Option("--as-of", help="Date of the view (default: last date in the data).")
    ] = "",
    as_json: JsonOpt = False,
) -> None:
    """What the loop achieved: volumes, SLA attainment, first-contact resolution,
    recovery cost, follow-up CSAT, and churn after a complaint."""
    from dataclasses import asdict

    from cxm.cases.report import loop_report

    day = None
    if as_of:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            raise InputError(_("--as-of: not a date (YYYY-MM-DD): {value}.", value=as_of)) from None
    with open_store() as store, store.session() as s:
        rep = loop_report(s, as_of=day)
    if as_json:
        print_json(
            {
                "as_of": rep.as_of,
                "summary": asdict(rep.summary),
                "by_type": rep.by_type.to_dict("records"),
                "by_fault": rep.by_fault.to_dict("records"),
                "by_emotion": rep.by_emotion.to_dict("records"),
                "by_stage": rep.by_stage.to_dict("records"),
                "sla": rep.sla.to_dict("records"),
                "churn_after_complaint": None
                if rep.survival is None
                else {
                    "summary": rep.survival.summary.to_dict("records"),
                    "logrank_p": rep.survival.logrank_p,
                    "landmark": rep.survival.landmark,
                },
                "faults_and_churn": rep.faults_and_churn.to_dict("records"),
            }
        )
        return
    from cxm.cases.codes import label
    from cxm.reports.fmt import pct

    sm = rep.summary
    console.print(
        _(
            "{n} cases ({open} open); first-contact resolution {fcr}; {h:.2f} hand-offs per "
            "case; recovery cost {cost:,.2f}; follow-up CSAT {csat} ({k} answers).",
            n=sm.cases,
            open=sm.open,
            fcr=pct(sm.first_contact_resolution),
            h=sm.handoffs_per_case,
            cost=sm.recovery_cost,
            csat=pct(sm.followup_csat),
            k=sm.followups_answered,
        )
    )
    print_table(
        _("SLA attainment"),
        [_("tier"), _("clock"), _("cases"), _("met"), _("95% CI")],
        [
            (
                r["tier"],
                r["clock"],
                r["cases"],
                pct(r["attainment"]),
                f"{pct(r['ci_low'])}–{pct(r['ci_high'])}",
            )
            for r in rep.sla.to_dict("records")
        ],
    )
    print_table(
        _("Service faults"),
        [_("fault"), _("cases"), _("churned after"), _("share of churned")],
        [
            (label(r["fault"]), r["cases"], pct(r["churn_share"]), pct(r["share_of_churned"]))
            for r in rep.faults_and_churn.to_dict("records")
        ],
    )
    if rep.survival is not None:
        print_table(
            _(
                "Churn after a complaint (Kaplan–Meier, log-rank p = {p:.3g})",
                p=rep.survival.logrank_p,
            ),
            [_("group"), _("customers"), _("churned"), _("retained 180 d"), _("retained 365 d")],
            [
                (
                    _(r["group"].replace("_", " ")),
                    r["customers"],
                    r["churned"],
                    pct(r["S(180)"]),
                    pct(r["S(365)"]),
                )
                for r in rep.survival.summary.to_dict("records")
            ],
        )


def import_cmd(
    path: Annotated[Path, typer.Argument(help="Complaint log: CSV or XLSX.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; write nothing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Import an existing complaint log: every row checked first, then all or nothing;
    re-importing the same rows changes nothing."""
    from dataclasses import asdict

    from cxm.cases.transfer import import_cases

    with open_store() as store, store.session() as s:
        result = import_cases(s, path=path, dry_run=dry_run)
    if as_json:
        print_json(asdict(result))
        return
    console.print(
        _(
            "{rows} rows: {added} cases added, {same} already there{dry}.",
            rows=result.rows,
            added=result.added,
            same=result.unchanged,
            dry=_(" (dry run: nothing written)") if dry_run else "",
        )
    )
    if result.ignored_columns:
        console.print(
            _("Ignored columns: {cols}", cols=", ".join(result.ignored_columns)), style="yellow"
        )


def export_cmd(
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or xlsx.")] = "csv",
) -> None:
    """Export every case in the layout `cxm cases import` reads (formula-safe cells)."""
    from cxm.cases.transfer import export_cases

    with open_store() as store, store.session() as s:
        n = export_cases(s, path=out, fmt=fmt)
    console.print(_("{n} cases written to {path}.", n=n, path=str(out)))


def calendar(
    year: Annotated[int, typer.Option("--year", help="Year to show (default: this year).")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Days off and make-up working days that business-hour clocks use: mainland China's
    published schedule plus the company's override (CXM_CALENDAR_FILE)."""
    from datetime import timedelta

    from cxm.cases.clocks import company_calendar

    y = year or date.today().year
    cal = company_calendar(years=[y, y + 1])
    days = [
        date(y, 1, 1) + timedelta(days=i)
        for i in range(366)
        if (date(y, 1, 1) + timedelta(days=i)).year == y
    ]
    off = [d for d in days if d.weekday() < 5 and not cal.is_working_day(d)]
    makeup = [d for d in days if d.weekday() >= 5 and cal.is_working_day(d)]
    ends = cal.runs_out_on()
    if as_json:
        print_json(
            {
                "year": y,
                "weekdays_off": off,
                "make_up_working_days": makeup,
                "published_until": ends,
                "working_hours": [cal.opens, cal.closes],
                "zone": cal.zone,
            }
        )
        return
    console.print(
        _(
            "Working hours {a}–{b} ({zone}); published schedule until {ends}.",
            a=cal.opens.strftime("%H:%M"),
            b=cal.closes.strftime("%H:%M"),
            zone=cal.zone,
            ends=ends or "—",
        )
    )
    print_table(_("Weekdays off in {year}", year=y), [_("date")], [(d.isoformat(),) for d in off])
    print_table(
        _("Make-up working days in {year}", year=y), [_("date")], [(d.isoformat(),) for d in makeup]
    )


def register(app: typer.Typer) -> None:
    cases = typer.Typer(
        help="Complaint and follow-up cases: the closed loop.", no_args_is_help=True
    )
    cases.command("create")(create)
    cases.command("list")(list_)
    cases.command("show")(show)
    cases.command("act")(act_cmd)
    cases.command("note")(note_cmd)
    cases.command("assign")(assign)
    cases.command("resolve")(resolve)
    cases.command("sweep")(sweep_cmd)
    cases.command("import")(import_cmd)
    cases.command("export")(export_cmd)
    cases.command("report")(report)
    cases.command("calendar")(calendar)
    rules = typer.Typer(help="Rules that open cases from survey answers.", no_args_is_help=True)
    rules.command("load")(rules_load)
    rules.command("show")(rules_show)
    cases.add_typer(rules, name="rules")
    limits = typer.Typer(help="Authority limits for compensation.", no_args_is_help=True)
    limits.command("set")(limits_set)
    cases.add_typer(limits, name="limits")
    app.add_typer(cases, name="cases")
