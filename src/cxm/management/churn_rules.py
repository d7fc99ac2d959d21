"""Which customers are lost, as of a date: recorded churn dates, or behaviour.

Contract businesses record when a customer leaves (``churned_on``); retailers only see
purchases stop. :func:`customers_as_of` gives every churn analysis (rates, survival, CLV,
the risk model) one customer table as of the analysis date, churn filled in by the chosen
rule (:mod:`cxm.analytics.inactivity`):

``recorded``  the churn dates in the customer file;
``gap``       no purchase for k × the customer's own gap between purchases;
``p_alive``   BG/NBD probability alive below a threshold;
``auto``      ``recorded`` when the file holds any churn date, else ``gap`` — so a purchase
              log alone gives real churn rates instead of 0 % and 99-year lifetimes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from cxm.analytics.inactivity import DEFAULT_K, DEFAULT_THRESHOLD, check_rule, judge_inactivity
from cxm.errors import InputError
from cxm.frames.customers import analysis_date, customer_table, customers_frame, first_purchases
from cxm.i18n import _

__all__ = ["RULES", "ChurnBasis", "ChurnRule", "customers_as_of"]

RULES = ("auto", "recorded", "gap", "p_alive")


@dataclass(frozen=True)
class ChurnRule:
    """How churn is decided: ``rule`` one of :data:`RULES`, ``k`` and ``threshold`` for the
    behavioural rules."""

    rule: str = "auto"
    k: float = DEFAULT_K
    threshold: float = DEFAULT_THRESHOLD

    def check(self) -> None:
        if self.rule not in RULES:
            raise InputError(
                _(
                    "Unknown churn rule {rule}: use one of {rules}.",
                    rule=self.rule,
                    rules=", ".join(RULES),
                )
            )
        check_rule("gap", k=self.k, threshold=self.threshold)


@dataclass(frozen=True, slots=True)
class ChurnBasis:
    """The date and the rule a churn analysis used: ``as_of``, ``churn_rule`` (the rule
    applied; ``auto`` resolved) and, for a behavioural rule, its ``k``, ``threshold``, the
    repeat buyers' ``median_gap_days`` and (``p_alive``) the fitted BG/NBD parameters."""

    as_of: date
    churn_rule: str
    k: float | None = None
    threshold: float | None = None
    median_gap_days: float | None = None
    bgnbd: Mapping[str, float] = field(default_factory=dict)

    def rule_info(self) -> dict[str, Any]:
        """The rule as ``--json`` shows it: ``churn_rule``, and for a behavioural rule
        ``k``, ``threshold`` and ``median_gap_days``."""
        out: dict[str, Any] = {"churn_rule": self.churn_rule}
        if self.churn_rule != "recorded":
            out |= {
                "k": self.k,
                "threshold": self.threshold,
                "median_gap_days": self.median_gap_days,
            }
        return out


def customers_as_of(
    session: Session, *, as_of: Any = None, rule: ChurnRule | None = None
) -> tuple[pd.DataFrame, ChurnBasis]:
    """Customers known on the analysis date with ``acquired_on`` (the first purchase where
    the file has none), ``status`` and ``churned_on`` as of that date under ``rule``, and
    the :class:`ChurnBasis` (date and rule) they were judged on.

    Customers acquired after the date are left out; churn recorded after it is not yet
    churn.
    """
    how = rule or ChurnRule()
    how.check()
    day = analysis_date(session, as_of)
    customers = customers_frame(session).copy()
    recorded_any = customers["churned_on"].notna().any()
    applied = how.rule if how.rule != "auto" else ("recorded" if recorded_any else "gap")
    basis = ChurnBasis(as_of=day.date(), churn_rule=applied)
    later = customers["churned_on"] > day
    customers.loc[later, "churned_on"] = pd.NaT
    customers.loc[later, "status"] = "active"
    missing = customers["acquired_on"].isna()
    if missing.any():
        first = first_purchases(session)
        customers.loc[missing, "acquired_on"] = customers.loc[missing, "customer_id"].map(first)
    if applied != "recorded":
        per = customer_table(session, as_of=day.date())
        if per.empty:
            raise InputError(
                _(
                    "No purchases up to {day}: churn by behaviour needs a purchase log.",
                    day=day.date(),
                )
            )
        per = per.rename(columns={"purchase_days": "days"})
        judgement = judge_inactivity(per, as_of=day, rule=applied, k=how.k, threshold=how.threshold)
        judged = judgement.table.set_index("customer_id")
        # A recorded churn date stays; behaviour fills in the customers without one.
        open_ = customers["churned_on"].isna()
        inferred = customers.loc[open_, "customer_id"].map(judged["churned_on"])
        customers.loc[open_, "churned_on"] = pd.to_datetime(inferred)
        customers.loc[customers["churned_on"].notna(), "status"] = "churned"
        basis = ChurnBasis(
            as_of=day.date(),
            churn_rule=applied,
            k=how.k,
            threshold=how.threshold,
            median_gap_days=judgement.median_gap_days,
            bgnbd=dict(judgement.bgnbd),
        )
    customers = customers[customers["acquired_on"].isna() | (customers["acquired_on"] <= day)]
    return customers.reset_index(drop=True), basis
