"""``cxm surveys``, ``cxm waves`` and ``cxm responses``: the staff side of surveys."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cxm.cli.context import open_store
from cxm.cli.invitations import register_wave_commands
from cxm.cli.output import console, err_console, print_json, print_table, progress_bar
from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["register"]

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def load(path: Annotated[Path, typer.Argument(help="Questionnaire YAML or JSON file.")]) -> None:
    """Save a questionnaire (a new version if the current one has answers)."""
    from cxm.surveys.questionnaires import install_file

    with open_store() as store, store.session() as s:
        saved = install_file(s, path=path)
    console.print(
        _("Saved questionnaire {file} as version {version}.", file=path.name, version=saved.version)
    )


def list_surveys(as_json: JsonFlag = False) -> None:
    """List questionnaires with their newest version."""
    from sqlalchemy import select

    from cxm.surveys.models import Questionnaire
    from cxm.surveys.questionnaires import latest_version
    from cxm.surveys.schema import pick_text

    with open_store() as store, store.session() as s:
        rows = [
            {
                "code": q.code,
                "title": pick_text(q.title, "en"),
                "version": latest_version(s, questionnaire_id=q.id).number,
            }
            for q in s.scalars(select(Questionnaire).order_by(Questionnaire.code))
        ]
    if as_json:
        print_json(rows)
        return
    print_table(
        _("Questionnaires"),
        [_("Code"), _("Title"), _("Version")],
        [[r["code"], r["title"], r["version"]] for r in rows],
    )


def _quotas(quota: list[str], quota_each: int | None) -> dict[str, int] | int | None:
    if quota_each is not None:
        return quota_each
    if not quota:
        return None
    out: dict[str, int] = {}
    for item in quota:
        name, sep, number = item.rpartition("=")
        if not sep or not name or not number.isdigit():
            raise InputError(
                _("--quota {value}: write STRATUM=NUMBER, e.g. north=200.", value=item)
            )
        out[name] = int(number)
    return out


def create_wave(
    name: Annotated[str, typer.Argument(help="Wave name, e.g. 2026-Q4.")],
    questionnaire: Annotated[str, typer.Option("--questionnaire", help="Questionnaire code.")],
    opens: Annotated[str, typer.Option("--opens", help="First day (YYYY-MM-DD).")],
    closes: Annotated[str, typer.Option("--closes", help="Last day (YYYY-MM-DD).")],
    quiet_days: Annotated[int, typer.Option("--quiet-days", min=0)] = 90,
    stratum: Annotated[
        str | None,
        typer.Option(
            "--stratum",
            help="Customer column or attribute, or segment:NAME for a segment definition.",
        ),
    ] = None,
    quota: Annotated[
        list[str] | None, typer.Option("--quota", help="STRATUM=N (repeatable).")
    ] = None,
    quota_each: Annotated[int | None, typer.Option("--quota-each", min=0)] = None,
    seed: Annotated[int | None, typer.Option("--seed")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a wave and invite a stratified sample of customers."""
    from cxm.surveys.questionnaires import get_questionnaire
    from cxm.surveys.waves import create_wave as make_wave
    from cxm.surveys.waves import sample_wave

    try:
        opens_on, closes_on = date.fromisoformat(opens), date.fromisoformat(closes)
    except ValueError as exc:
        raise InputError(_("Dates are written YYYY-MM-DD: {reason}", reason=str(exc))) from None
    quotas = _quotas(quota or [], quota_each)
    with open_store() as store, store.session() as s:
        q = get_questionnaire(s, code=questionnaire)
        wave = make_wave(
            s,
            questionnaire_id=q.id,
            name=name,
            opens_on=opens_on,
            closes_on=closes_on,
            quiet_days=quiet_days,
        )
        result = sample_wave(s, wave_id=wave.id, stratum=stratum, quotas=quotas, seed=seed)
        out = {
            "id": wave.id,
            "name": wave.name,
            "invited": result.invited,
            "shortfall": result.shortfall,
            "skipped_quiet": result.skipped_quiet,
        }
    if as_json:
        print_json(out)
        return
    console.print(
        _("Wave {name} (id {id}): {n} invitations.", name=name, id=out["id"], n=result.total)
    )
    for stratum_name, missing in result.shortfall.items():
        console.print(_("  {stratum}: {n} short of the quota", stratum=stratum_name, n=missing))


def list_waves(as_json: JsonFlag = False) -> None:
    """List waves with their response rates."""
    from cxm.responses_io.rates import waves_overview

    with open_store() as store, store.session() as s:
        waves = waves_overview(s)
    if as_json:
        print_json([w.to_dict() for w in waves])
        return
    print_table(
        _("Survey waves"),
        ["id", _("Wave"), _("Questionnaire"), _("Invited"), _("Completed"), _("Response rate")],
        [[w.id, w.name, w.questionnaire, w.invited, w.completed, w.rate_text] for w in waves],
    )


