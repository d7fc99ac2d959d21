"""Churn: rate per segment and period, reasons against the documents' benchmark, survival.

DOMAIN.md §2 quotes why customers stop buying (1 % die, 3 % move away, 5 % form other
relationships, 9 % are won by competitors, 14 % are dissatisfied with the product, 68 % meet
staff indifference). :func:`churn_reasons` sets a firm's own split beside those figures;
:func:`churn_rates` gives the rate per segment and period with a Wilson interval;
:func:`survival_curves` gives Kaplan–Meier curves per group (lifelines).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cxm.analytics._intervals import chi2_sf, wilson
from cxm.errors import InputError
from cxm.i18n import _

__all__ = [
    "ChurnReasons",
    "SurvivalCurves",
    "churn_rates",
    "churn_reasons",
    "survival_curves",
    "wilson_interval",
]


@dataclass(frozen=True, slots=True)
class ChurnReasons:
    """:func:`churn_reasons`: the ``table`` of shares beside the benchmark, the p-value of
    Pearson's goodness-of-fit test (``chi2_p``, NaN when fewer than 5 expected per cell)
    and ``n``, the churned customers with a benchmarked reason."""

    table: pd.DataFrame
    chi2_p: float
    n: int


@dataclass(frozen=True, slots=True)
class SurvivalCurves:
    """:func:`survival_curves`: ``curves`` and ``summary`` per group, and the multivariate
    log-rank p-value across the groups (``logrank_p``, NaN with one group)."""

    curves: pd.DataFrame
    summary: pd.DataFrame
    logrank_p: float


def wilson_interval(
    successes: Any, n: Any, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion (vectorised; NaN where ``n == 0``): the one
    the score modules use (:func:`cxm.analytics._intervals.wilson`), for any array-like."""
    return wilson(np.asarray(successes, dtype=float), np.asarray(n, dtype=float), confidence)


def _windows(
    lo: pd.Timestamp, hi: pd.Timestamp, freq: str, align: str
) -> list[tuple[str, Any, Any]]:
    """(label, first day, last day) of each period, oldest first."""
    if align == "calendar":
        return [
            (str(p), np.datetime64(p.start_time.normalize()), np.datetime64(p.end_time.normalize()))
            for p in pd.period_range(lo, hi, freq=freq)
        ]
    if align != "end":
        raise InputError(_("Alignment must be calendar or end, not {align}.", align=align))
    step = pd.DateOffset(months={"Y": 12, "Q": 3, "M": 1}[freq])
    out = []
    stop = hi.normalize() + pd.Timedelta(days=1)
    while stop - step >= lo.normalize():
        first, last = stop - step, stop - pd.Timedelta(days=1)
        out.append((f"{first:%Y-%m-%d}/{last:%Y-%m-%d}", np.datetime64(first), np.datetime64(last)))
        stop = first
    if not out:  # less than one full period observed: one shorter window, dated honestly
        out.append(
            (
                f"{lo:%Y-%m-%d}/{hi:%Y-%m-%d}",
                np.datetime64(lo.normalize()),
                np.datetime64(hi.normalize()),
            )
        )
    return out[::-1]


