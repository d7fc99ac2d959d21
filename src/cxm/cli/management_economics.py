"""``cxm churn …``, ``cxm clv``, ``cxm retention simulate``, ``cxm invest``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cxm.cli.management_options import (
    AsOfOpt,
    JsonOpt,
    KOpt,
    RuleOpt,
    ThresholdOpt,
    _records,
    churn_rule,
    render,
)
from cxm.i18n import _

if TYPE_CHECKING:
    from cxm.management.churn_rules import ChurnBasis

__all__ = ["register"]

SegOpt = Annotated[str | None, typer.Option("--segments", help="Segment definition to split by.")]
SegReq = Annotated[str, typer.Option("--segments", help="Segment definition to split by.")]


def churn_report(
    segments: SegOpt = None,
    freq: Annotated[str, typer.Option("--freq", help="Y, Q or M.")] = "Y",
    as_of: AsOfOpt = None,
    rule: RuleOpt = "auto",
    k: KOpt = 3.0,
    p_alive_below: ThresholdOpt = 0.5,
    as_json: JsonOpt = False,
) -> None:
    """Churn rate per segment and period, and why customers left beside the benchmark."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.management.churn import churn_report as run

    with open_store() as store, store.session() as s:
        how = churn_rule(rule, k, p_alive_below)
        report = run(s, name=segments, freq=freq, as_of=as_of, rule=how)
    if as_json:
        print_json(
            {
                "as_of": report.basis.as_of,
                "churn_rule": report.basis.rule_info(),
                "quality": report.quality,
                "rates": _records(report.rates),
                "reasons": _records(report.reasons.table),
                "chi2_p": report.reasons.chi2_p,
            }
        )
        return
    console.print(_rule_line(report.basis))
    _print_flags(report.quality)
    render(
        _("Churn rate per segment and period"),
        report.rates,
        ["segment", "period", "at_risk", "churned", "churn_rate", "ci_low", "ci_high", "status"],
    )
    render(_("Why customers left, beside the documents' 1/3/5/9/14/68 %"), report.reasons.table)
    console.print(_("Goodness of fit to the benchmark: p = {p:.3f}", p=report.reasons.chi2_p))


def churn_survival(
    segments: SegOpt = None,
    by: Annotated[str, typer.Option("--by", help="segment or satisfaction.")] = "segment",
    item: Annotated[str, typer.Option("--item", help="Satisfaction question code.")] = "CUSA1",
    as_of: AsOfOpt = None,
    rule: RuleOpt = "auto",
    k: KOpt = 3.0,
    p_alive_below: ThresholdOpt = 0.5,
    as_json: JsonOpt = False,
) -> None:
    """Kaplan–Meier survival of customers (months) per segment or satisfaction level."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.management.churn import survival

    with open_store() as store, store.session() as s:
        how = churn_rule(rule, k, p_alive_below)
        found = survival(s, by=by, name=segments, item=item, as_of=as_of, rule=how)
    if as_json:
        print_json(
            {
                "as_of": found.basis.as_of,
                "churn_rule": found.basis.rule_info(),
                "summary": _records(found.summary),
                "logrank_p": found.logrank_p,
                "curves": _records(found.curves),
            }
        )
        return
    console.print(_rule_line(found.basis))
    render(_("Customer survival (months)"), found.summary)
    console.print(_("Log-rank test across groups: p = {p:.4f}", p=found.logrank_p))


def churn_risk(
    horizon_days: Annotated[int, typer.Option("--horizon-days")] = 180,
    top: Annotated[int, typer.Option("--top")] = 20,
    save: Annotated[
        Path | None,
        typer.Option("--save", help="Save the fitted model with its results (skops file)."),
    ] = None,
    as_of: AsOfOpt = None,
    rule: RuleOpt = "auto",
    k: KOpt = 3.0,
    p_alive_below: ThresholdOpt = 0.5,
    as_json: JsonOpt = False,
) -> None:
    """Churn-risk model: holdout AUC and calibration, and the valuable customers most at risk."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json, progress_bar
    from cxm.management.churn import risk_model

    with open_store() as store, progress_bar(transient=True) as bar:
        task = bar.add_task(_("Fitting the churn-risk model"), total=1)
        with store.session() as s:
            how = churn_rule(rule, k, p_alive_below)
            r = risk_model(s, horizon_days=horizon_days, top=top, as_of=as_of, rule=how)
        bar.update(task, completed=1)
    if save is not None:
        r.model.save(save, results=r.results())
    if as_json:
        print_json(
            {
                "quality": r.quality,
                "penalty_c": r.penalty_c,
                "saved_to": str(save) if save else None,
                "auc": r.auc,
                "brier": r.brier,
                "base_rate": r.base_rate,
                "n_train": r.n_train,
                "n_test": r.n_test,
                "snapshots": r.snapshots,
                "coefficients": _records(r.coefficients),
                "reliability": _records(r.reliability),
                "at_risk": _records(r.at_risk),
            }
        )
        return
    console.print(
        _(
            "Holdout AUC {auc:.3f}, Brier {brier:.3f} (base rate {base:.3f}; {n} customers).",
            auc=r.auc,
            brier=r.brier,
            base=r.base_rate,
            n=r.n_test,
        )
    )
    _print_flags(r.quality)
    render(_("What drives the risk (per standard deviation)"), r.coefficients)
    render(_("Calibration on the holdout"), r.reliability)
    render(
        _("Valuable customers most at risk"),
        r.at_risk,
        ["customer_id", "risk", "value", "expected_loss", "reasons"],
    )


