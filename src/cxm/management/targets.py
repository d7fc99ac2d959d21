"""Per-segment targets: propose, set, and report actual against target per wave.

Survey KPIs (CSAT, 100-point score, index, NPS) come from the responses of each wave, with
the customers in the segments they belonged to when the wave closed (the membership history
kept by :mod:`cxm.management.segments`; the current membership when none was kept then).
Churn rate comes from the customer file per calendar year.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.analytics.churn import churn_rates
from cxm.analytics.targets import KPIS, check_target, compare_to_targets, propose_targets, trend
from cxm.errors import InputError
from cxm.frames.customers import contact_counts, observation_start
from cxm.i18n import _
from cxm.management.churn_rules import customers_as_of
from cxm.management.definitions import get_definition, segment_labels
from cxm.management.models import Target
from cxm.management.segments import members, members_at_each, summary

__all__ = [
    "SURVEY_ITEMS",
    "TargetProposal",
    "kpi_actuals",
    "propose",
    "report",
    "set_target",
    "targets_frame",
]

#: Default survey item per KPI (codes of the CCSI questionnaire).
SURVEY_ITEMS: dict[str, list[str]] = {
    "csat": ["CUSA1"],
    "score100": ["CUSA1"],
    "index": ["CUSA1", "CUSA2", "CUSA3"],
    "nps": ["NPS"],
}
_ACTUAL_COLUMNS = ["segment", "kpi", "wave", "value", "ci_low", "ci_high", "n"]


@dataclass(frozen=True)
class TargetProposal:
    """:func:`propose`: the proposed target per segment (``table``) and ``current``, the
    latest overall actual the proposals start from."""

    table: pd.DataFrame
    current: float


def _waves(session: Session, wave_ids: list[int] | None) -> list[tuple[int, str, datetime]]:
    from cxm.surveys.models import Wave

    q = select(Wave.id, Wave.name, Wave.closes_on).order_by(Wave.opens_on, Wave.id)
    if wave_ids:
        q = q.where(Wave.id.in_(wave_ids))
    return [(i, n, datetime.combine(c, time.max)) for i, n, c in session.execute(q)]


def _kpi_table(df: pd.DataFrame, kpi: str, use: list[str], min_n: int) -> pd.DataFrame:
    """One wave's ``kpi`` per segment of the answers ``df`` (with ``segment``)."""
    from cxm.analytics.scores import csat, mean_score, score_100
    from cxm.analytics.scores_nps import nps

    if kpi == "csat":
        return csat(df, use, by="segment", min_n=min_n).rename(columns={"csat": "value"})
    if kpi == "score100":
        return score_100(df, use, by="segment", min_n=min_n).rename(columns={"score_100": "value"})
    if kpi == "nps":
        return nps(df, use, by="segment", min_n=min_n).rename(columns={"nps": "value"})
    # Index: the respondent's mean of the satisfaction items on 0–100, (x̄ − 1)/4 · 100.
    df = df.assign(_index=(df[use].astype(float).mean(axis=1) - 1) / 4 * 100)
    t = mean_score(df, ["_index"], by="segment", min_n=min_n)
    return t.rename(columns={"mean": "value", "mean_ci_low": "ci_low", "mean_ci_high": "ci_high"})


