"""Segment and target pages: define segments (value tiers, RFM cells, rules) with a preview
of sizes and profit shares before saving; targets per segment with the proposed target and
the rule behind it. Saving is audited by the services (``define_segments``, ``set_target``)."""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxm.accounts.permissions import Capability
from cxm.analytics.targets import KPIS
from cxm.errors import CXMError
from cxm.i18n import _
from cxm.management.definitions import define_segments, list_definitions, segment_labels
from cxm.management.kept_proposals import kept_proposals
from cxm.management.segments import recompute
from cxm.management.targets import set_target, targets_frame
from cxm.segments.preview import kept_sizes, parameters_from_form, preview_segments
from cxm.web.deps import AppStore, DbSession
from cxm.web.permissions import Grant, Require, grant_for
from cxm.web.staff import page

__all__ = ["router"]

router = APIRouter(prefix="/staff", tags=["segment pages"], include_in_schema=False)
#: Segment definitions and targets are company settings, not any team's data.
Read = Annotated[Grant, Require(Capability.VIEW_REPORTS, shared=True)]
Configure = Annotated[Grant, Require(Capability.CONFIGURE)]
KINDS = ("pareto", "rfm", "rule")
RULES_EXAMPLE = """segments:
  - name: 新客
    conditions:
      - {field: acquired_on, op: ge, value: "2026-01-01"}
  - name: 华东
    conditions:
      - {field: region, op: eq, value: 华东}
default: 其他
"""


