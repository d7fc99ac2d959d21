"""Service and the next sale: what customers buy in the N days after a rated service
contact, split by how the contact went (DOMAIN.md §2: every contact is a chance to sell,
or to lose the next sale).

For each moment-of-truth rating (``MOT_SAT``, 1–5) of a touchpoint: revenue in the ``days``
after it, revenue from products the customer had not bought before (cross-selling; the
``product`` is the category), and customers referred by them (``referred_by``) acquired in
that time. Grouped by CSAT band: 1–2 dissatisfied, 3 neutral, 4 satisfied, 5 very satisfied.
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

__all__ = ["BANDS", "next_sale"]

#: CSAT bands of a 1–5 rating.
BANDS = {1: "1–2", 2: "1–2", 3: "3", 4: "4", 5: "5"}


def next_sale(
    session: Session, *, days: int = 90, as_of: Any = None, min_n: int = 30
) -> pd.DataFrame:
    """Per CSAT band of the contact: ``contacts``, ``bought_rate`` (any purchase in the
    ``days`` after, Wilson interval), ``mean_revenue``, ``new_category_rate`` (bought a
    product not bought before), ``mean_new_category_revenue``, ``referrals`` (customers they
    referred acquired in that time) and ``status`` (``"too few"`` below ``min_n``)."""
    if days < 1:
        raise InputError(_("The number of days must be at least 1, not {d}.", d=days))
    rated = rated_contacts(session, MOMENT_ITEM, as_of)
    rated = rated.dropna(subset=["customer_id"]).astype({"customer_id": "int64"})
    if rated.empty:
        raise InputError(_("No rated contacts with a customer."))
    q = select(
        Purchase.customer_id,
        type_coerce(Purchase.purchased_on, String),
        Purchase.product,
        type_coerce(Purchase.revenue, String),
    ).where(Purchase.customer_id.in_(rated["customer_id"].unique().tolist()))
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
    contacts = rated[["customer_id", "touchpoint_id", "occurred_at", MOMENT_ITEM]].copy()
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
    per["band"] = per[MOMENT_ITEM].round().astype(int).map(BANDS)
    g = per.groupby("band", sort=True)
    out = pd.DataFrame(
        {
            "contacts": g.size(),
            "bought": g["revenue"].apply(lambda r: int((r > 0).sum())),
            "mean_revenue": g["revenue"].mean(),
            "new_category": g["new_revenue"].apply(lambda r: int((r > 0).sum())),
            "mean_new_category_revenue": g["new_revenue"].mean(),
            "referrals": g["referrals"].sum(),
        }
    ).reset_index()
    n = out["contacts"].to_numpy(float)
    out["bought_rate"] = out["bought"] / n
    out["ci_low"], out["ci_high"] = wilson(out["bought"].to_numpy(float), n, 0.95)
    out["new_category_rate"] = out["new_category"] / n
    out["status"] = np.where(out["contacts"] >= min_n, "ok", "too few")
    out.attrs.update(days=days)
    cols = ["band", "contacts", "bought_rate", "ci_low", "ci_high", "mean_revenue"]
    cols += ["new_category_rate", "mean_new_category_revenue", "referrals", "status"]
    result = out[cols]
    result.attrs.update(out.attrs)
    return result