def _survey_actuals(
    session: Session,
    name: str,
    kpis: list[str],
    wave_ids: list[int] | None,
    items: list[str] | None,
    min_n: int,
    customer_ids: Collection[int] | None = None,
) -> dict[str, pd.DataFrame]:
    """The survey ``kpis``' actuals, each as :func:`kpi_actuals` gives it, from one read of
    each wave's answers to all their questions."""
    from cxm.frames.responses import responses_frame

    uses = {kpi: items or SURVEY_ITEMS[kpi] for kpi in kpis}
    questions = tuple(dict.fromkeys(code for use in uses.values() for code in use))
    parts: dict[str, list[pd.DataFrame]] = {kpi: [] for kpi in kpis}
    waves = _waves(session, wave_ids)
    current, at_close = members_at_each(session, name, tuple(c for _i, _n, c in waves))
    for (wave_id, wave_name, _closes), seg in zip(waves, at_close, strict=True):
        answers = responses_frame(session, wave_id=wave_id, questions=questions)
        answered = [
            kpi for kpi in kpis if not answers.empty and set(uses[kpi]) <= set(answers.columns)
        ]
        if not answered:
            continue
        seg = seg if not seg.empty else current
        df = answers.dropna(subset=["customer_id"]).astype({"customer_id": "int64"})
        df = df.merge(seg, on="customer_id", how="inner")
        if customer_ids is not None:
            df = df[df["customer_id"].isin(list(customer_ids))]
        if df.empty:
            continue
        for kpi in answered:
            t = _kpi_table(df, kpi, uses[kpi], min_n)
            t = t.assign(kpi=kpi, wave=wave_name, wave_order=len(parts[kpi]))
            parts[kpi].append(t[[*_ACTUAL_COLUMNS, "wave_order"]])
    return {
        kpi: pd.concat(found, ignore_index=True)
        if found
        else pd.DataFrame(columns=[*_ACTUAL_COLUMNS, "wave_order"])
        for kpi, found in parts.items()
    }


def kpi_actuals(
    session: Session,
    name: str,
    kpi: str,
    *,
    wave_ids: list[int] | None = None,
    items: list[str] | None = None,
    min_n: int = 30,
    membership: pd.DataFrame | None = None,
    as_of: Any = None,
    customer_ids: Collection[int] | None = None,
) -> pd.DataFrame:
    """Actual value of ``kpi`` per segment and wave (or year, for churn, up to ``as_of``)
    with its interval: ``segment, kpi, wave, value, ci_low, ci_high, n, wave_order``;
    ``customer_ids`` keeps only those customers (a part of the company: its teams')."""
    if kpi not in KPIS:
        check_target(kpi, 0)  # raises the clear "unknown KPI" error
    if kpi == "churn_rate":
        seg = membership if membership is not None else members(session, name)
        if customer_ids is not None:
            seg = seg[seg["customer_id"].isin(list(customer_ids))]
        everyone, basis = customers_as_of(session, as_of=as_of)
        customers = everyone.merge(seg, on="customer_id", how="inner")
        if customers.empty:
            return pd.DataFrame(columns=[*_ACTUAL_COLUMNS, "wave_order"])
        rates = churn_rates(
            customers,
            freq="Y",
            align="end",
            start=observation_start(session),
            end=pd.Timestamp(basis.as_of),
        )
        rates = rates.rename(columns={"churn_rate": "value", "at_risk": "n", "period": "wave"})
        rates["kpi"] = kpi
        rates["wave_order"] = rates.groupby("segment").cumcount()
        return rates[[*_ACTUAL_COLUMNS, "wave_order"]]
    if kpi == "response_hours":
        return pd.DataFrame(columns=[*_ACTUAL_COLUMNS, "wave_order"])
    return _survey_actuals(session, name, [kpi], wave_ids, items, min_n, customer_ids)[kpi]


def _cost_to_serve(m: pd.DataFrame, session: Session, cost_per_contact: float) -> pd.Series:
    """Touchpoints per customer in each segment (members ``m``) × the cost of one contact."""
    if cost_per_contact == 0:
        return pd.Series(0.0, index=pd.Index(m["segment"].unique()))
    per = contact_counts(session)
    counts = pd.DataFrame({"customer_id": per.index.to_numpy(), "contacts": per.to_numpy()})
    m = m.merge(counts, on="customer_id", how="left")
    contacts = pd.to_numeric(m["contacts"], errors="coerce").fillna(0.0)
    return contacts.groupby(m["segment"]).mean() * cost_per_contact


