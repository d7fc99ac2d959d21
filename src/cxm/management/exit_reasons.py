"""Why they left: the exit survey's answers beside the documents' benchmark, and lost
customers' earlier answers beside those of customers who stayed (``cxm lost why``).

DOMAIN.md §2 gives the split of why customers stop buying (1 % die, 3 % move away, 5 %
form other relationships, 9 % are won by competitors, 14 % are dissatisfied with the
product, 68 % leave because of staff indifference). Here the split is **measured** from what
lost customers answered (``EXIT_REASON`` of the shipped ``exit`` template) and set beside
the benchmark — rescaled over the reasons an exit survey can ask, since the dead cannot
answer — never copied from it. DOMAIN.md §6 also asks to compare lost customers' answers
*before* they left with those of customers who stayed: the share satisfied (4–5 on the
overall item) of each, with the Newcombe interval of the difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from cxm.analytics._intervals import newcombe_difference, wilson
from cxm.customers.codes import CHURN_REASON_BENCHMARK, ChurnReason
from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["EXIT_ITEMS", "ExitReport", "why_they_left"]

#: The items of the shipped exit template.
EXIT_ITEMS = {
    "reason": "EXIT_REASON",
    "competitor": "EXIT_COMPETITOR",
    "satisfaction": "EXIT_SAT",
    "compare": "EXIT_COMPARE",
    "back": "EXIT_BACK",
}


@dataclass(frozen=True)
class ExitReport:
    """``reasons``: measured share per reason beside the benchmark (``churn_reasons``
    columns; the test's p-value is ``summary["chi2_p"]``); ``competitors``: where they buy
    now; ``summary``: answers, recalled satisfaction, would come back, net comparative
    score; ``before``: lost against stayed on their earlier overall-satisfaction answers,
    with the difference of their satisfied shares and its 95 % interval (None without
    answers)."""

    reasons: pd.DataFrame
    competitors: pd.DataFrame
    summary: dict[str, Any]
    before: pd.DataFrame
    before_difference: float | None = None
    before_difference_ci: tuple[float, float] | None = None


def _before(
    session: Session, item: str, as_of: Any, rule: Any, min_n: int
) -> tuple[pd.DataFrame, float | None, tuple[float, float] | None]:
    from cxm.frames.responses import responses_frame
    from cxm.management.churn_rules import customers_as_of
    from cxm.management.frames import latest_answers

    cols = ["group", "customers", "satisfied", "share", "ci_low", "ci_high", "status"]
    answers = responses_frame(session)
    if answers.empty or item not in answers:
        return pd.DataFrame(columns=cols), None, None
    state = customers_as_of(session, as_of=as_of, rule=rule)[0]
    rated = answers.dropna(subset=[item, "customer_id"])
    lost = state[state["status"] == "churned"][["customer_id", "churned_on"]]
    stayed = state[state["status"] != "churned"]["customer_id"]
    # a lost customer's last answer before the churn date; a stayer's last answer
    lost_rated = rated.merge(lost, on="customer_id")
    answered_on = pd.to_datetime(lost_rated["completed_at"], utc=True).dt.tz_convert(None)
    lost_rated = lost_rated[answered_on < pd.to_datetime(lost_rated["churned_on"])]
    groups = {
        "lost": latest_answers(lost_rated, [item])[item],
        "stayed": latest_answers(rated[rated["customer_id"].isin(stayed)], [item])[item],
    }
    rows = []
    for name, values in groups.items():
        v = pd.to_numeric(values, errors="coerce").dropna()
        n, k = len(v), int((v >= 4).sum())
        (lo,), (hi,) = wilson(np.array([float(k)]), np.array([float(n)]), 0.95)
        rows.append([name, n, k, k / n if n else np.nan, lo, hi,
                     "ok" if n >= min_n else "too few"])  # fmt: skip
    out = pd.DataFrame(rows, columns=cols)
    lost_k, lost_n, stay_k, stay_n = (float(rows[0][2]), float(rows[0][1]), float(rows[1][2]),
                                      float(rows[1][1]))  # fmt: skip
    (d_lo,), (d_hi,) = newcombe_difference(
        np.array([stay_k]), np.array([stay_n]), np.array([lost_k]), np.array([lost_n]), 0.95
    )
    return out, float(rows[0][3]) - float(rows[1][3]), (float(d_lo), float(d_hi))


def why_they_left(
    session: Session,
    *,
    wave_id: int | None = None,
    before_item: str | None = None,
    as_of: Any = None,
    rule: Any = None,
    min_n: int = 30,
) -> ExitReport:
    """The exit survey's answers (of wave ``wave_id``, else of every exit questionnaire's
    responses: each customer's latest), and lost against stayed on ``before_item``."""
    from cxm.analytics.churn import churn_reasons
    from cxm.analytics.comparative import comparative_score
    from cxm.frames.responses import responses_frame
    from cxm.management.churn import SATISFACTION_ITEM
    from cxm.management.frames import latest_answers

    answers = responses_frame(session, wave_id=wave_id)
    reason_item = EXIT_ITEMS["reason"]
    if answers.empty or reason_item not in answers or answers[reason_item].isna().all():
        raise InputError(
            _(
                "No exit answers yet: run a wave of the exit template (cxm lost sample) and "
                "collect its answers."
            )
        )
    exits = answers.dropna(subset=[reason_item])
    with_customer = latest_answers(exits, list(EXIT_ITEMS.values()))
    anonymous = exits[exits["customer_id"].isna()][list(EXIT_ITEMS.values())]
    rows = pd.concat([with_customer, anonymous], ignore_index=True)
    askable = {k.value: v for k, v in CHURN_REASON_BENCHMARK.items() if k != ChurnReason.DIED}
    reasons = churn_reasons(rows[reason_item].astype(object), askable)
    n = len(rows)

    def column(key: str) -> pd.Series:
        name = EXIT_ITEMS[key]
        return rows[name] if name in rows else pd.Series(dtype=object)

    named = column("competitor").dropna().astype(str).str.strip()
    named = named[named != ""]
    competitors = (
        named.value_counts().rename_axis("competitor").reset_index(name="customers").head(10)
    )
    competitors["share"] = competitors["customers"] / n
    recalled = pd.to_numeric(column("satisfaction"), errors="coerce").dropna()
    back = pd.to_numeric(column("back"), errors="coerce").dropna()
    compare = comparative_score(pd.to_numeric(column("compare"), errors="coerce").to_numpy())
    summary = {
        "answers": n,
        "status": "ok" if n >= min_n else "too few",
        "recalled_csat": float((recalled >= 4).mean()) if len(recalled) else float("nan"),
        "would_come_back": float((back == 1).mean()) if len(back) else float("nan"),
        "maybe_come_back": float((back == 0.5).mean()) if len(back) else float("nan"),
        "net_comparative": compare["net"],
        "net_comparative_ci": (compare["ci_low"], compare["ci_high"]),
        "chi2_p": reasons.chi2_p,
    }
    before, difference, difference_ci = _before(
        session, before_item or SATISFACTION_ITEM, as_of, rule, min_n
    )
    return ExitReport(reasons.table, competitors, summary, before, difference, difference_ci)
