"""What a segment definition would give before it is saved, and the sizes of the saved
ones — for the workspace's segment page. The same assignment as ``cxm segments recompute``
(:func:`cxm.segments.membership.assign`), on a definition that is checked but not stored."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxm.analytics.segmentation import segment_summary
from cxm.errors import InputError
from cxm.i18n import _
from cxm.segments.definitions import _normalise, segment_labels
from cxm.segments.membership import assign
from cxm.segments.models import SegmentDefinition, SegmentKind, SegmentMembership
from cxm.store import Store
from cxm.store.kept import KeptResults

__all__ = ["SIZES", "current_sizes", "kept_sizes", "parameters_from_form", "preview_segments"]


def preview_segments(
    session: Session,
    *,
    kind: str,
    parameters: dict[str, Any],
    exclusive: bool = True,
    as_of: Any = None,
) -> pd.DataFrame:
    """Customers, profit and their shares per segment that the definition would assign
    now (columns of :func:`~cxm.analytics.segmentation.segment_summary`); nothing is
    written. Errors name the field, as when saving."""
    try:
        k = SegmentKind(kind)
    except ValueError:
        raise InputError(
            _("Segment kind must be pareto, rfm or rule, not {kind}.", kind=kind)
        ) from None
    d = SegmentDefinition(
        name="preview",
        kind=k,
        parameters=_normalise(k, parameters),
        exclusive=exclusive if k == SegmentKind.RULE else True,
    )
    membership, profit = assign(session, d, as_of=as_of)
    return segment_summary(membership, profit, segments=segment_labels(d))


def current_sizes(session: Session) -> dict[str, dict[str, int]]:
    """Customers per current segment of every saved definition (one query)."""
    rows = session.execute(
        select(SegmentDefinition.name, SegmentMembership.segment, func.count())
        .join(SegmentMembership, SegmentMembership.definition_id == SegmentDefinition.id)
        .where(SegmentMembership.valid_to.is_(None))
        .group_by(SegmentDefinition.name, SegmentMembership.segment)
    ).all()
    out: dict[str, dict[str, int]] = {}
    for name, segment, n in rows:
        out.setdefault(name, {})[str(segment)] = int(n)
    return out


#: The sizes of this process, per database, kept while no membership or definition changes
#: (counting the open memberships is a GROUP BY over every customer of every definition).
SIZES: KeptResults[dict[str, dict[str, int]]] = KeptResults(
    "segment sizes", lambda: (SegmentMembership.id, SegmentDefinition.updated_at)
)


def kept_sizes(store: Store, session: Session) -> dict[str, dict[str, int]]:
    """:func:`current_sizes`, kept until memberships or definitions change (then counted
    again at once: a page right after a recompute shows the new sizes)."""

    def compute() -> dict[str, dict[str, int]]:
        with store.session() as s:
            try:
                return current_sizes(s)
            finally:
                s.rollback()  # read only

    kept = SIZES.get(session, str(store.engine.url), compute, stale_ok=False)
    return kept.value if kept is not None and kept.value is not None else {}


def _numbers(field: str, text: str) -> list[float]:
    try:
        return [float(x) for x in text.replace("，", ",").split(",") if x.strip()]
    except ValueError:
        raise InputError(
            _("{field}: give numbers separated by commas, e.g. 0.05,0.2.", field=field)
        ) from None


def _yaml(field: str, text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else "?"
        raise InputError(
            _("{field}: not valid YAML at line {line}.", field=field, line=line)
        ) from None


def parameters_from_form(
    kind: str,
    *,
    cuts: str = "",
    labels: str = "",
    months: str = "",
    bins: str = "",
    rules: str = "",
) -> dict[str, Any]:
    """The parameters of a definition from the segment form's fields (what ``cxm segments
    define`` takes as options); a bad field is named in the error."""
    params: dict[str, Any] = {}
    if months.strip():
        if not months.strip().isdigit() or int(months) < 1:
            raise InputError(_("Months: give a whole number of months, 1 or more."))
        params["months"] = int(months)
    if kind == "pareto":
        if cuts.strip():
            params["cuts"] = _numbers(_("Cut points"), cuts)
        if labels.strip():
            params["labels"] = [x.strip() for x in labels.replace("，", ",").split(",")]
    elif kind == "rfm":
        if bins.strip():
            if not bins.strip().isdigit():
                raise InputError(_("Bins: give a whole number from 2 to 10."))
            params["bins"] = int(bins)
        if rules.strip():
            groups = _yaml(_("Groups"), rules)
            if not isinstance(groups, dict):
                raise InputError(_("Groups: give a mapping of group name to cell patterns."))
            params["groups"] = groups.get("groups", groups)
            if "default" in groups:
                params["default"] = groups["default"]
    elif kind == "rule":
        data = _yaml(_("Rules"), rules) if rules.strip() else None
        if isinstance(data, list):
            data = {"segments": data}
        if not isinstance(data, dict):
            raise InputError(_("Rules: give a list of segments, each with a name and conditions."))
        params.update(data)
    return params
