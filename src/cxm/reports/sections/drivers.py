"""Key drivers: which items actually move overall satisfaction (DOMAIN.md §1: single-item
scores mislead), the importance–performance chart, and what to fix first.

Data: :func:`cxm.analytics.drivers.key_drivers` on the wave's scorecard items against the
overall satisfaction item — what ``cxm drivers RESPONSES.csv --outcome ITEM --items …
--json`` prints — and the importance–performance map over the PLS model's total effects
and construct indices (:func:`cxm.analytics.ipa.importance_performance`).
"""

from __future__ import annotations

from typing import Any, cast

import pandas as pd

from cxm.errors import CXMError
from cxm.i18n import _
from cxm.reports import fmt
from cxm.reports.context import NoData, ReportContext
from cxm.reports.labels import construct_label
from cxm.reports.model import Chart, Decision, Section, Series, Table
from cxm.reports.sections.model import model_document
from cxm.reports.survey_data import enough_responses, survey_items, wave_frame, waves

__all__ = ["KEY", "data", "present", "title"]

KEY = "drivers"


def title() -> str:
    return _("Key drivers and what to fix first")


def _construct_ipma(ctx: ReportContext) -> list[dict[str, Any]]:
    from cxm.analytics.ipa import importance_performance

    try:
        doc = model_document(ctx)
    except (NoData, CXMError):
        return []
    target = next((k for k in doc.get("indices", {}) if k.lower() == "satisfaction"), None)
    if target is None:
        return []
    effects = {e["from"]: e["estimate"] for e in doc.get("total_effects", []) if e["to"] == target}
    names = [n for n in effects if n in doc["indices"]]
    if len(names) < 2:
        return []
    table = importance_performance(
        pd.Series({n: effects[n] for n in names}), pd.Series({n: doc["indices"][n] for n in names})
    )
    records = cast(list[dict[str, Any]], table.to_dict("records"))
    return records


def data(ctx: ReportContext) -> dict[str, Any]:
    if ctx.store is None:  # a file report: the model's constructs only
        constructs = _construct_ipma(ctx)
        if not constructs:
            raise NoData(_("The model has no satisfaction construct to map importance on."))
        return {
            "outcome": "Satisfaction",
            "n": None,
            "r2": None,
            "labels": {},
            "drivers": [],
            "priorities": [],
            "constructs": constructs,
        }
    from cxm.analytics.drivers import key_drivers

    cur, _prev = waves(ctx)
    items = survey_items(ctx, cur.id)
    codes = [c for dim in ("product", "process", "people") for c in items.dimensions.get(dim, [])]
    if items.overall is None or len(codes) < 2:
        raise NoData(_("The questionnaire needs an overall satisfaction item and scorecard items."))
    frame = enough_responses(ctx, wave_frame(ctx, cur.id), cur.name)
    result = key_drivers(frame, items.overall, [c for c in codes if c != items.overall])
    return {
        "fix_first": _fix_first(ctx),
        "indices": _indices(frame, [c for c in codes if c != items.overall], items.overall),
        "wave": cur.name,
        "outcome": result.outcome,
        "n": result.n,
        "r2": result.r2,
        "labels": {c: items.labels.get(c, c) for c in codes},
        "drivers": result.summary.to_dict("records"),
        "priorities": result.priorities.to_dict("records"),
        "constructs": _construct_ipma(ctx),
    }


def _indices(frame: Any, codes: list[str], overall: str) -> list[dict[str, Any]]:
    """The overall index by method 1 (derived, and stated where the questionnaire asks
    ``IMP_<item>``) and method 2 (PCA) — what ``cxm index`` prints for a file."""
    from cxm.analytics.index import index_methods
    from cxm.errors import CXMError

    stated = {c: f"IMP_{c}" for c in codes if f"IMP_{c}" in frame}
    try:
        table = index_methods(
            frame, codes, overall=overall, stated=stated if len(stated) == len(codes) else None
        )
    except CXMError:
        return []
    return [{str(k): v for k, v in r.items()} for r in table.to_dict("records")]


def _fix_first(ctx: ReportContext) -> list[dict[str, Any]]:
    """The top of the costed fix-first list (``cxm invest``) when segments are defined."""
    from cxm.errors import CXMError
    from cxm.reports.sections.retention import fix_first
    from cxm.reports.sections.segments import definition_name

    try:
        items: list[dict[str, Any]] = fix_first(ctx, definition_name(ctx))["items"]
    except CXMError:
        return []
    return items[:5]


