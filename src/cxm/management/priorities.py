"""One costed "fix first" list: drivers × segment value × cost of the improvement.

Before this, four places ranked improvements four ways (the drivers' IPA quadrants, the
report's "fix first", ``invest`` and the report's "invest first"). Now ``cxm invest``,
``cxm priorities``, the report's retention and drivers sections all read
:func:`priority_list`, which builds on :func:`cxm.management.economics.invest` and adds
question texts, the cost of each improvement and units.

Cost model: ``--cost ITEM=AMOUNT`` is what raising ``ITEM`` by one point costs per customer
(currency per customer per point); an improvement of ``gain_points`` in a segment of
``customers`` costs ``AMOUNT × gain_points × customers``. Without a cost the row says
``cost not given`` and is ranked on its gross value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from cxm.errors import InputError
from cxm.i18n import _
from cxm.management.churn_rules import ChurnRule
from cxm.management.economics import invest

__all__ = ["UNITS", "PriorityList", "priority_list"]


def UNITS() -> dict[str, str]:  # upper case: a table, translated when asked for
    """What each column of the list is measured in."""
    return {
        "importance": _("points of overall satisfaction per point of the item"),
        "performance": _("mean answer, 1–5"),
        "gain_points": _("points on the 1–5 scale"),
        "customers_kept": _("customers kept"),
        "value_kept": _("currency: lifetime value kept (CLV × customers kept)"),
        "cost": _("currency: cost of the improvement"),
        "net_value": _("currency: value kept − cost"),
        "return_per_cost": _("currency kept per currency spent"),
        "budget_share": _("share of the budget"),
    }


@dataclass(frozen=True)
class PriorityList:
    """The ranked, costed list and what it rests on."""

    items: pd.DataFrame
    units: dict[str, str]
    churn_per_point: float
    churn_per_point_se: float
    responses: int
    improvement: float
    quality: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "improvement": self.improvement,
            "churn_per_point": self.churn_per_point,
            "churn_per_point_se": self.churn_per_point_se,
            "responses": self.responses,
            "quality": self.quality,
            "items": self.items.to_dict("records"),
        }


def _labels(session: Session, codes: list[str]) -> dict[str, str]:
    """Question texts (in the current language) of ``codes`` from the latest questionnaires."""
    from sqlalchemy import select

    from cxm.i18n import current_language
    from cxm.surveys.models import Questionnaire
    from cxm.surveys.questionnaires import latest_version, load_version
    from cxm.surveys.schema import pick_text

    out: dict[str, str] = {}
    lang = current_language()
    for qid in session.scalars(select(Questionnaire.id)).all():
        definition = load_version(latest_version(session, questionnaire_id=qid))
        for q in definition.questions():
            if q.code in codes and q.code not in out:
                out[q.code] = pick_text(q.text, lang)
    return out


def priority_list(
    session: Session,
    name: str,
    *,
    items: list[str] | None = None,
    costs: Mapping[str, float] | None = None,
    improvement: float = 0.5,
    budget: float | None = None,
    as_of: Any = None,
    rule: ChurnRule | None = None,
    min_n: int = 100,
) -> PriorityList:
    """The reconciled fix-first list for segment definition ``name``.

    Columns: ``rank, segment, driver, label, importance, performance, gain_points,
    customers, customers_kept, value_kept, cost, net_value, return_per_cost, budget_share``
    (``budget_amount`` with a budget) and ``cost_status`` (``costed`` or ``cost not
    given``). Ranked by ``net_value`` (value kept when no cost is given)."""
    from cxm.analytics.quality import r2_flags

    costs = dict(costs or {})
    bad = {k: v for k, v in costs.items() if not np.isfinite(v) or v < 0}
    if bad:
        k, v = next(iter(bad.items()))
        raise InputError(
            _("The cost of {item} must be a number ≥ 0, not {value}.", item=k, value=v)
        )
    r = invest(
        session,
        name,
        items=items,
        improvement=improvement,
        budget=budget,
        as_of=as_of,
        rule=rule,
        min_n=min_n,
    )
    df = r.ranking.copy()
    unknown = sorted(set(costs) - set(df["driver"]) - set(r.drivers["driver"]))
    if unknown:
        raise InputError(
            _("A cost is given for {items}, which are not drivers here.", items=", ".join(unknown))
        )
    labels = _labels(session, sorted(set(df["driver"])))
    df["label"] = df["driver"].map(labels).fillna(df["driver"])
    df["customers_kept"] = df["customers"] * df["churn_avoided_per_customer"]
    df["value_kept"] = df["effect"]
    per_point = df["driver"].map(costs)
    df["cost"] = per_point * df["gain_points"] * df["customers"]
    df["cost_status"] = np.where(per_point.notna(), "costed", "cost not given")
    df["net_value"] = df["value_kept"] - df["cost"].fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        df["return_per_cost"] = np.where(df["cost"] > 0, df["value_kept"] / df["cost"], np.nan)
    df = df.sort_values(["net_value", "value_kept"], ascending=False).reset_index(drop=True)
    positive = df["net_value"].clip(lower=0)
    total = float(positive.sum())
    df["budget_share"] = positive / total if total > 0 else np.nan
    if budget is not None:
        df["budget_amount"] = df["budget_share"] * budget
    df["rank"] = np.arange(1, len(df) + 1)
    cols = ["rank", "segment", "driver", "label", "importance", "performance", "gain_points"]
    cols += ["customers", "customers_kept", "value_kept", "cost", "net_value"]
    cols += ["return_per_cost", "budget_share", *(["budget_amount"] if budget is not None else [])]
    cols += ["cost_status"]
    quality = []
    per_segment = r.drivers.groupby("segment")["r2"].first()
    label = _("overall satisfaction in {segment}")
    quality += [
        f.to_dict() for f in r2_flags({label.format(segment=s): v for s, v in per_segment.items()})
    ]
    if abs(r.churn_per_point) < 1.96 * r.churn_per_point_se:
        quality.append(
            {
                "check": "churn_link",
                "estimate": "churn per point of satisfaction",
                "value": r.churn_per_point,
                "limit": "|b| ≥ 1.96 SE",
                "message": _(
                    "In these data satisfaction does not clearly predict churn (change per "
                    "point {b:.3f}, SE {se:.3f}): the values kept are too uncertain to act on.",
                    b=r.churn_per_point,
                    se=r.churn_per_point_se,
                ),
            }
        )
    return PriorityList(
        items=df[cols],
        units=UNITS(),
        churn_per_point=r.churn_per_point,
        churn_per_point_se=r.churn_per_point_se,
        responses=r.responses,
        improvement=improvement,
        quality=quality,
    )