def churn_score(
    model: Annotated[
        Path, typer.Option("--model", help="A model saved by `cxm churn risk --save`.")
    ],
    horizon_days: Annotated[int, typer.Option("--horizon-days")] = 180,
    top: Annotated[int, typer.Option("--top")] = 20,
    as_of: AsOfOpt = None,
    rule: RuleOpt = "auto",
    k: KOpt = 3.0,
    p_alive_below: ThresholdOpt = 0.5,
    as_json: JsonOpt = False,
) -> None:
    """Score today's customers with a saved churn-risk model (no refit)."""
    from cxm.analytics.churn_risk import ChurnRiskModel
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.management.churn import score_customers

    fitted, results = ChurnRiskModel.load(model)
    with open_store() as store, store.session() as s:
        how = churn_rule(rule, k, p_alive_below)
        scored = score_customers(
            s, fitted, horizon_days=horizon_days, top=top, as_of=as_of, rule=how
        )
    table = scored.at_risk
    if as_json:
        print_json(
            {
                "model": str(model),
                "model_results": results,
                "as_of": scored.basis.as_of,
                "scored": scored.scored,
                "at_risk": _records(table),
            }
        )
        return
    console.print(
        _(
            "Model of {day}: holdout AUC {auc:.3f}; {n} customers scored as of {as_of}.",
            day=(results.get("snapshots") or {}).get("scored_at", "?"),
            auc=float(results.get("auc", float("nan"))),
            n=scored.scored,
            as_of=scored.basis.as_of,
        )
    )
    _print_flags(results.get("quality") or [])
    render(
        _("Valuable customers most at risk"),
        table,
        ["customer_id", "risk", "value", "expected_loss", "reasons"],
    )


def _print_flags(flags: list[dict[str, Any]]) -> None:
    """Weak figures, one line each, in words (what ``quality`` holds in --json)."""
    from cxm.cli.output import console

    for flag in flags:
        console.print(_("Too weak: {message}", message=flag["message"]), markup=False)


def clv(
    segments: SegReq,
    discount: Annotated[float, typer.Option("--discount")] = 0.1,
    horizon: Annotated[
        int | None, typer.Option("--horizon", help="Years (default: unlimited).")
    ] = None,
    probabilistic: Annotated[
        bool, typer.Option("--probabilistic", help="Also BG/NBD + Gamma-Gamma.")
    ] = False,
    months: Annotated[int, typer.Option("--months", help="Probabilistic horizon in months.")] = 12,
    as_of: AsOfOpt = None,
    rule: RuleOpt = "auto",
    k: KOpt = 3.0,
    p_alive_below: ThresholdOpt = 0.5,
    as_json: JsonOpt = False,
) -> None:
    """Customer lifetime value per segment (margin × expected lifetime, discounted)."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json
    from cxm.management.economics import probabilistic_segment_clv, segment_economics

    with open_store() as store, store.session() as s:
        how = churn_rule(rule, k, p_alive_below)
        econ = segment_economics(
            s, segments, discount=discount, horizon=horizon, as_of=as_of, rule=how
        )
        table = econ.table
        prob = (
            probabilistic_segment_clv(s, segments, months=months, as_of=as_of)
            if probabilistic
            else None
        )
    if as_json:
        out: dict[str, Any] = {
            "as_of": econ.basis.as_of,
            "churn_rule": econ.basis.rule_info(),
            "quality": econ.quality,
            "segments": _records(table),
        }
        if prob is not None:
            out["probabilistic"] = {"segments": _records(prob[0]), "parameters": prob[1]}
        print_json(out)
        return
    from cxm.cli.output import console

    console.print(_rule_line(econ.basis))
    _print_flags(econ.quality)
    render(
        _("Customer lifetime value per segment"),
        table,
        [
            "segment",
            "customers",
            "margin_per_customer_year",
            "churn_rate",
            "expected_lifetime_years",
            "clv",
            "clv_total",
        ],
    )
    if prob is not None:
        render(_("BG/NBD + Gamma-Gamma CLV, next {m} months", m=months), prob[0])


def simulate(
    segments: SegReq,
    cut: Annotated[
        float, typer.Option("--cut", help="Churn cut, in points (0.05 = 5 points).")
    ] = 0.05,
    relative: Annotated[
        bool, typer.Option("--relative", help="Cut churn by a share of itself.")
    ] = False,
    years: Annotated[int, typer.Option("--years")] = 5,
    discount: Annotated[float, typer.Option("--discount")] = 0.1,
    cost_ratio: Annotated[
        float, typer.Option("--cost-ratio", help="Acquisition : retention cost.")
    ] = 5.0,
    acquisition_cost: Annotated[float | None, typer.Option("--acquisition-cost")] = None,
    segment: Annotated[str | None, typer.Option("--segment", help="Only this segment.")] = None,
    as_of: AsOfOpt = None,
    rule: RuleOpt = "auto",
    k: KOpt = 3.0,
    p_alive_below: ThresholdOpt = 0.5,
    as_json: JsonOpt = False,
) -> None:
    """Cut churn in a segment by x → profit change over H years, from the firm's own data."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json
    from cxm.management.economics import simulate as run

    with open_store() as store, store.session() as s:
        table = run(
            s,
            segments,
            cut=cut,
            relative=relative,
            horizon_years=years,
            discount=discount,
            cost_ratio=cost_ratio,
            acquisition_cost=acquisition_cost,
            segment=segment,
            as_of=as_of,
            rule=churn_rule(rule, k, p_alive_below),
        )
    if as_json:
        settings = {
            "cut": cut,
            "relative": relative,
            "horizon_years": years,
            "discount": discount,
            "cost_ratio": cost_ratio,
        }
        print_json({"settings": settings, "segments": _records(table)})
        return
    render(
        _(
            "Churn cut of {cut} over {years} years: where '5 % less churn, "
            "25–85 % more profit' holds",
            cut=cut,
            years=years,
        ),
        table,
        [
            "segment",
            "churn_rate",
            "new_churn_rate",
            "baseline_profit",
            "net_change",
            "change_pct",
            "lifetime_change_pct",
            "claim",
        ],
    )


