"""Shewhart control charts (p, np, u and XmR) with Western Electric and Nelson rules.

DOMAIN.md §2 asks to measure the service process against its standards and "track
improvement": a control chart separates a real change (a special cause) from the noise of
a stable process. The centre line and limits come from a *base period* and are then frozen
(:class:`ChartLimits`), so later points are judged against the process as it was, not against
themselves.

Every rule is evaluated on the standardised distance ``z = (x − centre) / σ`` of each point
(with per-point σ when sample sizes vary), vectorised with cumulative sums, so a chart over
100,000 points takes milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxm.errors import InputError
from cxm.i18n import _

__all__ = [
    "CHART_KINDS",
    "MIN_BASE_POINTS",
    "RULE_SETS",
    "ChartLimits",
    "ControlChart",
    "control_chart",
    "fit_limits",
    "rule_description",
]

ChartKind = Literal["p", "np", "u", "xmr"]
RuleSet = Literal["western_electric", "nelson"]
CHART_KINDS: tuple[str, ...] = ("p", "np", "u", "xmr")
RULE_SETS: tuple[str, ...] = ("western_electric", "nelson")

#: Fewest base-period points from which limits are computed (Montgomery advises 20–25).
MIN_BASE_POINTS = 20

#: Unbiasing constants of the range of two normal observations: d2 = 2/√π, d3 = √(2 − 4/π).
D2 = 2.0 / math.sqrt(math.pi)
D3 = math.sqrt(2.0 - 4.0 / math.pi)
D4 = 1.0 + 3.0 * D3 / D2

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def rule_description(rule: str) -> str:
    """A sentence naming what the rule detects, in the user's language."""
    texts = {
        "nelson_1": _("One point beyond 3 sigma from the centre line"),
        "nelson_2": _("Nine points in a row on the same side of the centre line"),
        "nelson_3": _("Six points in a row steadily increasing or decreasing"),
        "nelson_4": _("Fourteen points in a row alternating up and down"),
        "nelson_5": _("Two of three points beyond 2 sigma on the same side"),
        "nelson_6": _("Four of five points beyond 1 sigma on the same side"),
        "nelson_7": _("Fifteen points in a row within 1 sigma of the centre line"),
        "nelson_8": _("Eight points in a row beyond 1 sigma on either side"),
        "we_1": _("One point beyond 3 sigma from the centre line"),
        "we_2": _("Two of three points beyond 2 sigma on the same side"),
        "we_3": _("Four of five points beyond 1 sigma on the same side"),
        "we_4": _("Eight points in a row on the same side of the centre line"),
        "mr_1": _("Moving range beyond its upper control limit"),
    }
    return texts[rule]


@dataclass(frozen=True)
class ChartLimits:
    """Centre and spread of a chart, computed once from a base period and then frozen.

    ``centre`` is p̄ (p and np charts), ū (u chart) or x̄ (XmR). ``sigma`` is the process
    standard deviation of an XmR chart (MR̄/d2); for attribute charts it is ``nan`` because
    σ depends on each point's sample size. ``mr_centre`` is MR̄ (XmR only).
    """

    kind: str
    centre: float
    sigma: float
    mr_centre: float
    base_points: int

    def to_dict(self) -> dict[str, Any]:
        """Plain values; ``nan`` (no single σ of an attribute chart) becomes ``None``."""
        return {
            k: None if isinstance(v, float) and math.isnan(v) else v
            for k, v in asdict(self).items()
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChartLimits:
        return cls(
            kind=str(data["kind"]),
            centre=float(data["centre"]),
            sigma=float("nan") if data.get("sigma") is None else float(data["sigma"]),
            mr_centre=float("nan") if data.get("mr_centre") is None else float(data["mr_centre"]),
            base_points=int(data["base_points"]),
        )


@dataclass(frozen=True)
class ControlChart:
    """A chart: its frozen limits, one row per point and the rule violations.

    ``points`` columns: ``point`` (1-based), ``value`` (the plotted statistic: a proportion,
    a count, a rate or a measurement), ``size``, ``centre``, ``sigma``, ``lcl``, ``ucl``, ``z``,
    ``base`` (in the base period), ``moving_range`` and ``mr_ucl`` (XmR only), ``out_of_control``
    and ``rules`` (the rules the point broke, comma-separated). ``violations`` columns:
    ``point``, ``value``, ``rule``, ``description``.
    """

    kind: str
    rules: str
    limits: ChartLimits
    points: pd.DataFrame
    violations: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rules": self.rules,
            "limits": self.limits.to_dict(),
            "points": self.points.to_dict(orient="records"),
            "out_of_control": self.violations.to_dict(orient="records"),
        }


