"""A standard's control chart over its monthly defect share (``cxm standards chart``).

The p chart is built from the stored monthly counts (``cxm standards check``). Its centre
and limits come from a base period and, once frozen, are kept in the store: later months
are judged against the process as it was, and re-freezing is refused (delete the standard's
limits on purpose to start again).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxm.analytics.control_charts import ChartLimits, ControlChart, control_chart
from cxm.errors import InputError, NotFound
from cxm.i18n import _
from cxm.standards.models import ChartLimitsRecord, Standard, StandardDefects

__all__ = ["MIN_BASE_MONTHS", "monthly_counts", "standard_chart"]

#: Fewest months a base period needs (a year: a monthly process has few points).
MIN_BASE_MONTHS = 12


def _standard(session: Session, code: str) -> Standard:
    std = session.scalar(select(Standard).where(Standard.code == code))
    if std is None:
        raise NotFound(_("No standard has code {code}.", code=code))
    return std


def monthly_counts(session: Session, code: str) -> pd.DataFrame:
    """``period``, ``opportunities``, ``defects`` of one standard, month by month."""
    std = _standard(session, code)
    q = (
        select(
            StandardDefects.period,
            func.sum(StandardDefects.opportunities),
            func.sum(StandardDefects.defects),
        )
        .where(StandardDefects.standard_id == std.id)
        .group_by(StandardDefects.period)
        .order_by(StandardDefects.period)
    )
    frame = pd.DataFrame(session.execute(q).all(), columns=["period", "opportunities", "defects"])
    return frame.astype({"opportunities": "int64", "defects": "int64"})


def standard_chart(
    session: Session,
    code: str,
    *,
    base: int | None = None,
    freeze: bool = False,
    rules: str = "nelson",
) -> tuple[ControlChart, pd.DataFrame]:
    """The p chart of one standard and its monthly counts. Frozen limits are used when the
    standard has them; ``freeze`` stores the limits of the first ``base`` months."""
    std = _standard(session, code)
    counts = monthly_counts(session, code)
    if counts.empty:
        raise InputError(_("Standard {code} has no counted opportunities yet.", code=code))
    stored = session.scalar(
        select(ChartLimitsRecord).where(ChartLimitsRecord.standard_id == std.id)
    )
    if stored is not None and freeze:
        raise InputError(
            _(
                "The limits of {code} were frozen on {when} from {start} to {end}.",
                code=code,
                when=stored.set_at.date().isoformat(),
                start=stored.base_from,
                end=stored.base_to,
            )
        )
    limits = ChartLimits.from_dict(stored.limits) if stored is not None else None
    chart = control_chart(
        counts,
        "p",
        "defects",
        "opportunities",
        base=base,
        limits=limits,
        rules=rules,  # type: ignore[arg-type]
        min_base=MIN_BASE_MONTHS,
    )
    if freeze:
        n = chart.limits.base_points
        session.add(
            ChartLimitsRecord(
                standard_id=std.id,
                limits=chart.limits.to_dict(),
                base_from=str(counts["period"].iloc[0]),
                base_to=str(counts["period"].iloc[n - 1]),
            )
        )
    return chart, counts
