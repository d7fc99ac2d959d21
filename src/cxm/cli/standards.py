"""``cxm standards …``: load, list, record, shop, check and report service standards."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cxm.i18n import _

__all__ = ["register"]


def _records(frame: Any) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]


def _num(value: Any, digits: int = 2) -> str:
    if value is None or value != value:
        return ""
    if value in (float("inf"), float("-inf")):
        return "∞"
    return f"{value:.{digits}f}"


JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def load(
    file: Annotated[Path, typer.Argument(help="A standards file (YAML).")],
    as_json: JsonOpt = False,
) -> None:
    """Validate a standards file and save it (all or nothing)."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.standards.definitions import load_standards

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        from cxm.errors import InputError

        raise InputError(
            _("Cannot read {path}: {reason}", path=str(file), reason=str(exc))
        ) from None
    with open_store() as store, store.session() as s:
        result = load_standards(s, text)
    if as_json:
        print_json({"created": result.created, "updated": result.updated, "fields": result.fields})
        return
    console.print(
        _(
            "{created} standards added, {updated} updated, {fields} measurable fields.",
            created=result.created,
            updated=result.updated,
            fields=result.fields,
        )
    )


def list_(
    stage: Annotated[str | None, typer.Option("--stage", help="Only this stage.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The standards by stage, with kind, owner, opportunity unit and rule."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.standards.definitions import list_standards

    with open_store() as store, store.session() as s:
        frame = list_standards(s, stage=stage)
    if as_json:
        print_json({"standards": _records(frame)})
        return
    print_table(
        _("Service standards"),
        [_("stage"), _("code"), _("standard"), _("kind"), _("owner"), _("unit"), _("rule")],
        [
            [r["stage"], r["code"], r["name"], r["kind"], r["owner"], r["unit"], r["rule"] or ""]
            for r in _records(frame)
        ],
    )


def record(
    file: Annotated[Path, typer.Argument(help="CSV/XLSX: an id column and field columns.")],
    source: Annotated[str, typer.Option("--source", help="touchpoints or purchases.")],
    id_column: Annotated[
        str, typer.Option("--id-column", help="Column with the record's external id.")
    ] = "external_id",
) -> None:
    """Record measured field values (wait_seconds, delivered_on …) of touchpoints/purchases."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console
    from cxm.files import read_table
    from cxm.standards.recording import record_fields

    frame = read_table(file)
    with open_store() as store, store.session() as s:
        n = record_fields(s, frame, source=source, id_column=id_column)
    console.print(_("Field values recorded for {n} records.", n=n))


def shop(
    file: Annotated[Path, typer.Argument(help="CSV/XLSX: one mystery-shopping visit per row.")],
) -> None:
    """Import mystery-shopping visits: visited_at, stage, location, team, shopper, codes."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console
    from cxm.files import read_table
    from cxm.standards.recording import import_visits

    frame = read_table(file)
    with open_store() as store, store.session() as s:
        n = import_visits(s, frame)
    console.print(_("{n} visits recorded.", n=n))


def check(
    segments: Annotated[
        str | None, typer.Option("--segments", help="Segment definition to split by.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Count opportunities and defects of every standard and store them."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.standards.checking import check_standards

    with open_store() as store, store.session() as s:
        result = check_standards(s, segments=segments)
    if as_json:
        print_json(
            {
                "standards": result.standards,
                "opportunities": result.opportunities,
                "defects": result.defects,
                "rows": _records(result.rows),
            }
        )
        return
    console.print(
        _(
            "{standards} standards checked: {opportunities} opportunities, {defects} defects.",
            standards=result.standards,
            opportunities=result.opportunities,
            defects=result.defects,
        )
    )


def report(
    by: Annotated[
        str,
        typer.Option("--by", help="standard, stage, kind, owner, team, segment or period."),
    ] = "stage",
    as_json: JsonOpt = False,
) -> None:
    """DPMO and sigma level by stage (or another dimension), worst first."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json, print_table
    from cxm.standards.reporting import report as build

    with open_store() as store, store.session() as s:
        result = build(s, by=by)
    if as_json:
        print_json(result.to_dict())
        return
    o = result.overall.iloc[0]
    console.print(
        _(
            "Overall: {defects} defects in {opportunities} opportunities, DPMO {dpmo}, "
            "sigma {sigma}.",
            defects=int(o["defects"]),
            opportunities=int(o["opportunities"]),
            dpmo=_num(o["dpmo"], 0),
            sigma=_num(o["sigma_level"]),
        )
    )
    print_table(
        _("Defects per million opportunities"),
        [by, _("opportunities"), _("defects"), "DPMO", _("yield"), _("sigma")],
        [
            [
                str(r[by]) or "—",
                int(r["opportunities"]),
                int(r["defects"]),
                _num(r["dpmo"], 0),
                f"{100 * r['yield']:.2f}%",
                _num(r["sigma_level"]),
            ]
            for r in _records(result.table)
        ],
    )
    if result.worst_stage:
        console.print(
            _(
                "Most defects weighted by customer value: stage {stage}.",
                stage=result.worst_stage,
            )
        )
    flagged = result.promise[result.promise["flagged"]] if len(result.promise) else None
    if flagged is not None and len(flagged):
        print_table(
            _("Promise ahead of delivery"),
            [_("stage"), _("promised"), _("delivered")],
            [
                [r["stage"], f"{100 * r['promised']:.1f}%", f"{100 * r['delivered']:.1f}%"]
                for r in _records(flagged)
            ],
        )


def chart(
    code: Annotated[str, typer.Argument(help="The standard's code.")],
    base: Annotated[
        int | None, typer.Option("--base", help="The first N months set the limits.")
    ] = None,
    freeze: Annotated[
        bool, typer.Option("--freeze", help="Keep these limits for every later chart.")
    ] = False,
    rules: Annotated[str, typer.Option("--rules", help="nelson or western_electric.")] = "nelson",
    as_json: JsonOpt = False,
) -> None:
    """The p chart of one standard's monthly defect share, with out-of-control months."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json, print_table
    from cxm.standards.charts import standard_chart

    with open_store() as store, store.session() as s:
        result, counts = standard_chart(s, code, base=base, freeze=freeze, rules=rules)
    points = result.points.assign(period=counts["period"].to_numpy())
    if as_json:
        doc = result.to_dict()
        doc["points"] = points.to_dict(orient="records")
        print_json({"standard": code, **doc})
        return
    console.print(
        _(
            "p chart of {code}: centre {centre}, limits from {n} base months.",
            code=code,
            centre=_num(result.limits.centre, 4),
            n=result.limits.base_points,
        )
    )
    bad = points[points["out_of_control"]]
    if bad.empty:
        console.print(_("No point is out of control."))
        return
    print_table(
        _("Points out of control"),
        [_("period"), _("value"), _("rule")],
        [[r["period"], _num(r["value"], 4), r["rules"]] for r in _records(bad)],
    )


def register(app: typer.Typer) -> None:
    from cxm.cli import projects, sigma

    sigma.register(app)
    projects.register(app)
    group = typer.Typer(
        help=_("Service standards: stages, rules, mystery shopping, defects and sigma."),
        no_args_is_help=True,
    )
    group.command("load")(load)
    group.command("list")(list_)
    group.command("record")(record)
    group.command("shop")(shop)
    group.command("check")(check)
    group.command("report")(report)
    group.command("chart")(chart)
    app.add_typer(group, name="standards")


def propose_argued_targets(
    name: str,
    kpi: str,
    curve: Path | None,
    *,
    item: str | None,
    save: bool,
    by: str | None,
    as_json: bool,
) -> None:
    """``cxm targets propose --rule argued [--curve FILE]``: argued score100 targets, on the
    given curve or on one fitted from the segments' measured pairs."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json, print_table
    from cxm.errors import InputError
    from cxm.files import read_table
    from cxm.management.targets import set_target
    from cxm.standards.service_levels import propose_argued, propose_argued_fitted

    if kpi not in ("csat", "score100"):
        raise InputError(_("Argued targets are on the 100-point score: use --kpi score100."))
    curve_frame = read_table(curve) if curve is not None else None
    fit = None
    with open_store() as store, store.session() as s:
        if curve_frame is not None:
            argued = propose_argued(s, name, curve_frame, item=item)
        else:
            argued, curve_frame, fit = propose_argued_fitted(s, name, item=item)
        table = argued.table
        if save:
            for row in table.to_dict("records"):
                set_target(
                    s, name, segment=str(row["segment"]), kpi="score100",
                    value=float(row["target"]), service_level=row.get("service_level"),
                    set_by=by, proposed=float(row["target"]), proposal_rule=str(row["rule"]),
                )  # fmt: skip
    fitted = None
    if fit is not None:
        fitted = {
            "model": "score = alpha + beta * ln(cost_per_customer_year)",
            "alpha": fit.alpha,
            "beta": fit.beta,
            "se_alpha": fit.se_alpha,
            "se_beta": fit.se_beta,
            "r_squared": fit.r_squared,
            "pairs": fit.n_pairs,
        }
    if as_json:
        print_json(
            {
                "definition": name,
                "kpi": "score100",
                "rule": "argued",
                "curve_source": "fitted" if fit is not None else "given",
                "fit": fitted,
                "floor": argued.current,
                "retention_per_point": argued.retention_per_point,
                "saved": save,
                "curve": _records(curve_frame),
                "proposals": _records(table),
            }
        )
        return
    if fit is not None:
        print_table(
            _("Measured pairs and the fitted cost curve"),
            [_("segment"), _("cost per customer-year"), _("score"), _("fitted score"), "n"],
            [
                [str(r["segment"]), _num(r["cost_per_customer_year"]), _num(r["score"], 1),
                 _num(r["fitted_score"], 1), str(r["n"])]
                for r in _records(curve_frame)
            ],
        )  # fmt: skip
        console.print(
            _(
                "Fitted: score = {alpha} (± {se_a}) + {beta} (± {se_b}) × ln(cost), "
                "R² {r2}, {n} pairs.",
                alpha=_num(fit.alpha, 1),
                se_a=_num(fit.se_alpha, 1),
                beta=_num(fit.beta, 2),
                se_b=_num(fit.se_beta, 2),
                r2=_num(fit.r_squared, 2),
                n=fit.n_pairs,
            )
        )
        print_table(
            _("Argued score100 targets (floor {floor})", floor=_num(argued.current, 1)),
            [_("segment"), _("target"), _("95 % interval"), _("cost at target"),
             _("marginal value")],
            [
                [r["segment"], _num(r["target"], 1),
                 f"{_num(r['optimum_low'], 1)} – {_num(r['optimum_high'], 1)}",
                 _num(r["cost_at_target"]), _num(r["marginal_value"])]
                for r in _records(table)
            ],
        )  # fmt: skip
    else:
        print_table(
            _("Cost curve"),
            [_("segment"), _("service level"), _("cost per customer-year"), _("expected score")],
            [
                [str(r["segment"]), str(r["service_level"]), _num(r["cost_per_customer_year"]),
                 _num(r["expected_score"], 1)]
                for r in _records(curve_frame)
            ],
        )  # fmt: skip
        print_table(
            _("Argued score100 targets (floor {floor})", floor=_num(argued.current, 1)),
            [_("segment"), _("target"), _("service level"), _("marginal value")],
            [
                [
                    r["segment"],
                    _num(r["target"], 1),
                    r["service_level"] or "",
                    _num(r["marginal_value"]),
                ]
                for r in _records(table)
            ],
        )
    for r in _records(table):
        console.print(f"{r['segment']}: {r['rule']}")
