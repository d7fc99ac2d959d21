"""``cxm people``: employee survey waves, the employee index per team (small groups
suppressed), its link with the customers' results, and the service scorecard per team."""

from __future__ import annotations

import csv
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from cxm.i18n import _

__all__ = ["register"]


def _day(value: str, option: str) -> date:
    from cxm.errors import InputError

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            _("{option}: {value} is not a date (YYYY-MM-DD).").format(option=option, value=value)
        ) from None


def survey_create(
    name: Annotated[str, typer.Argument(help="Name of the wave, e.g. '2026 spring'.")],
    opens: Annotated[str, typer.Option("--opens", help="First day (YYYY-MM-DD).")],
    closes: Annotated[str, typer.Option("--closes", help="Last day (YYYY-MM-DD).")],
    links: Annotated[
        Path, typer.Option("--links", help="CSV to write the single-use links to, for mailing.")
    ],
    team: Annotated[
        list[str] | None, typer.Option("--team", help="Only this team and its sub-teams.")
    ] = None,
    questionnaire: Annotated[
        str, typer.Option("--questionnaire", help="Code of an employee questionnaire.")
    ] = "employee",
    attribute: Annotated[
        list[str] | None,
        typer.Option("--attribute", help="Declare a cut: tenure or role (at most three)."),
    ] = None,
    team_codes: Annotated[
        bool,
        typer.Option("--team-codes", help="One code per team instead of personal links."),
    ] = False,
) -> None:
    """Start an employee survey wave: one single-use link per employee in post.

    The links are written once to --links (employee, team, token) for mailing and are not
    kept: the store holds only their hashes, and an answer never says whose link it was.
    """
    from sqlalchemy import select

    from cxm.cli.context import open_store
    from cxm.cli.output import console
    from cxm.org.models import Employee, Team
    from cxm.people.surveys import create_wave

    with open_store() as store, store.session() as s:
        wave, issued = create_wave(
            s,
            name=name,
            opens_on=_day(opens, "--opens"),
            closes_on=_day(closes, "--closes"),
            teams=team,
            questionnaire_code=questionnaire,
            attributes=attribute or (),
            team_codes=team_codes,
        )
        people = {r[0]: r[1] for r in s.execute(select(Employee.id, Employee.external_id))}
        teams = {r[0]: r[1] for r in s.execute(select(Team.id, Team.name))}
        with links.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["employee", "team", "token", "answers"])
            for link in issued:
                who = "" if link.employee_id is None else people[link.employee_id]
                writer.writerow([who, teams[link.team_id], link.token, link.capacity])
        wave_name = wave.name
    console.print(
        _("Wave {name}: {n} employees invited; links written to {path}.").format(
            name=wave_name, n=len(issued), path=str(links)
        )
    )


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def index(
    wave: Annotated[str, typer.Argument(help="Name of the employee survey wave.")],
    minimum: Annotated[
        int | None,
        typer.Option("--min-group", help="Smallest group shown (default CXM_EMPLOYEE_MIN_GROUP)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The employee index (0–100) per team with its interval, eNPS and response counts.
    Teams below the minimum, and teams withheld so they cannot be worked out, show nothing."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.people.surveys import employee_index

    with open_store() as store, store.session() as s:
        result = employee_index(s, wave=wave, minimum=minimum)
    rows = [result.company, *result.teams]
    if as_json:
        print_json(
            {
                "wave": result.wave,
                "minimum": result.minimum,
                "teams": [asdict(t) for t in rows],
            }
        )
        return
    print_table(
        _("Employee index, wave {wave} (groups under {minimum} withheld)").format(
            wave=result.wave, minimum=result.minimum
        ),
        [_("Team"), _("Invited"), _("Answered"), _("Index"), _("Interval"), _("eNPS")],
        [
            [
                t.name,
                t.invited,
                t.respondents if t.shown else "—",
                _fmt(t.index) if t.shown else _("withheld"),
                f"{_fmt(t.low)}–{_fmt(t.high)}" if t.shown else "",
                _fmt(t.enps, 0) if t.shown else "",
            ]
            for t in rows
        ],
    )


def linkage(
    resamples: Annotated[int, typer.Option("--resamples", help="Bootstrap resamples.")] = 2000,
    mixed: Annotated[
        bool, typer.Option("--mixed", help="Also fit the mixed model (slow on many customers).")
    ] = False,
    csat_question: Annotated[
        str, typer.Option("--csat-question", help="Question code of customer satisfaction.")
    ] = "CUSA1",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Does the employee index of a team go with its customers' CSAT, NPS, churn, complaints
    and profit? Correlation over teams with a bootstrap interval, the lagged view and a
    plain-words conclusion."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.people.linkage_report import linkage_document

    with open_store() as store, store.session() as s:
        doc = linkage_document(s, resamples=resamples, mixed=mixed, csat_question=csat_question)
    if as_json:
        print_json(doc)
        return
    links = doc["links"]
    print_table(
        _("Employee index and customer results ({teams} teams)").format(teams=doc["teams"]),
        [_("Outcome"), "r", _("Interval"), _("Spearman"), _("Lagged r")],
        [
            [
                link["outcome"],
                _fmt(_r(link["pearson"]), 2),
                f"{link['pearson']['low']:.2f}–{link['pearson']['high']:.2f}"
                if link["pearson"]
                else "",
                _fmt(_r(link["spearman"]), 2),
                _fmt(_r(link["lagged"]), 2),
            ]
            for link in links
        ],
    )
    for link in links:
        typer.echo("• " + link["conclusion"])


def _r(corr: dict[str, Any] | None) -> float | None:
    return None if corr is None else float(corr["r"])


def scorecard(
    since: Annotated[str, typer.Option("--since", help="First day (YYYY-MM-DD).")],
    until: Annotated[str, typer.Option("--until", help="Last day (YYYY-MM-DD).")],
    by: Annotated[str, typer.Option("--by", help="Adjust for the mix of: channel or region.")] = (
        "channel"
    ),
    min_n: Annotated[
        int | None, typer.Option("--min-n", help="Flag fewer answers (default CXM_MIN_N).")
    ] = None,
    employees: Annotated[
        bool, typer.Option("--employees", help="Per employee who served the contacts.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Service scorecard per team (or --employees): moments-of-truth CSAT of the customers
    served (raw and adjusted for the customer mix) and complaints (per 1,000 customers
    served for teams; handled, for employees)."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.people.scorecard import employee_scorecard, team_scorecard

    if employees:
        with open_store() as store, store.session() as s:
            people = employee_scorecard(
                s, since=_day(since, "--since"), until=_day(until, "--until"), by=by, min_n=min_n
            )
        if as_json:
            print_json([asdict(p) for p in people])
            return
        print_table(
            _("Service scorecard {since} to {until}, adjusted by {by}").format(
                since=since, until=until, by=by
            ),
            [_("Employee"), _("Team"), _("Answers"), _("CSAT"), _("Adjusted"), _("Interval"),
             _("Complaints"), _("Note")],
            [
                [p.employee, p.team or "", p.answers, _fmt(p.csat, 2), _fmt(p.csat_adjusted, 2),
                 f"{_fmt(p.low, 2)}–{_fmt(p.high, 2)}", p.complaints,
                 ", ".join(n for n, f in ((_("few answers"), p.small),
                                          (_("partial mix"), p.partial)) if f)]
                for p in people
            ],
        )  # fmt: skip
        return
    with open_store() as store, store.session() as s:
        cards = team_scorecard(
            s, since=_day(since, "--since"), until=_day(until, "--until"), by=by, min_n=min_n
        )
    if as_json:
        print_json([asdict(c) for c in cards])
        return
    print_table(
        _("Service scorecard {since} to {until}, adjusted by {by}").format(
            since=since, until=until, by=by
        ),
        [
            _("Team"),
            _("Answers"),
            _("CSAT"),
            _("Adjusted"),
            _("Interval"),
            _("Complaints per 1,000"),
            _("Note"),
        ],
        [
            [
                c.team,
                c.answers,
                _fmt(c.csat, 2),
                _fmt(c.csat_adjusted, 2),
                f"{_fmt(c.low, 2)}–{_fmt(c.high, 2)}" if c.low is not None else "",
                _fmt(c.complaints_per_1000, 1),
                ", ".join(
                    n
                    for n, flag in ((_("few answers"), c.small), (_("partial mix"), c.partial))
                    if flag
                ),
            ]
            for c in cards
        ],
    )


def turnover(
    since: Annotated[str, typer.Option("--since", help="First day (YYYY-MM-DD).")],
    until: Annotated[str, typer.Option("--until", help="Last day (YYYY-MM-DD).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Employee turnover per team: headcount on the first and last day, leavers, and
    leavers ÷ average headcount."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.people.turnover import team_turnover

    with open_store() as store, store.session() as s:
        rows = team_turnover(s, since=_day(since, "--since"), until=_day(until, "--until"))
    if as_json:
        print_json([asdict(r) for r in rows])
        return
    print_table(
        _("Employee turnover {since} to {until}").format(since=since, until=until),
        [_("Team"), _("Headcount at start"), _("Headcount at end"), _("Leavers"), _("Turnover")],
        [
            [r.team, r.start, r.end, r.leavers, "—" if r.rate is None else f"{r.rate:.1%}"]
            for r in rows
        ],
    )


def trend(
    minimum: Annotated[
        int | None,
        typer.Option("--min-group", help="Smallest group shown (default CXM_EMPLOYEE_MIN_GROUP)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The employee index of every team across the waves, with the change since the
    team's previous wave (withheld groups stay withheld)."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.people.surveys import employee_trend

    with open_store() as store, store.session() as s:
        points = employee_trend(s, minimum=minimum)
    if as_json:
        print_json([asdict(p) for p in points])
        return
    print_table(
        _("Employee index by wave"),
        [_("Team"), _("Wave"), _("Index"), _("Interval"), _("Change")],
        [
            [
                p.name,
                p.wave,
                _fmt(p.index) if p.shown else _("withheld"),
                f"{_fmt(p.low)}–{_fmt(p.high)}" if p.shown else "",
                "" if p.change is None else f"{p.change:+.1f}",
            ]
            for p in points
        ],
    )


def cuts(
    wave: Annotated[str, typer.Argument(help="Name of the wave.")],
    attribute: Annotated[str, typer.Option("--by", help="A declared attribute: tenure or role.")],
    team: Annotated[
        str | None, typer.Option("--team", help="Within this team (default: the company).")
    ] = None,
    minimum: Annotated[
        int | None,
        typer.Option("--min-group", help="Smallest group shown (default CXM_EMPLOYEE_MIN_GROUP)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The employee index by the bands of a declared attribute; small bands and any band
    that would let a small group be worked out by subtraction are withheld."""
    from sqlalchemy import select

    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.errors import NotFound
    from cxm.org.models import Team
    from cxm.people.surveys import COMPANY, attribute_cuts

    with open_store() as store, store.session() as s:
        team_id = COMPANY
        if team is not None:
            found = s.scalar(select(Team.id).where(Team.name == team))
            if found is None:
                raise NotFound(_("No team {team}.").format(team=team))
            team_id = found
        result = attribute_cuts(s, wave=wave, attribute=attribute, team_id=team_id, minimum=minimum)
    if as_json:
        print_json(asdict(result))
        return
    print_table(
        _("Employee index of {name} by {attribute}, wave {wave}").format(
            name=result.name, attribute=attribute, wave=result.wave
        ),
        [_("Band"), _("Respondents"), _("Index"), _("Interval"), "eNPS"],
        [
            [
                c.band,
                c.respondents if c.shown else _("withheld"),
                _fmt(c.index),
                f"{_fmt(c.low)}–{_fmt(c.high)}" if c.shown else "",
                _fmt(c.enps),
            ]
            for c in result.cells
        ],
    )


def outcomes(
    since: Annotated[str, typer.Option("--since", help="First day (YYYY-MM-DD).")],
    until: Annotated[str, typer.Option("--until", help="Last day (YYYY-MM-DD).")],
    employees: Annotated[
        bool, typer.Option("--employees", help="Per employee (case owner) instead of team.")
    ] = False,
    min_n: Annotated[
        int | None, typer.Option("--min-n", help="Flag fewer cases (default CXM_MIN_N).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Case outcomes (SLA kept, reopened, follow-up CSAT; adjusted for case type), mystery
    shopping (standards met; adjusted for stage) and recognitions per team or employee."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.people.outcomes import MEASURES, card_document, outcome_cards

    with open_store() as store, store.session() as s:
        cards = outcome_cards(
            s,
            since=_day(since, "--since"),
            until=_day(until, "--until"),
            level="employee" if employees else "team",
            min_n=min_n,
        )
    if as_json:
        print_json([card_document(c) for c in cards])
        return

    def cell(card: Any, key: str) -> str:
        m = card.measures.get(key)
        if m is None:
            return ""
        flag = "*" if m.small else ""
        return f"{m.adjusted:.2f} ({m.n}){flag}"

    print_table(
        _("Case outcomes and standards {since} to {until}, adjusted for mix").format(
            since=since, until=until
        ),
        [_("Employee") if employees else _("Team"), *MEASURES, _("Recognitions")],
        [[c.name, *(cell(c, k) for k in MEASURES), len(c.recognitions)] for c in cards],
    )


def training_import(
    path: Annotated[Path, typer.Argument(help="CSV/Excel: employee, course, completed_on.")],
) -> None:
    """Record who completed which course when (all rows or none)."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console
    from cxm.people.training import import_trainings

    with open_store() as store, store.session() as s:
        n = import_trainings(s, path)
    console.print(_("{n} trainings recorded.").format(n=n))


def training_list(
    course: Annotated[str | None, typer.Option("--course", help="Only this course.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Trainings recorded, newest first."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.people.training import list_trainings

    with open_store() as store, store.session() as s:
        rows = list_trainings(s, course=course)
    if as_json:
        print_json(rows)
        return
    print_table(
        _("Trainings"),
        [_("Employee"), _("Team"), _("Course"), _("Completed")],
        [[r["employee"], r["team"] or "", r["course"], r["completed_on"]] for r in rows],
    )


def training_effect_(
    course: Annotated[str, typer.Argument(help="The course.")],
    since: Annotated[str, typer.Option("--since", help="First day (YYYY-MM-DD).")],
    until: Annotated[str, typer.Option("--until", help="Last day (YYYY-MM-DD).")],
    window: Annotated[int, typer.Option("--window", help="Event-study months each side.")] = 4,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The course's effect on trained teams' monthly CSAT against untrained teams
    (difference in differences, team-clustered interval) and the pre-trend check."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.people.training import training_effect

    with open_store() as store, store.session() as s:
        result = training_effect(
            s,
            course=course,
            since=_day(since, "--since"),
            until=_day(until, "--until"),
            window=window,
        )
    if as_json:
        print_json(asdict(result))
        return
    print_table(
        _("Event study: CSAT of trained teams by months since the course"),
        [_("Months"), _("Effect"), _("Interval")],
        [
            [t["offset"], f"{t['effect']:+.3f}", f"{t['low']:+.3f}–{t['high']:+.3f}"]
            for t in result.event_study["terms"]
        ],
    )
    typer.echo("• " + result.conclusion)


def register(app: typer.Typer) -> None:
    people = typer.Typer(
        help="Employees: anonymous surveys, employee index, linkage, scorecards.",
        no_args_is_help=True,
    )
    survey = typer.Typer(help="Employee survey waves.", no_args_is_help=True)
    survey.command("create")(survey_create)
    people.add_typer(survey, name="survey")
    people.command("index")(index)
    people.command("linkage")(linkage)
    people.command("scorecard")(scorecard)
    people.command("turnover")(turnover)
    people.command("trend")(trend)
    people.command("cuts")(cuts)
    people.command("outcomes")(outcomes)
    training = typer.Typer(help="Trainings and their effect.", no_args_is_help=True)
    training.command("import")(training_import)
    training.command("list")(training_list)
    training.command("effect")(training_effect_)
    people.add_typer(training, name="training")
    app.add_typer(people, name="people")
