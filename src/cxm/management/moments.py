"""Moments of truth on the firm's own touchpoints: every imported touchpoint type (its
channel, e.g. "hotline", "branch visit", "delivery") is a moment; CSAT per moment and per
journey stage from the moment-of-truth ratings, and each moment's weight in overall
satisfaction (DOMAIN.md §2: every contact leaves a silent rating).

Weight: for customers who rated a moment and also answered overall satisfaction (``CUSA1``,
the latest answer), the Pearson correlation ``r`` of their mean rating of that moment with
overall satisfaction (Fisher-z interval); ``weight = max(r, 0)² / Σ max(r, 0)²`` — each
moment's share of what the moments say about overall satisfaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from cxm.analytics.scores import scores
from cxm.customers.models import Touchpoint
from cxm.errors import InputError
from cxm.i18n import _
from cxm.management.churn import SATISFACTION_ITEM, satisfaction_answers
from cxm.management.frames import raw_rows
from cxm.store.chunks import in_chunks

__all__ = ["MOMENT_ITEM", "Moments", "moments_of_truth", "rated_contacts"]

MOMENT_ITEM = "MOT_SAT"
#: The moment of a touchpoint without a channel.
UNNAMED = "—"


@dataclass(frozen=True)
class Moments:
    by_moment: pd.DataFrame
    by_stage: pd.DataFrame
    responses: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "responses": self.responses,
            "by_moment": self.by_moment.to_dict("records"),
            "by_stage": self.by_stage.to_dict("records"),
        }


def rated_contacts(session: Session, item: str, as_of: Any) -> pd.DataFrame:
    from cxm.frames.responses import responses_frame
    from cxm.surveys.models import Questionnaire
    from cxm.surveys.moments import MOMENT_TEMPLATE

    qid = session.scalar(select(Questionnaire.id).where(Questionnaire.code == MOMENT_TEMPLATE))
    frame = responses_frame(session, questionnaire_id=qid) if qid is not None else pd.DataFrame()
    if frame.empty or item not in frame or "touchpoint_id" not in frame:
        raise InputError(_("No moment-of-truth ratings yet: invite customers after touchpoints."))
    frame = frame.dropna(subset=["touchpoint_id", item])
    ids = frame["touchpoint_id"].astype(int).unique().tolist()
    rows = []
    for part in in_chunks(ids):
        q = select(
            Touchpoint.id,
            Touchpoint.channel,
            type_coerce(Touchpoint.stage, String),
            Touchpoint.occurred_at,
        ).where(Touchpoint.id.in_(part))
        rows += raw_rows(session, q)
    tp = pd.DataFrame(rows, columns=["touchpoint_id", "moment", "stage", "occurred_at"])
    tp["occurred_at"] = pd.to_datetime(tp["occurred_at"], utc=True, format="ISO8601")
    tp["moment"] = tp["moment"].fillna(UNNAMED).astype(str)
    frame = frame.assign(touchpoint_id=frame["touchpoint_id"].astype(int)).merge(
        tp, on="touchpoint_id", how="inner"
    )
    if as_of is not None:
        from cxm.clock import parse_as_of

        day = pd.Timestamp(str(parse_as_of(as_of))).tz_localize("UTC") + pd.Timedelta(days=1)
        frame = frame[frame["occurred_at"] < day]
    return frame


def _weights(frame: pd.DataFrame, item: str, overall: pd.Series, min_n: int) -> pd.DataFrame:
    rows = []
    for moment, group in frame.groupby("moment", sort=True):
        per = group.dropna(subset=["customer_id"]).groupby("customer_id")[item].mean()
        both = pd.concat([per.rename("m"), overall.rename("o")], axis=1, join="inner").dropna()
        n = len(both)
        r = lo = hi = np.nan
        if n >= max(min_n, 4) and both["m"].std() > 0 and both["o"].std() > 0:
            r = float(np.corrcoef(both["m"], both["o"])[0, 1])
            z, se = np.arctanh(np.clip(r, -0.999999, 0.999999)), 1 / np.sqrt(n - 3)
            lo, hi = np.tanh(z - 1.959964 * se), np.tanh(z + 1.959964 * se)
        rows.append((moment, n, r, lo, hi))
    out = pd.DataFrame(
        rows, columns=["moment", "n_with_overall", "r_overall", "r_ci_low", "r_ci_high"]
    )
    positive = out["r_overall"].clip(lower=0).fillna(0.0) ** 2
    total = float(positive.sum())
    out["weight"] = positive / total if total > 0 else np.nan
    out.loc[out["r_overall"].isna(), "weight"] = np.nan
    return out


def moments_of_truth(
    session: Session,
    *,
    item: str = MOMENT_ITEM,
    overall_item: str = SATISFACTION_ITEM,
    as_of: Any = None,
    min_n: int = 30,
) -> Moments:
    """CSAT per moment (touchpoint channel) and per journey stage, with each moment's weight
    in overall satisfaction. Groups under ``min_n`` ratings are suppressed (``scores``)."""
    frame = rated_contacts(session, item, as_of)
    if frame.empty:
        raise InputError(_("No moment-of-truth ratings up to that date."))
    cols = ["n", "csat", "csat_ci_low", "csat_ci_high", "mean", "suppressed", "reason"]
    by_moment = scores(frame, [item], by="moment", min_n=min_n)[["moment", *cols]]
    by_stage = scores(frame, [item], by=["stage", "moment"], min_n=min_n)[
        ["stage", "moment", *cols]
    ]
    sat = satisfaction_answers(session, item=overall_item)
    overall = (
        sat.set_index("customer_id")[overall_item].astype(float)
        if not sat.empty
        else pd.Series(dtype=float)
    )
    by_moment = by_moment.merge(_weights(frame, item, overall, min_n), on="moment", how="left")
    return Moments(by_moment=by_moment, by_stage=by_stage, responses=len(frame))
