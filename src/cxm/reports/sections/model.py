"""The satisfaction model: a PLS path model drawn as a diagram (path coefficients on the
arrows, R² in the nodes), with construct indices and measurement quality.

Data: the document ``cxm analyze RESPONSES.csv --model MODEL.lavaan --json`` prints, made
by the same function from the same fitted :class:`~cxm.analytics.pls.PLSPM`. In the store
report the model is the ECSI structure over the constructs the questionnaire marks; in a
file report (``cxm analyze --report``) it is the user's model.
"""

from __future__ import annotations

import warnings
from typing import Any

from cxm.errors import StatisticalWarning
from cxm.i18n import _
from cxm.reports import fmt
from cxm.reports.context import NoData, ReportContext
from cxm.reports.diagram import path_diagram_svg
from cxm.reports.labels import construct_label, with_construct_labels
from cxm.reports.model import Chart, Decision, Section, Series, Table
from cxm.reports.survey_data import enough_responses, survey_items, wave_frame, waves

__all__ = [
    "KEY",
    "data",
    "fitted_model",
    "model_document",
    "model_text",
    "present",
    "title",
]

KEY = "model"
#: Template whose structure the questionnaire's constructs are placed in.
STRUCTURE = "ecsi"
#: Bootstrap resamples and seed: ``cxm analyze … --bootstrap 500 --seed 1`` repeats it.
BOOTSTRAP, SEED = 500, 1


def title() -> str:
    return _("The satisfaction model (PLS path model)")


def model_text(constructs: dict[str, list[str]]) -> str:
    """lavaan text: the questionnaire's construct blocks in the ECSI path structure."""
    from cxm.analytics.pls import load_template

    spec = load_template(STRUCTURE)
    names = {b.name.lower(): b.name for b in spec.blocks}
    present = {names[c]: items for c, items in constructs.items() if c in names and items}
    lines = [f"{name} =~ {' + '.join(items)}" for name, items in present.items()]
    targets: dict[str, list[str]] = {}
    for p in spec.paths:
        if p.source in present and p.target in present:
            targets.setdefault(p.target, []).append(p.source)
    if not targets:
        raise NoData(_("The questionnaire marks too few constructs for a path model."))
    lines += [f"{t} ~ {' + '.join(srcs)}" for t, srcs in targets.items()]
    return "\n".join(lines) + "\n"


def fitted_model(ctx: ReportContext) -> tuple[Any, str]:
    """``(fit, lavaan text)``: fitted once per report and shared with the drivers section."""

    def compute() -> tuple[Any, str]:
        if "fit" in ctx.extra:
            return ctx.extra["fit"], str(ctx.extra.get("model_text", ""))
        from cxm.analytics.pls import PLSPM as plspm

        cur, _prev = waves(ctx)
        items = survey_items(ctx, cur.id)
        text = model_text(items.constructs)
        frame = enough_responses(ctx, wave_frame(ctx, cur.id), cur.name)
        with warnings.catch_warnings():
            # Kept on the fit (``warnings_``) and shown in the section, not raised.
            warnings.simplefilter("ignore", StatisticalWarning)
            fit = plspm(text).fit(frame)
            fit.bootstrap(BOOTSTRAP, seed=SEED)
        return fit, text

    return ctx.memo("pls", compute)


def model_document(ctx: ReportContext) -> dict[str, Any]:
    """The ``cxm analyze --json`` document of the report's model (computed once)."""

    def compute() -> dict[str, Any]:
        if "document" in ctx.extra:
            given: dict[str, Any] = ctx.extra["document"]
            return given
        # The very function that prints ``cxm analyze --json``.
        from cxm.analytics.pls import result_document

        fit, _text = fitted_model(ctx)
        doc: dict[str, Any] = result_document(fit)
        return doc

    return ctx.memo("pls_document", compute)


def data(ctx: ReportContext) -> dict[str, Any]:
    doc = model_document(ctx)
    text = ctx.extra.get("model_text") if "document" in ctx.extra else fitted_model(ctx)[1]
    return {"model_text": text or "", "document": doc}


def present(d: dict[str, Any], ctx: ReportContext) -> Section:
    doc = d["document"]
    src = ctx.extra.get("source") or (
        f"cxm analyze RESPONSES.csv --model MODEL.lavaan --bootstrap {BOOTSTRAP} --seed {SEED} "
        "--json"
    )
    s = Section(
        KEY,
        title(),
        intro=_(
            "Constructs as ovals with R² inside; arrows carry the path coefficients (solid: "
            "significant at 5 %, dashed: not, where bootstrapped)."
        ),
    )
    paths = doc.get("paths") or []
    r2 = doc.get("r2") or {}
    s.diagram_svg = path_diagram_svg(
        paths, r2, labels={n: construct_label(n) for p in paths for n in (p["from"], p["to"])}
    )
    s.tables.append(
        Table(
            _("Path coefficients"),
            (_("from"), _("to"), _("estimate"), _("interval"), "p"),
            tuple(
                (
                    construct_label(p["from"]),
                    construct_label(p["to"]),
                    fmt.num(p.get("estimate"), 3),
                    fmt.ci_text(p.get("ci_low"), p.get("ci_high"), digits=3),
                    fmt.p_text(p.get("p")),
                )
                for p in paths
            ),
            src,
        )
    )
    indices = doc.get("indices") or {}
    if isinstance(indices, dict) and indices:
        names = list(indices)
        s.charts.append(
            Chart(
                "model-indices",
                _("Construct indices (0–100)"),
                "bar",
                (
                    Series(
                        _("index"),
                        tuple(construct_label(n) for n in names),
                        tuple(indices[n] for n in names),
                    ),
                ),
                src,
                y_range=(0.0, 100.0),
            )
        )
    if r2:
        s.tables.append(
            Table(
                _("Explained variance"),
                (_("construct"), "R²"),
                tuple((construct_label(k), fmt.num(v, 3)) for k, v in r2.items()),
                src,
            )
        )
    for note in doc.get("warnings") or []:
        note = with_construct_labels(str(note))
        s.decisions.append(Decision(_("Caution: {note}", note=note), src))
    for flag in doc.get("quality") or []:
        message = with_construct_labels(str(flag["message"]))
        s.decisions.append(Decision(_("Too weak: {message}", message=message), src))
    strongest = max(
        (
            p
            for p in paths
            if p.get("to", "").lower() == "satisfaction" and fmt.is_num(p.get("estimate"))
        ),
        key=lambda p: p["estimate"],
        default=None,
    )
    if strongest is not None:
        s.decisions.append(
            Decision(
                _(
                    "{name} has the strongest direct effect on satisfaction ({value}).",
                    name=construct_label(strongest["from"]),
                    value=fmt.num(strongest["estimate"], 3),
                ),
                src,
            )
        )
    return s