def churn_rates(
    customers: pd.DataFrame,
    *,
    segment: str | None = "segment",
    acquired: str = "acquired_on",
    churned: str = "churned_on",
    start: Any = None,
    end: Any = None,
    freq: str = "Y",
    align: str = "calendar",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Churn rate per segment and period.

    Periods are calendar years, quarters or months (``align="calendar"``), or windows of
    that length counted back from ``end`` (``align="end"``: e.g. the last 12 months, the 12
    before…, so that a file ending in September gives full years); windows that would start
    before ``start`` are dropped (when none is left, one shorter window from ``start`` to
    ``end`` is used, its dates in its label).

    For a period ``[s, e]``: customers at risk ``N`` = acquired before ``s`` (or with no
    acquisition date) and not churned before ``s``; churned ``k`` = at risk and churned in
    the period. Rate ``k / N`` with a Wilson interval. A cell with ``N = 0`` is reported with
    ``status = "no data"`` and NaN rate, never as a zero rate.

    Columns: ``segment, period, start, end, at_risk, churned, churn_rate, ci_low, ci_high,
    status``.
    """
    if freq not in ("Y", "Q", "M"):
        raise InputError(_("Period must be Y, Q or M, not {freq}.", freq=freq))
    acq = pd.to_datetime(customers[acquired]).to_numpy()
    chd = pd.to_datetime(customers[churned]).to_numpy()
    known = np.concatenate([acq[~np.isnat(acq)], chd[~np.isnat(chd)]])
    if (start is None or end is None) and known.size == 0:
        raise InputError(_("No dates to place churn in time: give --start and --end."))
    lo = pd.Timestamp(start) if start is not None else pd.Timestamp(known.min())
    hi = pd.Timestamp(end) if end is not None else pd.Timestamp(known.max())
    if hi < lo:
        raise InputError(_("The period ends before it starts: {start} to {end}.", start=lo, end=hi))
    pfreq = freq
    seg = (
        customers[segment].astype(object).fillna("—").to_numpy()
        if segment
        else np.full(len(customers), "all", dtype=object)
    )
    codes, names = pd.factorize(seg)  # segments in order of appearance
    rows = []
    for label, s, e in _windows(lo, hi, pfreq, align):
        at_risk = (np.isnat(acq) | (acq < s)) & (np.isnat(chd) | (chd >= s))
        lost = at_risk & ~np.isnat(chd) & (chd <= e)
        n_by = np.bincount(codes[at_risk], minlength=len(names))
        k_by = np.bincount(codes[lost], minlength=len(names))
        for j, name in enumerate(names):
            rows.append(
                (name, label, pd.Timestamp(s).date(), pd.Timestamp(e).date(), n_by[j], k_by[j])
            )
    out = pd.DataFrame(rows, columns=["segment", "period", "start", "end", "at_risk", "churned"])
    with np.errstate(invalid="ignore", divide="ignore"):
        out["churn_rate"] = np.where(out["at_risk"] > 0, out["churned"] / out["at_risk"], np.nan)
    out["ci_low"], out["ci_high"] = wilson_interval(out["churned"], out["at_risk"], confidence)
    out["status"] = np.where(out["at_risk"] > 0, "ok", "no data")
    return out


def churn_reasons(
    reasons: pd.Series,
    benchmark: Mapping[str, float],
    *,
    confidence: float = 0.95,
) -> ChurnReasons:
    """Share of each churn reason beside the benchmark share, with a Wilson interval.

    ``reasons`` holds one reason code per churned customer (missing = not recorded).
    Shares are over customers with a benchmarked reason, so they compare like with like;
    other recorded reasons and unrecorded ones are listed with NaN benchmark. ``chi2_p`` is
    the p-value of Pearson's goodness-of-fit test of the benchmarked counts against the
    benchmark split (NaN when fewer than 5 expected per cell).
    """
    codes = reasons.astype(object).where(reasons.notna(), "unrecorded").astype(str)
    counts = codes.value_counts()
    bench = {str(k): float(v) for k, v in benchmark.items()}
    total_b = float(sum(bench.values()))
    in_bench = int(sum(int(counts.get(k, 0)) for k in bench))
    rows = []
    for code, share in bench.items():
        k = int(counts.get(code, 0))
        rows.append((code, k, k / in_bench if in_bench else np.nan, share / total_b))
    for other, k in counts.items():
        if str(other) not in bench:
            rows.append((str(other), int(k), np.nan, np.nan))
    out = pd.DataFrame(rows, columns=["reason", "customers", "share", "benchmark_share"])
    lo, hi = wilson_interval(out["customers"], in_bench, confidence)
    out["ci_low"] = np.where(out["benchmark_share"].notna(), lo, np.nan)
    out["ci_high"] = np.where(out["benchmark_share"].notna(), hi, np.nan)
    out["difference"] = out["share"] - out["benchmark_share"]
    observed = out.loc[out["benchmark_share"].notna(), "customers"].to_numpy(dtype=float)
    expected = out.loc[out["benchmark_share"].notna(), "benchmark_share"].to_numpy() * in_bench
    p = np.nan
    if in_bench and expected.min() >= 5:
        # Pearson's goodness-of-fit test as scipy.stats.chisquare computes it (statistic
        # summed, p the χ² tail), the tail in closed form: importing scipy would take longer
        # than the whole churn report.
        statistic = float(((observed - expected) ** 2 / expected).sum())
        p = chi2_sf(len(observed) - 1, statistic)
    return ChurnReasons(table=out, chi2_p=p, n=in_bench)


def survival_curves(
    durations: pd.Series | np.ndarray,
    events: pd.Series | np.ndarray,
    groups: pd.Series | np.ndarray | None = None,
    *,
    at: tuple[float, ...] = (),
    confidence: float = 0.95,
) -> SurvivalCurves:
    """Kaplan–Meier survival per group, fitted with lifelines.

    ``Ŝ(t) = ∏_{t_i ≤ t} (1 − d_i / n_i)`` with Greenwood's exponential (log-log) interval
    (Kaplan & Meier 1958; lifelines ``KaplanMeierFitter``). ``durations`` are times from
    acquisition to churn or to the end of observation, ``events`` 1 for churned, 0 for still
    a customer (censored).

    Returns :class:`SurvivalCurves`: ``curves`` has ``group, time, survival, ci_low, ci_high,
    at_risk``; ``summary`` has ``group, customers, churned, median`` (NaN when the curve
    never falls to 0.5) and one ``S(t)`` column per value in ``at``; ``logrank_p``
    is the multivariate log-rank p-value (NaN with one group).
    """
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test

    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    if d.shape != e.shape:
        raise InputError(_("Durations and events differ in length."))
    if np.isnan(d).any() or (d < 0).any():
        bad = int(np.flatnonzero(np.isnan(d) | (d < 0))[0])
        raise InputError(
            _("Duration in row {row} is missing or negative: {value}", row=bad + 1, value=d[bad])
        )
    g = np.full(d.shape, "all", dtype=object) if groups is None else np.asarray(groups, object)
    curves, summary = [], []
    names = [x for x in pd.unique(g) if x is not None and x == x]
    for name in names:
        m = g == name
        kmf = KaplanMeierFitter(alpha=1 - confidence).fit(d[m], e[m])
        sf = kmf.survival_function_.iloc[:, 0]
        ci = kmf.confidence_interval_survival_function_
        table = kmf.event_table
        curves.append(
            pd.DataFrame(
                {
                    "group": name,
                    "time": sf.index.to_numpy(),
                    "survival": sf.to_numpy(),
                    "ci_low": ci.iloc[:, 0].to_numpy(),
                    "ci_high": ci.iloc[:, 1].to_numpy(),
                    "at_risk": table["at_risk"].reindex(sf.index).to_numpy(),
                }
            )
        )
        row: dict[str, Any] = {
            "group": name,
            "customers": int(m.sum()),
            "churned": int(e[m].sum()),
            "median": float(kmf.median_survival_time_),
        }
        for t in at:
            row[f"S({t:g})"] = float(kmf.survival_function_at_times(t).iloc[0])
        summary.append(row)
    if not names:
        raise InputError(_("No customers to compute survival for."))
    curves_df = pd.concat(curves, ignore_index=True)
    summary_df = pd.DataFrame(summary)
    summary_df["median"] = summary_df["median"].replace(np.inf, np.nan)
    p = np.nan
    if len(names) > 1:
        keep = pd.Series(g).isin(names).to_numpy()
        p = float(multivariate_logrank_test(d[keep], g[keep], e[keep]).p_value)
    return SurvivalCurves(curves=curves_df, summary=summary_df, logrank_p=p)