def rates(
    wave: Annotated[str, typer.Argument(help="Wave id or name.")], as_json: JsonFlag = False
) -> None:
    """Response rate of a wave, overall and per stratum."""
    from cxm.responses_io.rates import resolve_wave, wave_rates

    with open_store() as store, store.session() as s:
        result = wave_rates(s, wave_id=resolve_wave(s, ref=wave).id)
    if as_json:
        print_json(result.to_dict())
        return
    print_table(
        _("Response rate per stratum") + f" — {result.wave}",
        [_("Stratum"), _("Invited"), _("Started"), _("Completed"), _("Response rate")],
        [
            [r.stratum, r.invited, r.started, r.completed, r.rate_text]
            for r in [*result.strata, result.total]
        ],
    )


def export(
    wave: Annotated[str, typer.Argument(help="Wave id or name.")],
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    fmt: Annotated[str, typer.Option("--format", help="csv, xlsx or sav.")] = "csv",
) -> None:
    """Export a wave's responses, one row per response."""
    from cxm.responses_io.export import csv_chunks, plan_export
    from cxm.responses_io.formats import write_sav_file, write_xlsx_file
    from cxm.responses_io.rates import resolve_wave

    if fmt not in ("csv", "xlsx", "sav"):
        raise InputError(_("Unknown format {fmt}: use csv, xlsx or sav.", fmt=fmt))
    with open_store() as store:
        with store.session() as s:
            wave_id = resolve_wave(s, ref=wave).id
        from cxm.i18n import current_language

        plan = plan_export(store, wave_id=wave_id, lang=current_language())
        with progress_bar(transient=True) as bar:
            task = bar.add_task(_("Exporting"), total=max(plan.total, 1))
            if fmt == "csv":
                with out.open("wb") as fh:
                    for chunk in csv_chunks(store, plan):
                        fh.write(chunk)
                        bar.update(task, advance=chunk.count(b"\n"))
            else:
                (write_xlsx_file if fmt == "xlsx" else write_sav_file)(store, plan, out)
            bar.update(task, completed=max(plan.total, 1))
    console.print(_("Wrote {n} responses to {path}.", n=plan.total, path=str(out)))


def import_(
    path: Annotated[Path, typer.Argument(help="LimeSurvey/Qualtrics CSV or SPSS .sav.")],
    questionnaire: Annotated[str, typer.Option("--questionnaire", help="Questionnaire code.")],
    wave: Annotated[str | None, typer.Option("--wave", help="Wave id or name.")] = None,
    language: Annotated[str, typer.Option("--language")] = "zh-CN",
    missing_code: Annotated[
        list[float] | None,
        typer.Option("--missing-code", help="A code meaning no answer, e.g. -99 (repeatable)."),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option("--preset", help="qualtrics, qualtrics-legacy, limesurvey or spss."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Import responses collected elsewhere: every row or none, and only once."""
    from cxm.responses_io.importing import import_responses
    from cxm.responses_io.rates import resolve_wave

    with open_store() as store, store.session() as s:
        wave_id = resolve_wave(s, ref=wave).id if wave else None
        result = import_responses(
            s,
            path=path,
            questionnaire=questionnaire,
            wave_id=wave_id,
            language=language,
            missing_codes=tuple(missing_code or ()),
            preset=preset,
        )
    if as_json:
        print_json(
            {
                "imported": result.imported,
                "skipped_incomplete": result.skipped_incomplete,
                "source": result.source,
                "already_imported": result.already_imported,
                "missing_cells": result.missing_cells,
                "warnings": list(result.warnings),
            }
        )
        return
    for warning in result.warnings:
        err_console.print(f"[yellow]{_('Warning')}:[/] {warning}", markup=True, highlight=False)
    console.print(
        _(
            "Imported {n} responses ({source}); {skipped} unfinished rows skipped.",
            n=result.imported,
            source=result.source,
            skipped=result.skipped_incomplete,
        )
    )


def register(app: typer.Typer) -> None:
    surveys = typer.Typer(help="Questionnaires.", no_args_is_help=True)
    surveys.command("load")(load)
    surveys.command("list")(list_surveys)
    app.add_typer(surveys, name="surveys")
    waves = typer.Typer(help="Survey waves: samples and response rates.", no_args_is_help=True)
    waves.command("create")(create_wave)
    waves.command("list")(list_waves)
    waves.command("rates")(rates)
    register_wave_commands(waves)
    app.add_typer(waves, name="waves")
    responses = typer.Typer(help="Export and import responses.", no_args_is_help=True)
    responses.command("export")(export)
    responses.command("import")(import_)
    app.add_typer(responses, name="responses")