def _records(frame: Any) -> list[dict[str, Any]]:
    return [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


def _segments_context(
    db: DbSession, store: AppStore, grant: Grant, form: dict[str, Any]
) -> dict[str, Any]:
    sizes = kept_sizes(store, db)
    rows = [
        {
            "name": d.name,
            "kind": d.kind.value,
            "description": d.description,
            "computed_at": d.computed_at,
            "sizes": [(s, sizes.get(d.name, {}).get(s, 0)) for s in segment_labels(d)]
            or sorted(sizes.get(d.name, {}).items()),
        }
        for d in list_definitions(db)
    ]
    return {
        "user": grant.user,
        "rows": rows,
        "kinds": KINDS,
        "f": form,
        "can_configure": grant_for(db, grant.user, Capability.CONFIGURE) is not None,
        "see_money": grant_for(db, grant.user, Capability.SEE_MONEY) is not None,
        "preview": None,
        "problem": None,
        "rules_example": RULES_EXAMPLE,
    }


_BLANK = {
    "name": "",
    "kind": "pareto",
    "cuts": "0.2",
    "labels": "key,other",
    "months": "12",
    "bins": "5",
    "rules": "",
    "description": "",
    "overlapping": False,
    "replace": False,
}


@router.get("/segments", response_class=HTMLResponse)
def segments_page(request: Request, grant: Read, db: DbSession, store: AppStore) -> Response:
    return page(request, "staff/segments.html", _segments_context(db, store, grant, dict(_BLANK)))


@router.post("/segments", response_class=HTMLResponse)
def segments_submit(
    request: Request,
    grant: Configure,
    db: DbSession,
    store: AppStore,
    name: Annotated[str, Form(max_length=100)] = "",
    kind: Annotated[str, Form(max_length=10)] = "pareto",
    cuts: Annotated[str, Form(max_length=200)] = "",
    labels: Annotated[str, Form(max_length=1000)] = "",
    months: Annotated[str, Form(max_length=4)] = "",
    bins: Annotated[str, Form(max_length=2)] = "",
    rules: Annotated[str, Form(max_length=50_000)] = "",
    description: Annotated[str, Form(max_length=500)] = "",
    overlapping: Annotated[bool, Form()] = False,
    replace: Annotated[bool, Form()] = False,
    action: Annotated[str, Form(max_length=10)] = "preview",
) -> Response:
    """``action=preview``: sizes and profit shares, nothing saved; ``action=save``: save
    the definition and assign every customer (audited)."""
    form = {
        "name": name,
        "kind": kind,
        "cuts": cuts,
        "labels": labels,
        "months": months,
        "bins": bins,
        "rules": rules,
        "description": description,
        "overlapping": overlapping,
        "replace": replace,
    }
    context = _segments_context(db, store, grant, form)
    try:
        params = parameters_from_form(
            kind, cuts=cuts, labels=labels, months=months, bins=bins, rules=rules
        )
        if action != "save":
            table = preview_segments(db, kind=kind, parameters=params, exclusive=not overlapping)
            context["preview"] = _records(table)
            return page(request, "staff/segments.html", context)
        with db.begin_nested():  # a refusal leaves no half-saved definition
            define_segments(
                db,
                name=name,
                kind=kind,
                parameters=params,
                exclusive=not overlapping,
                description=description or None,
                created_by=grant.user.name,
                replace=replace,
                actor_id=grant.user.id,
            )
            result = recompute(db, name.strip(), actor_id=grant.user.id)
    except CXMError as exc:
        context["problem"] = exc.message
        return page(request, "staff/segments.html", context, status=422)
    return RedirectResponse(
        f"/staff/segments?saved={result.definition}#def-{result.definition}", status_code=303
    )


def rule_text() -> str:
    """The proposal rule of :func:`cxm.analytics.targets.propose_targets`, in words."""
    return _(
        "Proposed target = today's overall actual + headroom × value index. Value index = "
        "the segment's profit per customer net of its cost to serve, divided by the best "
        "segment's (0 to 1). Headroom: the KPI's usual step, at most half the distance left "
        "to the end of the scale — no segment is asked for 100 %. Service level: premium "
        "from a value index of 0.5, standard from 0.1, else basic."
    )


def _targets_context(
    db: DbSession,
    store: AppStore,
    grant: Grant,
    definition: str,
    kpi: str,
    saved: str = "",
    *,
    proposals: bool = False,
) -> dict[str, Any]:
    names = [d.name for d in list_definitions(db)]
    chosen = definition if definition in names else (names[0] if names else "")
    kpi = kpi if kpi in KPIS else "csat"
    can_configure = grant_for(db, grant.user, Capability.CONFIGURE) is not None
    see_money = grant_for(db, grant.user, Capability.SEE_MONEY) is not None
    context: dict[str, Any] = {
        "user": grant.user,
        "definitions": names,
        "definition": chosen,
        "kpi": kpi,
        "kpis": list(KPIS),
        "targets": [],
        "segments": [],
        "proposals": None,
        "current": None,
        "problem": None,
        "rule": rule_text(),
        "can_configure": can_configure,
        "saved": saved[:100],
        "can_propose": can_configure and see_money,
        "asked": proposals,
        "computed_at": None,
        "fresh": True,
    }
    if chosen:
        d = next(x for x in list_definitions(db) if x.name == chosen)
        context["segments"] = segment_labels(d) or sorted(kept_sizes(store, db).get(chosen, {}))
        context["targets"] = _records(targets_frame(db, chosen))
        if can_configure and see_money and proposals:
            kept = kept_proposals(store, db, definition=chosen, kpi=kpi)
            if kept is not None and kept.value is not None:
                context["proposals"] = _records(kept.value.table)
                context["current"] = kept.value.current
            elif kept is not None:
                context["problem"] = kept.error
            if kept is not None:
                context.update(computed_at=kept.computed_at, fresh=kept.fresh)
    return context


@router.get("/targets", response_class=HTMLResponse)
def targets_page(
    request: Request,
    grant: Read,
    db: DbSession,
    store: AppStore,
    definition: str = "",
    kpi: str = "csat",
    saved: str = "",
    propose: bool = False,
) -> Response:
    """Targets per segment; for those who may configure and see money, on request
    (``propose=true``), the proposal per segment with the rule behind it: it reads every
    answer and the year's profit, so it is kept until those change (and says how fresh)."""
    context = _targets_context(db, store, grant, definition, kpi, saved, proposals=propose)
    return page(request, "staff/targets.html", context)


@router.post("/targets", response_class=HTMLResponse)
def targets_submit(
    request: Request,
    grant: Configure,
    db: DbSession,
    store: AppStore,
    definition: Annotated[str, Form(max_length=100)],
    segment: Annotated[str, Form(max_length=100)],
    kpi: Annotated[str, Form(max_length=20)],
    value: Annotated[str, Form(max_length=30)],
) -> Response:
    """Set (or replace) one segment's target for a KPI; audited."""
    try:
        number = float(value.replace(",", "."))
        with db.begin_nested():
            set_target(
                db,
                definition,
                segment=segment,
                kpi=kpi,
                value=number,
                set_by=grant.user.name,
                actor_id=grant.user.id,
            )
    except (CXMError, ValueError) as exc:
        message = exc.message if isinstance(exc, CXMError) else _("Give the target as a number.")
        context = _targets_context(db, store, grant, definition, kpi, proposals=True)
        context["problem"] = message
        return page(request, "staff/targets.html", context, status=422)
    return RedirectResponse(
        f"/staff/targets?definition={quote(definition)}&kpi={quote(kpi)}&saved={quote(segment)}",
        status_code=303,
    )
