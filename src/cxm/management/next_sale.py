"""Service and the next sale: what customers buy in the N days after a rated service
contact, split by how the contact went (DOMAIN.md §2: every contact is a chance to sell,
or to lose the next sale).

For each moment-of-truth rating (``MOT_SAT``, 1–5) of a touchpoint: revenue in the ``days``
after it, revenue from products the customer had not bought before (cross-selling; the
``product`` is the category), and customers referred by them (``referred_by``) acquired in
that time. Grouped by CSAT band: 1–2 dissatisfied, 3 neutral, 4 satisfied, 5 very satisfied;
or by how a complaint ended (resolved well or badly, not resolved) beside customers who
never complained — the documents' point that a complaint handled well keeps the next sale.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from cxm.analytics._intervals import wilson
from cxm.customers.models import Customer, Purchase
from cxm.errors import InputError
from cxm.i18n import _
from cxm.management.frames import raw_rows
from cxm.management.moments import MOMENT_ITEM, rated_contacts

__all__ = ["BANDS", "COMPLAINT_TYPES", "next_sale"]

#: Case types that are complaints (a praise or a suggestion is not).
COMPLAINT_TYPES = ("complaint", "detractor_followup")
#: CSAT bands of a 1–5 rating.
BANDS = {1: "1–2", 2: "1–2", 3: "3", 4: "4", 5: "5"}


def _case_contacts(session: Session, rated: pd.DataFrame, as_of: Any) -> pd.DataFrame:
    """One contact per complaint (at its resolution, else its opening) with its outcome, and
    the rated contacts of customers who never complained: ``customer_id``, ``touchpoint_id``
    (a key), ``occurred_at``, ``group``."""
    from cxm.cases.models import Case, CaseFollowUp

    q = select(
        Case.id,
        Case.customer_id,
        Case.type,
        Case.opened_at,
        Case.resolved_at,
        Case.reopened,
    )
    cases = pd.DataFrame(
        raw_rows(session, q),
        columns=["case_id", "customer_id", "type", "opened_at", "resolved_at", "reopened"],
    )
    cases["type"] = cases["type"].map(lambda v: getattr(v, "value", v))
    if not rated.empty or as_of is not None:  # complaints after the analysis date: not yet
        from cxm.management.frames import analysis_date

        day = analysis_date(session, as_of) + pd.Timedelta(days=1)
        opened = pd.to_datetime(cases["opened_at"], utc=True).dt.tz_convert(None)
        cases = cases[opened < day]
    everyone = set(cases["customer_id"])  # any case: not "never complained"
    cases = cases[cases["type"].isin(COMPLAINT_TYPES)]
    verdicts = pd.DataFrame(
        raw_rows(
            session,
            select(
                CaseFollowUp.case_id,
                CaseFollowUp.solved,
                CaseFollowUp.handling_csat,
                CaseFollowUp.answered_at,
            ).where(CaseFollowUp.answered_at.is_not(None)),
        ),
        columns=["case_id", "solved", "handling_csat", "answered_at"],
    )
    verdicts = verdicts.sort_values("answered_at").drop_duplicates("case_id", keep="first")
    cases = cases.merge(verdicts, on="case_id", how="left")
    csat = pd.to_numeric(cases["handling_csat"], errors="coerce")
    solved = cases["solved"].map(lambda v: None if v is None or v != v else bool(v))
    bad = solved.eq(False) | (csat <= 2) | (pd.to_numeric(cases["reopened"]).fillna(0) > 0)
    good = ~bad & (solved.eq(True) | (csat >= 4))
    resolved = cases["resolved_at"].notna()
    cases["group"] = np.select(
        [bad, good, resolved], ["resolved badly", "resolved well", "resolved, no verdict"],
        default="not resolved",
    )  # fmt: skip
    # the moment the customer judged the handling; else the resolution; else the opening
    at = (
        pd.to_datetime(cases["answered_at"], utc=True)
        .fillna(pd.to_datetime(cases["resolved_at"], utc=True))
        .fillna(pd.to_datetime(cases["opened_at"], utc=True))
    )
    complaints = pd.DataFrame(
        {
            "customer_id": cases["customer_id"].astype("int64"),
            "touchpoint_id": "case-" + cases["case_id"].astype(str),
            "occurred_at": at,
            "group": cases["group"],
        }
    )
    quiet = rated[~rated["customer_id"].isin(everyone)]
    never = pd.DataFrame(
        {
            "customer_id": quiet["customer_id"].astype("int64"),
            "touchpoint_id": "tp-" + quiet["touchpoint_id"].astype(str),
            "occurred_at": quiet["occurred_at"],
            "group": "never complained",
        }
    )
    return pd.concat([complaints, never], ignore_index=True)


def next_sale(
    session: Session,
    *,
    days: int = 90,
    as_of: Any = None,
    min_n: int = 30,
    by: str = "rating",
) -> pd.DataFrame:
    """Per group of contacts: ``contacts``, ``bought_rate`` (any purchase in the
    ``days`` after, Wilson interval), ``mean_revenue``, ``new_category_rate`` (bought a
    product not bought before), ``mean_new_category_revenue``, ``referrals`` (customers they
    referred acquired in that time) and ``status`` (``"too few"`` below ``min_n``).

    ``by="rating"`` groups rated contacts by CSAT band (column ``band``); ``by="case"``
    takes each complaint when the customer answered its follow-up (else at its resolution,
    else its opening), grouped by outcome — resolved badly (the follow-up says not solved or
    rates the handling 1–2, or the case was reopened), resolved well (solved, or handling
    rated 4–5), resolved with no verdict, not resolved — beside the rated contacts of
    customers who never complained (column ``outcome``)."""
    if days < 1:
        raise InputError(_("The number of days must be at least 1, not {d}.", d=days))
    if by not in ("rating", "case"):
        raise InputError(_("--by must be rating or case (got {value}).", value=by))
    rated = rated_contacts(session, MOMENT_ITEM, as_of)
    rated = rated.dropna(subset=["customer_id"]).astype({"customer_id": "int64"})
    if by == "case":
        contacts = _case_contacts(session, rated, as_of)
        if contacts.empty:
            raise InputError(_("No complaints and no rated contacts to compare."))
        label = "outcome"
    else:
        if rated.empty:
            raise InputError(_("No rated contacts with a customer."))
        contacts = rated[["customer_id", "touchpoint_id", "occurred_at", MOMENT_ITEM]].copy()
        contacts["group"] = contacts[MOMENT_ITEM].round().astype(int).map(BANDS)
        label = "band"
    return _after(session, contacts, days=days, min_n=min_n, label=label)


def _after(
    session: Session, contacts: pd.DataFrame, *, days: int, min_n: int, label: str
) -> pd.DataFrame:
    """Purchases, new categories and referrals in the ``days`` after each contact, per
    ``group``."""
    contacts = contacts[["customer_id", "touchpoint_id", "occurred_at", "group"]].copy()
    q = select(
        Purchase.customer_id,
        type_coerce(Purchase.purchased_on, String),
        Purchase.product,
        type_coerce(Purchase.revenue, String),
    ).where(Purchase.customer_id.in_(contacts["customer_id"].unique().tolist()))
    buys = pd.DataFrame(raw_rows(session, q), columns=["customer_id", "day", "product", "revenue"])
    buys["day"] = pd.to_datetime(buys["day"])
    buys["revenue"] = pd.to_numeric(buys["revenue"], errors="coerce").fillna(0.0)
    refs = [
        (e, i, json.loads(a) if isinstance(a, str | bytes) else a)  # SQLite hands JSON as text
        for e, i, a in raw_rows(
            session, select(Customer.external_id, Customer.id, Customer.attributes)
        )
    ]
    ext = {str(e): i for e, i, _a in refs}
    referred = pd.DataFrame(
        [
            (ext.get(str((a or {}).get("referred_by"))), i)
            for _e, i, a in refs
            if isinstance(a, dict) and a.get("referred_by")
        ],
        columns=["referrer", "id"],
    )
    acquired = dict(raw_rows(session, select(Customer.id, Customer.acquired_on)))
    contacts["at"] = contacts["occurred_at"].dt.tz_convert(None).dt.normalize()
    window = pd.Timedelta(days=days)
    joined = contacts.merge(buys, on="customer_id", how="left")
    after = (joined["day"] > joined["at"]) & (joined["day"] <= joined["at"] + window)
    before = joined["day"] <= joined["at"]
    known = joined[before].groupby(["touchpoint_id"])["product"].agg(set)
    later = joined[after].copy()
    later["new"] = [
        p not in known.get(t, set())
        for t, p in zip(later["touchpoint_id"], later["product"], strict=True)
    ]
    per = contacts.set_index("touchpoint_id")
    per["revenue"] = later.groupby("touchpoint_id")["revenue"].sum()
    per["new_revenue"] = later[later["new"]].groupby("touchpoint_id")["revenue"].sum()
    per = per.fillna({"revenue": 0.0, "new_revenue": 0.0})
    per["referrals"] = 0
    if not referred.empty:
        referred["acquired"] = pd.to_datetime(referred["id"].map(acquired))
        for tp, row in per.iterrows():
            mine = referred[referred["referrer"] == row["customer_id"]]
            per.loc[tp, "referrals"] = int(
                ((mine["acquired"] > row["at"]) & (mine["acquired"] <= row["at"] + window)).sum()
            )
    g = per.groupby("group", sort=True)
    out = (
        pd.DataFrame(
            {
                "contacts": g.size(),
                "bought": g["revenue"].apply(lambda r: int((r > 0).sum())),
                "mean_revenue": g["revenue"].mean(),
                "new_category": g["new_revenue"].apply(lambda r: int((r > 0).sum())),
                "mean_new_category_revenue": g["new_revenue"].mean(),
                "referrals": g["referrals"].sum(),
            }
        )
        .reset_index()
        .rename(columns={"group": label})
    )
    n = out["contacts"].to_numpy(float)
    out["bought_rate"] = out["bought"] / n
    out["ci_low"], out["ci_high"] = wilson(out["bought"].to_numpy(float), n, 0.95)
    out["new_category_rate"] = out["new_category"] / n
    out["status"] = np.where(out["contacts"] >= min_n, "ok", "too few")
    cols = [label, "contacts", "bought_rate", "ci_low", "ci_high", "mean_revenue"]
    cols += ["new_category_rate", "mean_new_category_revenue", "referrals", "status"]
    return out[cols]
