"""The day counts of the per-customer table, in pandas: the fallback where the store's SQL
cannot subtract dates (SQLite has no date difference without Ibis's own function)."""

from __future__ import annotations

from datetime import date

import pandas as pd

__all__ = ["add_day_counts"]


def add_day_counts(frame: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """``span_days`` (first to last purchase), ``observed_days`` (first purchase to
    ``as_of``) and ``recency_days`` (last purchase to ``as_of``) added to the per-customer
    table — what :func:`cxm.frames.aggregations.with_day_counts` computes in the engine."""
    first = pd.to_datetime(frame["first_purchase"])
    last = pd.to_datetime(frame["last_purchase"])
    day = pd.Timestamp(as_of)
    return frame.assign(
        span_days=(last - first).dt.days.astype("int64"),
        observed_days=(day - first).dt.days.astype("int64"),
        recency_days=(day - last).dt.days.astype("int64"),
    )