def invest(
    segments: SegReq,
    budget: Annotated[float | None, typer.Option("--budget")] = None,
    improvement: Annotated[
        float, typer.Option("--improvement", help="Points of improvement per item.")
    ] = 0.5,
    item: Annotated[
        list[str], typer.Option("--item", help="Driver items (default: service items).")
    ] = [],  # noqa: B006
    cost: Annotated[
        list[str],
        typer.Option("--cost", help="ITEM=AMOUNT: cost of one point per customer."),
    ] = [],  # noqa: B006
    top: Annotated[int, typer.Option("--top")] = 15,
    as_of: AsOfOpt = None,
    rule: RuleOpt = "auto",
    k: KOpt = 3.0,
    p_alive_below: ThresholdOpt = 0.5,
    as_json: JsonOpt = False,
) -> None:
    """The costed fix-first list: improvements ranked by value kept minus cost."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.management.priorities import priority_list

    with open_store() as store, store.session() as s:
        r = priority_list(
            s,
            segments,
            items=item or None,
            costs=_item_costs(cost),
            improvement=improvement,
            budget=budget,
            as_of=as_of,
            rule=churn_rule(rule, k, p_alive_below),
        )
    if as_json:
        print_json(r.to_dict())
        return
    console.print(
        _(
            "Churn changes by {b:.3f} (SE {se:.3f}) per point of overall satisfaction.",
            b=r.churn_per_point,
            se=r.churn_per_point_se,
        )
    )
    _print_flags(r.quality)
    cols = ["rank", "segment", "label", "gain_points", "customers_kept", "value_kept", "cost"]
    cols += ["net_value", "budget_share", "cost_status"]
    render(_("Fix first: improvements ranked by value kept minus cost"), r.items.head(top), cols)
    for column in ("gain_points", "customers_kept", "value_kept", "cost", "net_value"):
        console.print(f"{column}: {r.units[column]}", markup=False)


def _item_costs(items: list[str]) -> dict[str, float]:
    from cxm.errors import InputError

    out = {}
    for entry in items:
        code, sep, value = entry.rpartition("=")
        try:
            out[code] = float(value)
        except ValueError:
            sep = ""
        if not sep or not code:
            raise InputError(_("Costs are ITEM=NUMBER, not {item}.", item=entry))
    return out


def _rule_line(basis: ChurnBasis) -> str:
    """One sentence: as of when, and how churn was decided."""
    rule = basis.churn_rule
    if rule == "gap":
        gap = basis.median_gap_days
        how = _(
            "churn = no purchase for {k:g} × the customer's own gap between purchases "
            "(median gap {gap:.0f} days)",
            k=basis.k,
            gap=float("nan") if gap is None else gap,
        )
    elif rule == "p_alive":
        how = _("churn = BG/NBD probability alive below {t:g}", t=basis.threshold)
    else:
        how = _("churn = the churn dates in the customer file")
    return _("As of {day}; {how}.", day=basis.as_of, how=how)


def register(app: typer.Typer) -> None:
    ch = typer.Typer(help=_("Churn: rates, reasons, survival, risk."), no_args_is_help=True)
    ch.command("report")(churn_report)
    ch.command("survival")(churn_survival)
    ch.command("risk")(churn_risk)
    ch.command("score")(churn_score)
    app.add_typer(ch, name="churn")
    app.command("clv")(clv)
    ret = typer.Typer(help=_("Retention economics."), no_args_is_help=True)
    ret.command("simulate")(simulate)
    app.add_typer(ret, name="retention")
    app.command("invest")(invest)