def _constructs_chart(s: Section, d: dict[str, Any]) -> None:
    cons = d.get("constructs") or []
    if not cons:
        return
    s.charts.append(
        Chart(
            "drivers-ipma",
            _("Importance–performance map of the model's constructs"),
            "xy",
            (
                Series(
                    _("constructs"),
                    tuple(r["importance"] for r in cons),
                    tuple(r["performance"] for r in cons),
                    labels=tuple(construct_label(str(r["item"])) for r in cons),
                    mode="marker",
                ),
            ),
            "cxm analyze FILE --model MODEL --json → total_effects, indices",
            x_title=_("total effect on satisfaction"),
            y_title=_("index (0–100)"),
        )
    )
    ranked = sorted(cons, key=lambda r: r.get("priority_rank") or 0)
    s.tables.append(
        Table(
            _("Constructs to improve first"),
            (_("rank"), _("construct"), _("total effect"), _("index"), _("quadrant")),
            tuple(
                (
                    str(r.get("priority_rank")),
                    construct_label(str(r["item"])),
                    fmt.num(r["importance"], 3),
                    fmt.num(r["performance"]),
                    str(r.get("quadrant_label") or ""),
                )
                for r in ranked
            ),
            "cxm analyze FILE --model MODEL --json → total_effects, indices",
        )
    )


def present(d: dict[str, Any], ctx: ReportContext) -> Section:
    labels = d.get("labels", {})
    src = f"cxm drivers RESPONSES.csv --outcome {d['outcome']} --items … --json"
    if not d["drivers"]:
        s = Section(KEY, title())
        _constructs_chart(s, d)
        return s
    s = Section(
        KEY,
        title(),
        intro=_(
            "How much each item explains of overall satisfaction ({outcome}; R² = {r2}, n = {n}), "
            "against how well it performs.",
            outcome=d["outcome"],
            r2=fmt.num(d.get("r2"), 2),
            n=d["n"],
        ),
    )
    rows = d["drivers"]
    imp = [r.get("relative_weight_pct") for r in rows]
    perf = [r.get("performance") for r in rows]
    valid_imp = [v for v in imp if fmt.is_num(v)]
    valid_perf = [v for v in perf if fmt.is_num(v)]
    s.charts.append(
        Chart(
            "drivers-ipa",
            _("Importance–performance"),
            "xy",
            (
                Series(
                    _("items"),
                    tuple(imp),
                    tuple(perf),
                    labels=tuple(str(r["item"]) for r in rows),
                    mode="marker",
                ),
            ),
            src,
            x_title=_("importance (% of explained variance)"),
            y_title=_("performance (0–100)"),
            vlines=((sum(valid_imp) / len(valid_imp), ""),) if valid_imp else (),
            hlines=((sum(valid_perf) / len(valid_perf), ""),) if valid_perf else (),
        )
    )
    s.tables.append(
        Table(
            _("Improvement priorities"),
            (
                _("rank"),
                _("item"),
                _("importance %"),
                _("performance"),
                _("quadrant"),
                _("priority"),
            ),
            tuple(
                (
                    str(r.get("priority_rank")),
                    f"{labels.get(r['item'], r['item'])} ({r['item']})",
                    fmt.num(r.get("relative_weight_pct")),
                    fmt.num(r.get("performance")),
                    str(r.get("quadrant_label") or ""),
                    fmt.num(r.get("priority"), 2),
                )
                for r in d["priorities"]
            ),
            src,
        )
    )
    _constructs_chart(s, d)
    if d.get("indices"):
        s.tables.append(
            Table(
                _("Overall index by method (1: importance-weighted, 2: PCA; 3: PLS above)"),
                (_("method"), _("index"), "95 % CI", "n"),
                tuple(
                    (
                        str(r["method"]),
                        fmt.num(r["index"], 1),
                        f"{fmt.num(r['ci_low'], 1)}–{fmt.num(r['ci_high'], 1)}",
                        str(r["n"]),
                    )
                    for r in d["indices"]
                ),
                src,
            )
        )
    if d.get("indices"):
        s.tables.append(
            Table(
                _("Overall index by method (1: importance-weighted, 2: PCA; 3: PLS above)"),
                (_("method"), _("index"), "95 % CI", "n"),
                tuple(
                    (
                        str(r["method"]),
                        fmt.num(r["index"], 1),
                        f"{fmt.num(r['ci_low'], 1)}–{fmt.num(r['ci_high'], 1)}",
                        str(r["n"]),
                    )
                    for r in d["indices"]
                ),
                src,
            )
        )
    costed = d.get("fix_first") or []
    focus = [r for r in d["priorities"] if r.get("quadrant") == "concentrate_here"][:3]
    if costed:
        names = ", ".join(f"{r['label']} ({r['segment']})" for r in costed[:3])
        s.decisions.append(
            Decision(
                _(
                    "Fix first: {items} — the top of the costed list (value kept minus cost), "
                    "the same list as `cxm invest`.",
                    items=names,
                ),
                "cxm invest --json",
            )
        )
    elif focus:
        names = ", ".join(labels.get(r["item"], r["item"]) for r in focus)
        s.decisions.append(
            Decision(
                _(
                    "Fix first: {items} — they matter most to overall satisfaction and perform "
                    "below average.",
                    items=names,
                ),
                src,
            )
        )
    overkill = [r for r in d["priorities"] if r.get("quadrant") == "possible_overkill"]
    if overkill:
        s.decisions.append(
            Decision(
                _(
                    "Possible overkill: {items} — high scores that barely move satisfaction; "
                    "do not spend more there.",
                    items=", ".join(labels.get(r["item"], r["item"]) for r in overkill),
                ),
                src,
            )
        )
    return s