def _numbers(values: Any, what: str) -> FloatArray:
    arr = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise InputError(
            _(
                "Point {point}: {what} {value} is not a number.",
                point=int(bad[0]) + 1,
                what=what,
                value=pd.Series(values).iloc[int(bad[0])],
            )
        )
    return arr


def _check_counts(kind: str, counts: FloatArray, sizes: FloatArray) -> None:
    problems = [
        (sizes <= 0, _("size must be more than 0")),
        (counts < 0, _("count cannot be negative")),
    ]
    if kind in ("p", "np"):
        problems.append((counts > sizes, _("defectives exceed the sample size")))
    for bad, reason in problems:
        idx = np.flatnonzero(bad)
        if idx.size:
            i = int(idx[0])
            raise InputError(
                _(
                    "Point {point}: count {count}, size {size} — {reason}.",
                    point=i + 1,
                    count=counts[i],
                    size=sizes[i],
                    reason=reason,
                )
            )


def _base_slice(n: int, base: int | None, min_base: int) -> int:
    b = n if base is None else int(base)
    if b > n:
        raise InputError(
            _("The base period ({base} points) is longer than the data ({n}).", base=b, n=n)
        )
    if b < min_base:
        raise InputError(
            _(
                "A control chart needs at least {min} base points to set its limits; got {n}.",
                min=min_base,
                n=b,
            )
        )
    return b


def fit_limits(
    kind: ChartKind,
    values: npt.ArrayLike,
    sizes: npt.ArrayLike | None = None,
    *,
    base: int | None = None,
    min_base: int = MIN_BASE_POINTS,
) -> ChartLimits:
    """Centre and spread from the first ``base`` points (all points when ``None``).

    Notes
    -----
    p and np: p̄ = ΣD / Σn over the base. u: ū = Σc / Σn. XmR: x̄ and MR̄ = mean |xᵢ − xᵢ₋₁|
    over the base, σ̂ = MR̄ / d2 with d2 = 2/√π ≈ 1.128 (Montgomery, *Introduction to
    Statistical Quality Control*, §6.4).
    """
    if kind not in CHART_KINDS:
        raise InputError(
            _("Unknown chart kind {kind}; use one of {kinds}.", kind=kind, kinds="p, np, u, xmr")
        )
    x = _numbers(values, _("value"))
    b = _base_slice(len(x), base, min_base)
    if kind == "xmr":
        xb = x[:b]
        mr = float(np.abs(np.diff(xb)).mean())
        if mr == 0:
            raise InputError(
                _("All base-period values are equal: an XmR chart needs some variation.")
            )
        return ChartLimits(kind, float(xb.mean()), mr / D2, mr, b)
    if sizes is None:
        raise InputError(_("A {kind} chart needs a sample size per point.", kind=kind))
    n = _numbers(sizes, _("size"))
    if len(n) != len(x):
        raise InputError(_("Values and sizes must have the same length."))
    _check_counts(kind, x, n)
    centre = float(x[:b].sum() / n[:b].sum())
    if centre == 0 or (kind != "u" and centre >= 1):
        raise InputError(
            _(
                "The base period's defect rate is {rate}: the chart has no spread to judge by.",
                rate=centre,
            )
        )
    return ChartLimits(kind, centre, float("nan"), float("nan"), b)