def propose(
    session: Session,
    name: str,
    kpi: str,
    *,
    cost_per_contact: float = 0.0,
    cost_to_serve: dict[str, float] | None = None,
    headroom: float | None = None,
    items: list[str] | None = None,
    as_of: Any = None,
) -> TargetProposal:
    """Proposed target per segment (see :func:`cxm.analytics.targets.propose_targets` for
    the rule). Cost to serve per customer = contacts per customer × ``cost_per_contact``,
    overridden per segment by ``cost_to_serve``; the floor is the latest overall actual."""
    current_members = members(session, name)
    seg = summary(session, name, membership=current_members, as_of=as_of)
    seg = seg[seg["customers"] > 0]
    if seg.empty:
        raise InputError(
            _("Segments of {name} are empty: run `cxm segments recompute`.", name=name)
        )
    cts = _cost_to_serve(current_members, session, cost_per_contact)
    seg = seg.assign(cost_to_serve=seg["segment"].map(cts).fillna(0.0))
    from cxm.service_levels.service import costs_to_serve as levels_costs

    for s, v in {**levels_costs(session, definition=name), **(cost_to_serve or {})}.items():
        seg.loc[seg["segment"] == s, "cost_to_serve"] = float(v)
    actual = kpi_actuals(
        session, name, kpi, items=items, min_n=1, membership=current_members, as_of=as_of
    )
    current = _overall(actual)
    if current is None:
        raise InputError(
            _("No actual {kpi} to start from: collect answers (or churn dates) first.", kpi=kpi)
        )
    out = propose_targets(seg, kpi=kpi, current=current, headroom=headroom)
    from cxm.service_levels.service import service_level_names

    named = out["segment"].map(service_level_names(session, definition=name))
    out["service_level"] = named.where(named.notna(), out["service_level"])
    return TargetProposal(table=out, current=current)


def _overall(actual: pd.DataFrame) -> float | None:
    if actual.empty:
        return None
    last = actual[actual["wave_order"] == actual["wave_order"].max()].dropna(subset=["value"])
    if last.empty or last["n"].sum() == 0:
        return None
    return float(np.average(last["value"], weights=last["n"]))


def set_target(
    session: Session,
    name: str,
    *,
    segment: str,
    kpi: str,
    value: float,
    wave_id: int | None = None,
    period: str | None = None,
    service_level: str | None = None,
    set_by: str | None = None,
    actor_id: int | None = None,
    proposed: float | None = None,
    proposal_rule: str | None = None,
    reason: str | None = None,
) -> Target:
    """Set (or replace) the target of one segment and KPI, for all waves or one.

    ``proposed`` (with ``proposal_rule``) records what ``targets propose --save`` argued.
    Once a proposal is recorded, a manager may set another value only with a ``reason``:
    it is stored with the target, audited, and shown in ``targets report``."""
    from cxm.audit.service import record, snapshot

    d = get_definition(session, name)
    labels = segment_labels(d) or list(members(session, name)["segment"].unique())
    if segment not in labels:
        raise InputError(
            _(
                "{name} has no segment {segment}; it has: {labels}",
                name=name,
                segment=segment,
                labels=", ".join(map(str, labels)),
            )
        )
    v = check_target(kpi, value)
    q = select(Target).where(
        Target.definition_id == d.id,
        Target.segment == segment,
        Target.kpi == kpi,
        Target.wave_id.is_(None) if wave_id is None else Target.wave_id == wave_id,
        Target.period.is_(None) if period is None else Target.period == period,
    )
    found = session.scalars(q).first()
    t = found or Target(definition_id=d.id, segment=segment, kpi=kpi)
    fields = (
        "definition_id",
        "segment",
        "kpi",
        "wave_id",
        "period",
        "value",
        "service_level_id",
        "proposed_value",
        "override_reason",
    )
    before = snapshot(found, fields) if found is not None else None
    if proposed is not None:
        t.proposed_value, t.proposal_rule = float(proposed), proposal_rule
    why = (reason or "").strip() or None
    if t.proposed_value is not None and abs(v - t.proposed_value) > 1e-9:
        if why is None:
            raise InputError(
                _(
                    "{segment}: the proposed {kpi} target is {proposed}; setting {value} "
                    "instead needs a reason (--reason), which is recorded.",
                    segment=segment,
                    kpi=kpi,
                    proposed=f"{t.proposed_value:.4g}",
                    value=f"{v:.4g}",
                )
            )
        t.override_reason = why
    else:
        t.override_reason = None
    t.wave_id, t.period, t.value = wave_id, period, v
    from cxm.service_levels.service import resolve_service_level

    t.service_level_id, t.set_by = resolve_service_level(session, service_level), set_by
    session.add(t)
    session.flush()
    record(
        session,
        actor_id=actor_id,
        action="replace" if found is not None else "create",
        entity="target",
        entity_id=t.id,
        before=before,
        after=snapshot(t, fields),
    )
    return t


