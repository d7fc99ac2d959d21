"""Linkage: does the employee index of a team go with its customers' results?

DOMAIN.md §1/§5 and the service–profit chain: satisfied, capable employees → service value →
customer satisfaction and loyalty → profit. This module measures that link in the data, per
team and period, and says in plain words how strong it is and how sure we can be — never
more.

Pure functions over :mod:`pandas` frames; nothing here reads the store.

* :func:`team_outcomes` — per team and period, the customers' CSAT (mean), NPS (% promoters
  − % detractors), churn rate, complaints per 1,000 customers and profit per customer.
* :func:`correlate` — Pearson or Spearman correlation between teams with a BCa bootstrap
  interval over teams (Efron 1987), vectorised: all resamples are one array operation.
* :func:`lagged_pairs` — employee index in period *t* next to the customer result in *t+1*
  (the employee side should lead; the reverse order is a hint of reverse causation).
* :func:`mixed_model` — statsmodels MixedLM with a random intercept per team (customers
  nested in teams) and the employee index as a team-level predictor: the standard error of
  its slope accounts for customers of one team being alike, which a customer-level OLS
  would ignore.
* :func:`linkage` — all of it per outcome, with :func:`conclusion`.

A correlation between teams is not proof that employee satisfaction causes customer
satisfaction; the conclusion says "goes with", and the lagged view is shown next to it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxm.analytics._intervals import normal_cdf
from cxm.errors import InputError
from cxm.i18n import _

__all__ = [
    "OUTCOMES",
    "Correlation",
    "Linkage",
    "MixedModelResult",
    "OutcomeLink",
    "bootstrap_correlations",
    "conclusion",
    "correlate",
    "lagged_pairs",
    "linkage",
    "mixed_model",
    "outcome_label",
    "team_outcomes",
]

Array = npt.NDArray[np.float64]
Method = Literal["pearson", "spearman"]

#: Customer results per team and period, in the order they are reported.
OUTCOMES: tuple[str, ...] = (
    "csat",
    "nps",
    "churn_rate",
    "complaints_per_1000",
    "profit_per_customer",
)

#: Fewest teams for which a correlation is computed at all.
MIN_TEAMS = 8

_NORMAL = NormalDist()


# --------------------------------------------------------------------------- aggregation


def team_outcomes(customers: pd.DataFrame) -> pd.DataFrame:
    """Customer results per team and period.

    ``customers`` has one row per customer and period with ``team_id``, ``period`` and any
    of ``csat`` (a satisfaction score, NaN when not asked), ``nps`` (0–10 recommendation,
    NaN when not asked), ``churned`` (bool), ``complaints`` (count) and ``profit``.
    Returns one row per (team_id, period) with ``customers`` (count), the columns of
    :data:`OUTCOMES` that can be computed, and ``csat_n`` / ``nps_n`` answer counts.
    """
    for column in ("team_id", "period"):
        if column not in customers.columns:
            raise InputError(_("Customer data needs the column {column}.").format(column=column))
    frame = customers
    keys = [frame["team_id"], frame["period"]]
    grouped = frame.groupby(keys, sort=True)
    out = pd.DataFrame({"customers": grouped.size()})
    if "csat" in frame.columns:
        out["csat"] = grouped["csat"].mean()
        out["csat_n"] = grouped["csat"].count()
    if "nps" in frame.columns:
        score = frame["nps"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            net = np.where(np.isnan(score), np.nan, (score >= 9) * 100.0 - (score <= 6) * 100.0)
        helper = pd.Series(net, index=frame.index)
        g = helper.groupby(keys, sort=True)
        out["nps"] = g.mean()
        out["nps_n"] = g.count()
    if "churned" in frame.columns:
        out["churn_rate"] = grouped["churned"].mean().astype(float)
    if "complaints" in frame.columns:
        out["complaints_per_1000"] = grouped["complaints"].sum() / out["customers"] * 1000.0
    if "profit" in frame.columns:
        out["profit_per_customer"] = grouped["profit"].mean()
    out.index.names = ["team_id", "period"]
    return out.reset_index()


def lagged_pairs(employee: pd.DataFrame, outcomes: pd.DataFrame, *, lag: int = 1) -> pd.DataFrame:
    """Employee index of period *t* beside the customer results of period *t + lag*.

    Periods are ordered as sorted values of the union of both frames' ``period`` columns;
    *t + 1* is the next period in that order (so "2025-Q4" is followed by "2026-Q1").
    """
    periods = sorted(set(employee["period"]).union(outcomes["period"]))
    position = {p: i for i, p in enumerate(periods)}
    shifted = employee.copy()
    target = [position[p] + lag for p in shifted["period"]]
    shifted["period"] = [periods[i] if 0 <= i < len(periods) else None for i in target]
    shifted = shifted[shifted["period"].notna()]
    return shifted.merge(outcomes, on=["team_id", "period"], how="inner")


# --------------------------------------------------------------------------- correlation


@dataclass(frozen=True)
class Correlation:
    """A correlation between teams with its bootstrap interval."""

    method: Method
    r: float
    low: float
    high: float
    #: Distinct teams, and (team, period) pairs — more than teams when periods are pooled.
    teams: int
    pairs: int
    confidence: float
    resamples: int

    @property
    def excludes_zero(self) -> bool:
        return bool(self.low > 0 or self.high < 0)


def _weighted_ranks(values: Array, w: Array) -> Array:
    """Mid-ranks of the data with row *i* repeated ``w[…, i]`` times, per weighting.

    ``values`` (n,), ``w`` (R, n) → (R, n): a value's rank is the weight of the smaller
    values plus (its tie group's weight + 1) / 2 — what ranking the resample would give."""
    unique, inverse = np.unique(values, return_inverse=True)
    onehot = np.zeros((len(values), len(unique)))
    onehot[np.arange(len(values)), inverse] = 1.0
    group = w @ onehot  # (R, U)
    before = np.cumsum(group, axis=1) - group
    return np.asarray((before + (group + 1) / 2)[:, inverse], dtype=float)


def _statistic(x: Array, y: Array, w: Array, method: Method) -> Array:
    if method == "spearman":
        rx = np.stack([_weighted_ranks(x[k], w[k]) for k in range(x.shape[0])])
        ry = np.stack([_weighted_ranks(y[k], w[k]) for k in range(y.shape[0])])
        return _weighted_pearson(rx, ry, w)
    return _weighted_pearson(x[:, None, :], y[:, None, :], w)


def _weighted_pearson(rx: Array, ry: Array, w: Array) -> Array:
    """Pearson r with row weights: values (sets, R or 1, n), weights (sets, R, n) → (sets, R).

    Integer weights ``c_i`` give exactly the correlation of the data with row *i* repeated
    ``c_i`` times (a bootstrap resample); NaN where a weighted row is constant."""
    sw = w.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        xc = rx - (w * rx).sum(axis=-1, keepdims=True) / sw
        yc = ry - (w * ry).sum(axis=-1, keepdims=True) / sw
        num = (w * xc * yc).sum(axis=-1)
        den = np.sqrt((w * xc * xc).sum(axis=-1) * (w * yc * yc).sum(axis=-1))
        r = num / den
    return np.asarray(np.where(den > 1e-12 * np.maximum(sw[..., 0], 1), r, np.nan), dtype=float)


def bootstrap_correlations(
    x: Array,
    y: Array,
    *,
    method: Method = "pearson",
    resamples: int = 2000,
    confidence: float = 0.95,
    rng: np.random.Generator | None = None,
    clusters: npt.NDArray[np.int64] | None = None,
) -> tuple[Array, Array, Array]:
    """Correlations and BCa intervals for many data sets at once.

    ``x`` and ``y`` are (sets, rows) arrays: row *k* is one data set. The units resampled
    with replacement are the rows, or, with ``clusters`` (one label per column, shared by
    all sets), whole clusters — a team observed in several periods is drawn with all its
    periods, so repeated measures of one team do not pass for independent teams. A resample
    is a vector of repeat counts, so all ``resamples`` resamples of all sets are one array
    operation; Spearman re-ranks each resample (ties included). The interval is Efron's
    bias-corrected and accelerated percentile interval, with the acceleration from the
    jackknife (leaving out one unit at a time). Returns ``(r, low, high)`` per set.
    """
    x = np.atleast_2d(np.asarray(x, dtype=float))
    y = np.atleast_2d(np.asarray(y, dtype=float))
    sets, n = x.shape
    rng = rng if rng is not None else np.random.default_rng()
    if clusters is None:
        unit = np.arange(n)
    else:
        _labels, unit = np.unique(np.asarray(clusters), return_inverse=True)
    units = int(unit.max()) + 1
    ones = np.ones((sets, 1, n))
    r = _statistic(x, y, ones, method)[:, 0]
    draws = rng.integers(0, units, size=(sets, resamples, units))
    offsets = (np.arange(sets * resamples) * units).reshape(sets, resamples, 1)
    counts = np.bincount((draws + offsets).ravel(), minlength=sets * resamples * units)
    weights = counts.reshape(sets, resamples, units).astype(float)
    boot = _statistic(x, y, weights[:, :, unit], method)  # (sets, resamples)
    leave_out = 1.0 - np.eye(units)[:, unit]  # (units, n)
    jack = _statistic(x, y, np.broadcast_to(leave_out, (sets, units, n)), method)
    jd = np.nanmean(jack, axis=1, keepdims=True) - jack
    with np.errstate(invalid="ignore", divide="ignore"):
        accel = np.nansum(jd**3, axis=1) / (6.0 * (np.nansum(jd**2, axis=1)) ** 1.5)
    accel = np.where(np.isfinite(accel), accel, 0.0)
    valid = np.isfinite(boot)
    count = valid.sum(axis=1)
    below = (np.where(valid, boot, np.inf) < r[:, None]).sum(axis=1)
    equal = (np.where(valid, boot, np.inf) == r[:, None]).sum(axis=1)
    prop = np.clip((below + 0.5 * equal) / np.maximum(count, 1), 1e-6, 1 - 1e-6)
    z0 = np.array([_NORMAL.inv_cdf(float(p)) for p in prop])
    alpha = (1 - confidence) / 2
    zs = np.array([_NORMAL.inv_cdf(alpha), _NORMAL.inv_cdf(1 - alpha)])
    with np.errstate(invalid="ignore", divide="ignore"):
        adj = z0[:, None] + (z0[:, None] + zs[None, :]) / (
            1 - accel[:, None] * (z0[:, None] + zs[None, :])
        )
    quantiles = normal_cdf(adj)  # (sets, 2)
    sorted_boot = np.sort(np.where(valid, boot, np.nan), axis=1)  # NaN last
    low = np.empty(sets)
    high = np.empty(sets)
    for k in range(sets):  # quantiles of each set's own valid resamples
        if count[k] == 0 or not np.isfinite(r[k]):
            low[k] = high[k] = np.nan
            continue
        low[k], high[k] = np.quantile(sorted_boot[k, : count[k]], quantiles[k])
    return r, low, high


def correlate(
    x: Sequence[float] | Array,
    y: Sequence[float] | Array,
    *,
    method: Method = "pearson",
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int | None = 0,
    clusters: Sequence[object] | npt.NDArray[Any] | None = None,
) -> Correlation:
    """Correlation of two team-level series with a BCa bootstrap interval over teams.

    Pairs where either value is missing are dropped. ``clusters`` names the team of each
    pair when a team appears more than once (several periods): the bootstrap then draws
    teams. Fewer than :data:`MIN_TEAMS` teams is an :class:`InputError`: an interval from a
    handful of teams would only mislead.
    """
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    if xa.shape != ya.shape or xa.ndim != 1:
        raise InputError(_("Both series need one value per team."))
    ok = np.isfinite(xa) & np.isfinite(ya)
    xa, ya = xa[ok], ya[ok]
    labels = None if clusters is None else np.asarray(clusters)[ok]
    teams = len(xa) if labels is None else len(set(labels.tolist()))
    if teams < MIN_TEAMS:
        raise InputError(
            _("A correlation needs at least {minimum} teams with both values, not {n}.").format(
                minimum=MIN_TEAMS, n=teams
            )
        )
    codes = None if labels is None else np.unique(labels, return_inverse=True)[1]
    r, low, high = bootstrap_correlations(
        xa[None, :],
        ya[None, :],
        method=method,
        resamples=resamples,
        confidence=confidence,
        rng=np.random.default_rng(seed),
        clusters=codes,
    )
    return Correlation(
        method=method,
        r=float(r[0]),
        low=float(low[0]),
        high=float(high[0]),
        teams=teams,
        pairs=len(xa),
        confidence=confidence,
        resamples=resamples,
    )


# --------------------------------------------------------------------------- mixed model


@dataclass(frozen=True)
class MixedModelResult:
    """Slope of the employee index in a random-intercept model of customers in teams."""

    outcome: str
    slope: float
    se: float
    low: float
    high: float
    p_value: float
    intercept: float
    team_variance: float
    residual_variance: float
    customers: int
    teams: int

    @property
    def icc(self) -> float:
        """Share of the outcome's variance that lies between teams."""
        total = self.team_variance + self.residual_variance
        return self.team_variance / total if total > 0 else float("nan")


def mixed_model(
    customers: pd.DataFrame,
    *,
    outcome: str,
    predictor: str = "employee_index",
    group: str = "team_id",
    confidence: float = 0.95,
) -> MixedModelResult:
    """``outcome ~ predictor + (1 | team)`` fitted by REML with statsmodels MixedLM.

    ``customers`` has one row per customer with the outcome, the team and the team's
    employee index (the same value for every customer of a team: a team-level predictor).
    Rows with a missing outcome or predictor are dropped.
    """
    import statsmodels.api as sm

    for column in (outcome, predictor, group):
        if column not in customers.columns:
            raise InputError(_("Customer data needs the column {column}.").format(column=column))
    data = customers[[outcome, predictor, group]].dropna()
    teams = int(data[group].nunique())
    if teams < MIN_TEAMS:
        raise InputError(
            _("A correlation needs at least {minimum} teams with both values, not {n}.").format(
                minimum=MIN_TEAMS, n=teams
            )
        )
    exog = sm.add_constant(data[[predictor]].to_numpy(dtype=float), has_constant="add")
    model = sm.MixedLM(data[outcome].to_numpy(dtype=float), exog, groups=data[group].to_numpy())
    with warnings.catch_warnings():
        # The optimiser passes through points where the team variance is zero; statsmodels
        # warns at each. Convergence is checked below instead.
        warnings.simplefilter("ignore")
        fit = model.fit(reml=True)
    if not fit.converged:
        raise InputError(
            _("The mixed model did not converge for {outcome}.").format(outcome=outcome)
        )
    params = np.asarray(fit.fe_params, dtype=float)
    bse = np.asarray(fit.bse_fe, dtype=float)
    z = _NORMAL.inv_cdf(0.5 + confidence / 2)
    slope, se = float(params[1]), float(bse[1])
    p = 2 * (1 - _NORMAL.cdf(abs(slope / se))) if se > 0 else float("nan")
    return MixedModelResult(
        outcome=outcome,
        slope=slope,
        se=se,
        low=slope - z * se,
        high=slope + z * se,
        p_value=float(p),
        intercept=float(params[0]),
        team_variance=float(np.asarray(fit.cov_re)[0, 0]),
        residual_variance=float(fit.scale),
        customers=len(data),
        teams=teams,
    )


# --------------------------------------------------------------------------- conclusion


def _strength(r: float) -> str:
    size = abs(r)
    if size < 0.1:
        return _("a negligible")
    if size < 0.3:
        return _("a weak")
    if size < 0.5:
        return _("a moderate")
    return _("a strong")


def conclusion(label: str, corr: Correlation) -> str:
    """Plain words: how strong the link is and how sure we are, never more.

    Strength follows Cohen's (1988) conventions for r (0.1 weak, 0.3 moderate, 0.5 strong).
    "Sure" means the bootstrap interval excludes zero; a link whose interval spans zero is
    reported as not shown, with the range it could have.
    """
    values = {
        "outcome": label,
        "r": f"{corr.r:.2f}",
        "low": f"{corr.low:.2f}",
        "high": f"{corr.high:.2f}",
        "teams": corr.teams,
        "confidence": f"{corr.confidence:.0%}",
    }
    if not corr.excludes_zero:
        return _(
            "No link between the employee index and {outcome} is shown: r = {r} over {teams} "
            "teams, and the {confidence} interval ({low} to {high}) includes zero."
        ).format(**values)
    direction = _("higher") if corr.r > 0 else _("lower")
    values["strength"] = _strength(corr.r)
    values["direction"] = direction
    if abs(corr.high - corr.low) > 0.5:
        sure = _("the direction is clear but the size is uncertain")
    else:
        sure = _("both the direction and the size are fairly certain")
    values["sure"] = sure
    return _(
        "Teams with a higher employee index have {direction} {outcome}: {strength} link "
        "(r = {r}, {confidence} interval {low} to {high}, {teams} teams); {sure}. This is "
        "an association, not proof of cause."
    ).format(**values)


# --------------------------------------------------------------------------- all of it


@dataclass(frozen=True)
class OutcomeLink:
    outcome: str
    pearson: Correlation | None
    spearman: Correlation | None
    lagged: Correlation | None
    conclusion: str
    mixed: MixedModelResult | None = None


@dataclass(frozen=True)
class Linkage:
    teams: int
    periods: list[str]
    links: list[OutcomeLink] = field(default_factory=list)


def outcome_label(outcome: str) -> str:
    """The customer result's name in words."""
    labels = {
        "csat": _("customer satisfaction"),
        "nps": _("NPS"),
        "churn_rate": _("churn"),
        "complaints_per_1000": _("complaints per 1,000 customers"),
        "profit_per_customer": _("profit per customer"),
    }
    return labels.get(outcome, outcome)


def linkage(
    employee: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    outcomes: Sequence[str] = OUTCOMES,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int | None = 0,
    mixed: bool = False,
) -> Linkage:
    """The link between the employee index and each customer result.

    ``employee``: one row per (team_id, period) with ``employee_index`` (already suppressed
    for small groups: a suppressed team is simply absent). ``customers``: one row per
    customer and period as for :func:`team_outcomes`.

    Concurrent correlations pool all (team, period) pairs; the bootstrap draws whole teams
    (all their periods), so a team seen twice does not count as two independent teams —
    with one period that is the plain bootstrap over teams. The lagged view needs
    two periods. ``mixed=True`` also fits :func:`mixed_model` per outcome on the customers
    of the latest period (slow on a million customers; off by default).
    """
    per_team = team_outcomes(customers)
    joined = employee.merge(per_team, on=["team_id", "period"], how="inner")
    lagged = lagged_pairs(employee, per_team)
    periods = sorted({str(p) for p in employee["period"]})
    links: list[OutcomeLink] = []
    for outcome in outcomes:
        if outcome not in per_team.columns:
            continue

        def _safe(frame: pd.DataFrame, method: Method, column: str = outcome) -> Correlation | None:
            try:
                return correlate(
                    frame["employee_index"].to_numpy(dtype=float),
                    frame[column].to_numpy(dtype=float),
                    clusters=frame["team_id"].to_numpy(),
                    method=method,
                    resamples=resamples,
                    confidence=confidence,
                    seed=seed,
                )
            except InputError:
                return None

        pearson = _safe(joined, "pearson")
        spearman = _safe(joined, "spearman")
        lag = _safe(lagged, "pearson") if len(lagged) else None
        if pearson is None:
            words = _(
                "Too few teams with both an employee index and {outcome} to say anything."
            ).format(outcome=outcome_label(outcome))
        else:
            words = conclusion(outcome_label(outcome), pearson)
        fitted: MixedModelResult | None = None
        if mixed:
            fitted = _mixed_for(employee, customers, outcome, confidence)
        links.append(OutcomeLink(outcome, pearson, spearman, lag, words, fitted))
    return Linkage(teams=int(joined["team_id"].nunique()), periods=periods, links=links)


_CUSTOMER_COLUMN = {
    "csat": "csat",
    "nps": "nps",
    "churn_rate": "churned",
    "complaints_per_1000": "complaints",
    "profit_per_customer": "profit",
}


def _mixed_for(
    employee: pd.DataFrame, customers: pd.DataFrame, outcome: str, confidence: float
) -> MixedModelResult | None:
    column = _CUSTOMER_COLUMN[outcome]
    if column not in customers.columns or not len(employee):
        return None
    latest = max(employee["period"])
    rows = customers[customers["period"] == latest][["team_id", column]]
    index = employee[employee["period"] == latest][["team_id", "employee_index"]]
    data = rows.merge(index, on="team_id", how="inner")
    data[column] = data[column].astype(float)
    try:
        return mixed_model(data, outcome=column, confidence=confidence)
    except InputError:
        return None
