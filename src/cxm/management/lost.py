"""Lost customers as a source of a wave: ask them why they left (DOMAIN.md §6).

A wave of the ``exit`` template samples customers lost as of a date under the same churn
rule as every churn figure (recorded churn dates, or behaviour: no purchase for k × the
customer's own gap; :mod:`cxm.management.churn_rules`). Moved here from
``cxm.surveys.populations``: the churn rule is management's, and the surveys sit below it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from cxm.errors import InputError
from cxm.i18n import _
from cxm.management.churn_rules import customers_as_of
from cxm.surveys.waves import SampleResult, sample_wave

__all__ = ["lost_customers", "sample_lost"]


def lost_customers(
    session: Session, *, as_of: Any = None, rule: Any = None, since_days: int | None = None
) -> list[int]:
    """Ids of the customers lost as of ``as_of`` under the churn ``rule``
    (:class:`~cxm.management.churn_rules.ChurnRule`), only those lost in the last
    ``since_days`` when given (recent leavers remember why)."""
    if since_days is not None and since_days < 1:
        raise InputError(_("--since-days must be at least 1, not {n}.", n=since_days))
    state, basis = customers_as_of(session, as_of=as_of, rule=rule)
    lost = state[state["status"] == "churned"]
    if since_days is not None:
        day = pd.Timestamp(basis.as_of)
        lost = lost[pd.to_datetime(lost["churned_on"]) > day - pd.Timedelta(days=since_days)]
    return sorted(int(c) for c in lost["customer_id"])


def sample_lost(
    session: Session,
    *,
    wave_id: int,
    as_of: Any = None,
    rule: Any = None,
    since_days: int | None = None,
    quota: int | None = None,
    seed: int | None = None,
    now: datetime | None = None,
    actor_id: int | None = None,
) -> SampleResult:
    """Invite lost customers (all, or a random ``quota``) to the wave; the quiet period and
    one invitation per customer hold as for any wave."""
    ids = lost_customers(session, as_of=as_of, rule=rule, since_days=since_days)
    if not ids:
        raise InputError(_("No customers are lost as of that date under the churn rule."))
    return sample_wave(
        session,
        wave_id=wave_id,
        stratum={"lost": ids},
        quotas=None if quota is None else {"lost": quota},
        seed=seed,
        now=now,
        actor_id=actor_id,
    )