def targets_frame(session: Session, name: str) -> pd.DataFrame:
    from cxm.service_levels.models import ServiceLevel

    d = get_definition(session, name)
    rows = session.execute(
        select(
            Target.segment,
            Target.kpi,
            Target.wave_id,
            Target.period,
            Target.value,
            ServiceLevel.name,
            Target.set_by,
            Target.updated_at,
            Target.proposed_value,
            Target.override_reason,
        )
        .outerjoin(ServiceLevel, ServiceLevel.id == Target.service_level_id)
        .where(Target.definition_id == d.id)
        .order_by(Target.segment, Target.kpi)
    ).all()
    cols = ["segment", "kpi", "wave_id", "period", "target", "service_level", "set_by", "set_at"]
    cols += ["proposed", "override_reason"]
    return pd.DataFrame(rows, columns=cols)


def report(
    session: Session,
    name: str,
    *,
    kpis: list[str] | None = None,
    wave_ids: list[int] | None = None,
    items: list[str] | None = None,
    min_n: int = 30,
    as_of: Any = None,
    customer_ids: Collection[int] | None = None,
) -> pd.DataFrame:
    """Actual vs target per segment, KPI and wave, with status and trend; ``items``
    replaces the default survey question(s) of the survey KPIs; ``customer_ids`` narrows
    the actuals to those customers (a regional manager's part)."""
    t = targets_frame(session, name)
    use = kpis or sorted(set(t["kpi"])) or ["csat"]
    wave_names = {i: n for i, n, _c in _waves(session, None)}
    t["wave"] = t["wave_id"].map(wave_names).astype(object)
    t["wave"] = t["wave"].where(t["wave"].notna(), t["period"])
    # the survey KPIs together: one read of each wave's answers for all of them
    survey = [k for k in use if k in SURVEY_ITEMS]
    together = (
        _survey_actuals(session, name, survey, wave_ids, items, min_n, customer_ids)
        if survey
        else {}
    )
    parts = [
        together[k]
        if k in together
        else kpi_actuals(
            session,
            name,
            k,
            wave_ids=wave_ids,
            items=items,
            min_n=min_n,
            as_of=as_of,
            customer_ids=customer_ids,
        )
        for k in use
    ]
    parts = [p for p in parts if not p.empty]
    actual = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=[*_ACTUAL_COLUMNS, "wave_order"])
    )
    if actual.empty:
        return actual.assign(target=[], gap=[], status=[])
    judged = compare_to_targets(actual, t[["segment", "kpi", "wave", "target"]], min_n=min_n)
    tr = trend(judged, wave_order="wave_order")[
        ["segment", "kpi", "wave", "change", "significant", "slope"]
    ]
    out = judged.merge(tr, on=["segment", "kpi", "wave"], how="left")
    # the target's proposal and override reason: the wave's own target, else the all-waves one
    said = {
        (r["segment"], r["kpi"], r["wave"] if isinstance(r["wave"], str) else None): (
            r["proposed"],
            r["override_reason"],
        )
        for r in t.to_dict("records")
    }
    found = [
        said.get((seg, k, w)) or said.get((seg, k, None)) or (None, None)
        for seg, k, w in zip(out["segment"], out["kpi"], out["wave"], strict=True)
    ]
    out["proposed"] = [f[0] for f in found]
    out["override_reason"] = [f[1] for f in found]
    return out.sort_values(["kpi", "segment", "wave_order"]).reset_index(drop=True)