def _window_count(flag: BoolArray, width: int) -> npt.NDArray[np.int64]:
    """How many of the last ``width`` points (fewer at the start) have ``flag`` set."""
    c: npt.NDArray[np.int64] = np.concatenate([[0], np.cumsum(flag, dtype=np.int64)])
    idx = np.arange(1, len(flag) + 1)
    out: npt.NDArray[np.int64] = c[idx] - c[np.maximum(idx - width, 0)]
    return out


def _run(flag: BoolArray, length: int) -> BoolArray:
    """True where the last ``length`` points all have ``flag`` set."""
    return _window_count(flag, length) >= length


def _k_of_m_same_side(z: FloatArray, beyond: float, k: int, m: int) -> BoolArray:
    """k of the last m points beyond ``beyond`` σ on one side, the current point among them."""
    hi, lo = z > beyond, z < -beyond
    return (hi & (_window_count(hi, m) >= k)) | (lo & (_window_count(lo, m) >= k))


def _rule_flags(z: FloatArray, x: FloatArray) -> dict[str, BoolArray]:
    step = np.concatenate([[0.0], np.sign(np.diff(x))])
    alternates = np.concatenate([[False], step[1:] * step[:-1] < 0])
    beyond3 = np.abs(z) > 3
    same9 = _run(z > 0, 9) | _run(z < 0, 9)
    return {
        "nelson_1": beyond3,
        "nelson_2": same9,
        "nelson_3": _run(step > 0, 5) | _run(step < 0, 5),
        "nelson_4": _run(alternates, 12),
        "nelson_5": _k_of_m_same_side(z, 2, 2, 3),
        "nelson_6": _k_of_m_same_side(z, 1, 4, 5),
        "nelson_7": _run(np.abs(z) < 1, 15),
        "nelson_8": _run(np.abs(z) > 1, 8),
        "we_1": beyond3,
        "we_2": _k_of_m_same_side(z, 2, 2, 3),
        "we_3": _k_of_m_same_side(z, 1, 4, 5),
        "we_4": _run(z > 0, 8) | _run(z < 0, 8),
    }


_RULES_IN: dict[str, Callable[[str], bool]] = {
    "nelson": lambda r: r.startswith("nelson_"),
    "western_electric": lambda r: r.startswith("we_"),
}


