"""``cxm analyze FILE --model MODEL``: a PLS path model (ACSI, ECSI, CCSI or lavaan) on a file."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cxm.errors import InputError, ModelSpecError, StatisticalWarning
from cxm.i18n import _

if TYPE_CHECKING:
    from cxm.analytics.pls import ModelSpec

__all__ = ["analyze", "register", "resolve_model"]


def resolve_model(model: str) -> ModelSpec:
    """A template name (acsi, ecsi, ccsi) or a lavaan file."""
    from cxm.analytics.pls import TEMPLATES, load_template, parse_model

    if model.strip().lower() in TEMPLATES:
        return load_template(model)
    path = Path(model)
    if path.is_file():
        return parse_model(path)
    raise ModelSpecError(
        _(
            "Model {model} is neither a template ({names}) nor a lavaan file.",
            model=model,
            names=", ".join(TEMPLATES),
        )
    )


def _parse_scale(scale: str | None) -> tuple[float, float] | None:
    if not scale:
        return None
    try:
        lo, hi = (float(v) for v in scale.replace("..", ",").split(","))
    except ValueError:
        raise InputError(
            _("--scale must be two numbers like 1,10 (got {value}).", value=scale)
        ) from None
    return lo, hi


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if value != value else f"{value:.3f}"
    return str(value)


def _render(doc: dict[str, Any]) -> None:
    from cxm.cli.output import console, print_table

    console.print(
        _(
            "PLS path model: {n} observations, {it} iterations, scheme {scheme}.",
            n=doc["n"],
            it=doc["iterations"],
            scheme=doc["scheme"],
        )
    )
    cols = ["from", "to", "estimate", "se", "ci_low", "ci_high", "p", "f2"]
    print_table(
        _("Paths"), [_(c) for c in cols], [[_fmt(r[c]) for c in cols] for r in doc["paths"]]
    )
    print_table(
        _("R²"),
        [_("construct"), "R²", _("adjusted R²")],
        [[c, _fmt(v), _fmt(doc["r2_adj"][c])] for c, v in doc["r2"].items()],
    )
    print_table(
        _("Outer loadings and weights"),
        [_("construct"), _("indicator"), _("loading"), _("weight")],
        [
            [r["construct"], r["indicator"], _fmt(r["estimate"]), _fmt(w["estimate"])]
            for r, w in zip(doc["loadings"], doc["weights"], strict=True)
        ],
    )
    rel = ["construct", "mode", "alpha", "rho_a", "rho_c", "ave"]
    print_table(
        _("Reliability"),
        [_(c) for c in rel],
        [[_fmt(r[c]) for c in rel] for r in doc["reliability"]],
    )
    print_table(
        _("Indices (0–100)"),
        [_("construct"), _("index")],
        [[c, f"{v:.1f}"] for c, v in doc["indices"].items()],
    )


def analyze(
    file: Annotated[
        Path, typer.Argument(help="CSV, XLSX or SPSS .sav file, one row per respondent.")
    ],
    model: Annotated[str, typer.Option("--model", "-m", help="acsi, ecsi, ccsi or a lavaan file.")],
    bootstrap: Annotated[
        int, typer.Option("--bootstrap", "-b", help="Bootstrap resamples (0: none).")
    ] = 0,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the bootstrap.")] = None,
    scheme: Annotated[str, typer.Option("--scheme", help="path, centroid or factorial.")] = "path",
    missing: Annotated[str, typer.Option("--missing", help="mean or casewise.")] = "mean",
    missing_code: Annotated[
        list[float] | None,
        typer.Option("--missing-code", help="A code meaning no answer, e.g. -99 (repeatable)."),
    ] = None,
    scale: Annotated[
        str | None, typer.Option("--scale", help="Answer scale for the indices, e.g. 1,10.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write an HTML report to this file.")
    ] = None,
) -> None:
    """Estimate a PLS path model (satisfaction index) on a survey file."""
    from cxm.analytics.pls import PLSPM, result_document
    from cxm.cli.output import err_console, print_json, progress_bar
    from cxm.files import read_table

    spec = resolve_model(model)
    df = read_table(file, missing_codes=tuple(missing_code or ()))
    from cxm.files.tables import refuse_missing_codes

    refuse_missing_codes(df, list(spec.indicators))
    fit = PLSPM(spec, scheme=scheme, missing=missing, scale=_parse_scale(scale))  # type: ignore[arg-type]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatisticalWarning)
        fit.fit(df)
        if bootstrap:
            with progress_bar(transient=True) as bar:
                task = bar.add_task(_("Bootstrap"), total=bootstrap)
                fit.bootstrap(
                    bootstrap,
                    seed=seed,
                    progress=lambda done, _total: bar.update(task, completed=done),
                )
        doc = result_document(fit)
    del caught  # shown below, from the document
    notes: list[str] = doc["warnings"] + [
        _("Too weak: {message}", message=f["message"]) for f in doc["quality"]
    ]
    if as_json:
        print_json(doc)
    else:
        _render(doc)
    for note in notes:
        err_console.print(f"{_('Warning')}: {note}", markup=False, highlight=False)
    if report is not None:
        from cxm.reports.file_report import build_file_report, write_file_report

        source = f"cxm analyze {file.name} --model {model} --json"
        built = build_file_report(
            fit, doc, data=df, file_name=file.name, model=model, source=source
        )
        for path in write_file_report(report, built):
            err_console.print(_("Report written: {path}", path=str(path)), markup=False)


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze)
