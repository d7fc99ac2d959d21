"""What the stored defect counts say: DPMO and sigma per standard, stage, team, segment and
period; the stage with the most value-weighted defects; where the promise runs ahead of
delivery (``cxm standards report``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxm.analytics.sigma import sigma_table
from cxm.errors import InputError
from cxm.i18n import _
from cxm.standards.models import Standard, StandardDefects

__all__ = [
    "DIMENSIONS",
    "StandardsReport",
    "defects_frame",
    "promise_vs_delivery",
    "report",
    "sigma_by_standard",
]

#: The columns :func:`~cxm.analytics.sigma.sigma_table` gives after the group's.
_SIGMA_COLUMNS = (
    "units", "defects", "opportunities", "dpmo", "yield", "sigma_level", "share_of_defects"
)  # fmt: skip
DIMENSIONS: tuple[str, ...] = ("standard", "stage", "kind", "owner", "team", "segment", "period")


@dataclass(frozen=True)
class StandardsReport:
    """``overall``: one sigma row; ``by``: the sigma table per dimension; ``worst_stage``: the
    stage with the most value-weighted defects (``None`` without defects); ``stages``:
    weighted defects per stage; ``promise``: target against delivered yield per stage."""

    by: str
    overall: pd.DataFrame
    table: pd.DataFrame
    stages: pd.DataFrame
    worst_stage: str | None
    promise: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "overall": self.overall.to_dict(orient="records"),
            "groups": self.table.to_dict(orient="records"),
            "stages_by_weighted_defects": self.stages.to_dict(orient="records"),
            "worst_stage": self.worst_stage,
            "promise_vs_delivery": self.promise.to_dict(orient="records"),
        }


def defects_frame(session: Session) -> pd.DataFrame:
    """The stored counts with each standard's code, name, kind, owner and target."""
    q = select(
        Standard.code,
        Standard.name,
        Standard.kind,
        Standard.owner,
        Standard.target,
        StandardDefects.stage,
        StandardDefects.period,
        StandardDefects.team,
        StandardDefects.segment,
        StandardDefects.opportunities,
        StandardDefects.defects,
        StandardDefects.weighted_defects,
    ).join(Standard, Standard.id == StandardDefects.standard_id)
    cols = [
        "standard", "name", "kind", "owner", "target", "stage", "period", "team", "segment",
        "opportunities", "defects", "weighted_defects",
    ]  # fmt: skip
    return pd.DataFrame(session.execute(q).all(), columns=cols)


def promise_vs_delivery(frame: pd.DataFrame) -> pd.DataFrame:
    """Per stage: the share met the firm promises (mean target of its standards that have
    one) next to the share delivered; ``flagged`` where the promise runs ahead."""
    with_target = frame[frame["target"].notna()]
    if with_target.empty:
        return pd.DataFrame(columns=["stage", "promised", "delivered", "gap", "flagged"])
    per_std = (
        with_target.groupby(["stage", "standard"])
        .agg(
            target=("target", "first"),
            opportunities=("opportunities", "sum"),
            defects=("defects", "sum"),
        )
        .reset_index()
    )
    per_std["delivered"] = 1 - per_std["defects"] / per_std["opportunities"]
    out = (
        per_std.groupby("stage")
        .agg(promised=("target", "mean"), delivered=("delivered", "mean"))
        .reset_index()
    )
    out["gap"] = out["promised"] - out["delivered"]
    out["flagged"] = out["gap"] > 0
    return out.sort_values("gap", ascending=False).reset_index(drop=True)


def report(session: Session, *, by: str = "stage") -> StandardsReport:
    """DPMO and sigma by one dimension, from the counts of the last ``cxm standards check``."""
    if by not in DIMENSIONS:
        raise InputError(
            _("--by must be one of {dims} (got {value}).", dims=", ".join(DIMENSIONS), value=by)
        )
    frame = defects_frame(session)
    if frame.empty:
        raise InputError(_("No defects are stored yet: run cxm standards check first."))
    overall = sigma_table(frame, "defects", "opportunities")
    table = sigma_table(frame, "defects", "opportunities", by=by)
    stages = (
        frame.groupby("stage")
        .agg(defects=("defects", "sum"), weighted_defects=("weighted_defects", "sum"))
        .reset_index()
        .sort_values("weighted_defects", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    worst = (
        str(stages["stage"].iloc[0])
        if len(stages) and float(np.nan_to_num(stages["weighted_defects"].iloc[0])) > 0
        else None
    )
    return StandardsReport(by, overall, table, stages, worst, promise_vs_delivery(frame))


def sigma_by_standard(session: Session) -> pd.DataFrame:
    """The sigma table per standard (``report(by="standard").table``: the same DPMO, yield,
    sigma level and shares), summed by the database: one row per standard is read, not one
    per stored count, so the standards page costs the same at any size. Standards without
    opportunities are left out; ``units`` is the number of stored counts, as there."""
    q = (
        select(
            Standard.code,
            func.count(),
            func.sum(StandardDefects.defects),
            func.sum(StandardDefects.opportunities),
        )
        .join(Standard, Standard.id == StandardDefects.standard_id)
        .group_by(Standard.code)
        .having(func.sum(StandardDefects.opportunities) > 0)
    )
    sums = pd.DataFrame(
        session.execute(q).all(), columns=["standard", "units", "defects", "opportunities"]
    )
    if sums.empty:
        return pd.DataFrame(columns=["standard", *_SIGMA_COLUMNS])
    table = sigma_table(sums.drop(columns="units"), "defects", "opportunities", by="standard")
    units = sums.set_index("standard")["units"].astype("int64")
    return table.assign(units=table["standard"].map(units).to_numpy())