def control_chart(
    data: pd.DataFrame,
    kind: ChartKind,
    value: str,
    size: str | None = None,
    *,
    base: int | None = None,
    limits: ChartLimits | None = None,
    rules: RuleSet = "nelson",
    min_base: int = MIN_BASE_POINTS,
) -> ControlChart:
    """A p, np, u or XmR chart of ``data[value]`` with its out-of-control points.

    Parameters
    ----------
    data : DataFrame
        One row per point, in time order.
    kind : {"p", "np", "u", "xmr"}
        p: share defective (``value`` = defectives, ``size`` = units inspected); np: number
        defective; u: defects per unit (``size`` = units); xmr: individual measurements.
    base : int, optional
        The first ``base`` points set the limits (all points when omitted).
    limits : ChartLimits, optional
        Frozen limits from an earlier base period; when given, ``base`` is ignored.
    rules : {"nelson", "western_electric"}
        Nelson's eight tests or the four Western Electric rules.

    Notes
    -----
    p: centre p̄, σᵢ = √(p̄(1 − p̄)/nᵢ). np: centre nᵢp̄, σᵢ = √(nᵢp̄(1 − p̄)). u: centre ū,
    σᵢ = √(ū/nᵢ). XmR: centre x̄, σ = MR̄/d2; the moving-range chart has UCL = D4·MR̄
    (D4 = 1 + 3·d3/d2 ≈ 3.267). Limits are centre ± 3σ, the lower one cut at 0 for counts.
    Rules use ``z = (x − centre)/σ``; a run-type rule flags every point that completes a run.

    References
    ----------
    Montgomery, D. C. *Introduction to Statistical Quality Control*, 6th ed., §5.3.6 and
    ch. 6–7. Nelson, L. S. (1984). The Shewhart control chart — tests for special causes.
    *Journal of Quality Technology* 16(4), 237–239. Checked in ``tests/test_control_charts.py``
    against Montgomery's orange-juice (p), personal-computer (u) examples and the SAS/QC
    tire-diameter (XmR) example.
    """
    if rules not in RULE_SETS:
        raise InputError(
            _(
                "Unknown rule set {rules}; use nelson or western_electric.",
                rules=rules,
            )
        )
    for col in (value, size):
        if col is not None and col not in data.columns:
            raise InputError(
                _(
                    "Column {column} is not in the data; columns are {columns}.",
                    column=col,
                    columns=", ".join(map(str, data.columns)),
                )
            )
    if kind != "xmr" and size is None:
        raise InputError(_("A {kind} chart needs a sample size per point.", kind=kind))
    x = _numbers(data[value], value)
    if len(x) < 2:
        raise InputError(_("A control chart needs at least 2 points; got {n}.", n=len(x)))
    sizes = _numbers(data[size], size) if size is not None else np.ones(len(x))
    if kind != "xmr":
        _check_counts(kind, x, sizes)
    if limits is None:
        limits = fit_limits(kind, x, sizes, base=base, min_base=min_base)
    elif limits.kind != kind:
        raise InputError(
            _(
                "The frozen limits are for a {frozen} chart, not {kind}.",
                frozen=limits.kind,
                kind=kind,
            )
        )
    points = _points(kind, x, sizes, limits)
    z = points["z"].to_numpy(dtype=float)
    stat = points["value"].to_numpy(dtype=float)
    keep = _RULES_IN[rules]
    flags = {r: f for r, f in _rule_flags(z, stat).items() if keep(r)}
    if kind == "xmr":
        mr = points["moving_range"].to_numpy(dtype=float)
        flags["mr_1"] = np.nan_to_num(mr, nan=0.0) > points["mr_ucl"].to_numpy(dtype=float)
    rows = [
        (int(i) + 1, float(stat[i]), rule, rule_description(rule))
        for rule, flag in flags.items()
        for i in np.flatnonzero(flag)
    ]
    violations = pd.DataFrame(rows, columns=["point", "value", "rule", "description"])
    violations = violations.sort_values(["point", "rule"], kind="stable").reset_index(drop=True)
    broken = violations.groupby("point")["rule"].agg(",".join)
    points["rules"] = points["point"].map(broken).fillna("")
    points["out_of_control"] = points["rules"] != ""
    return ControlChart(kind, rules, limits, points, violations)


def _points(kind: str, x: FloatArray, sizes: FloatArray, limits: ChartLimits) -> pd.DataFrame:
    n = len(x)
    mr = np.full(n, np.nan)
    mr_ucl = np.full(n, np.nan)
    if kind == "xmr":
        stat = x
        centre = np.full(n, limits.centre)
        sigma = np.full(n, limits.sigma)
        mr[1:] = np.abs(np.diff(x))
        mr_ucl[:] = D4 * limits.mr_centre
    else:
        p = limits.centre
        if kind == "p":
            stat, centre, sigma = x / sizes, np.full(n, p), np.sqrt(p * (1 - p) / sizes)
        elif kind == "np":
            stat, centre, sigma = x, sizes * p, np.sqrt(sizes * p * (1 - p))
        else:
            stat, centre, sigma = x / sizes, np.full(n, p), np.sqrt(p / sizes)
    lcl = centre - 3 * sigma
    if kind != "xmr":
        lcl = np.maximum(lcl, 0.0)
    return pd.DataFrame(
        {
            "point": np.arange(1, n + 1),
            "value": stat,
            "size": sizes,
            "centre": centre,
            "sigma": sigma,
            "lcl": lcl,
            "ucl": centre + 3 * sigma,
            "z": (stat - centre) / sigma,
            "base": np.arange(n) < limits.base_points,
            "moving_range": mr,
            "mr_ucl": mr_ucl,
        }
    )
