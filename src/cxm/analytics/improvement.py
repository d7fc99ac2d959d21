"""The effect of an improvement: after period against baseline, with a confidence interval and
a significance test suited to the metric.

DOMAIN.md §2: improvement teams "are recognised for measured results". A share of defective
opportunities is compared with the two-proportion z test, a mean of a measurement (seconds
waited) with Welch's t test, a count of defects over an exposure with the exact conditional
(binomial) test for two Poisson rates.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from cxm.analytics._intervals import normal_cdf, normal_ppf
from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["TESTS", "Effect", "poisson_rates", "two_proportions", "welch_means"]

TestName = Literal["two_proportion", "welch", "poisson"]
TESTS: tuple[str, ...] = ("two_proportion", "welch", "poisson")


@dataclass(frozen=True)
class Effect:
    """``difference`` = after − baseline with its ``ci_low``–``ci_high`` interval; ``p_value``
    of the two-sided test named by ``test``; ``improved`` when significant at ``alpha`` and in
    the better direction (lower when ``lower_is_better``)."""

    test: str
    baseline: float
    after: float
    difference: float
    ci_low: float
    ci_high: float
    statistic: float
    p_value: float
    alpha: float
    n_baseline: float
    n_after: float
    lower_is_better: bool

    @property
    def significant(self) -> bool:
        return bool(self.p_value < self.alpha)

    @property
    def improved(self) -> bool:
        better = self.difference < 0 if self.lower_is_better else self.difference > 0
        return self.significant and better

    @property
    def relative_change(self) -> float:
        return self.difference / self.baseline if self.baseline else float("nan")

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(
            significant=self.significant,
            improved=self.improved,
            relative_change=self.relative_change,
        )
        return out


def _z(alpha: float) -> float:
    if not 0 < alpha < 1:
        raise InputError(_("alpha must lie between 0 and 1 (got {value}).", value=alpha))
    return float(-normal_ppf(alpha / 2))


def two_proportions(
    defects_baseline: int,
    n_baseline: int,
    defects_after: int,
    n_after: int,
    *,
    alpha: float = 0.05,
    lower_is_better: bool = True,
) -> Effect:
    """Defect shares compared with the pooled two-proportion z test.

    Notes
    -----
    ``z = (p₂ − p₁) / √(p̄(1 − p̄)(1/n₁ + 1/n₂))``; the interval is the Wald interval
    ``(p₂ − p₁) ± z_{α/2} √(p₁(1 − p₁)/n₁ + p₂(1 − p₂)/n₂)``. Checked against statsmodels'
    ``proportions_ztest`` and ``confint_proportions_2indep(method="wald")``.
    """
    for count, n, label in ((defects_baseline, n_baseline, _("baseline")), (
        defects_after, n_after, _("after period"))):  # fmt: skip
        if n <= 0:
            raise InputError(_("The {period} has no opportunities.", period=label))
        if not 0 <= count <= n:
            raise InputError(
                _(
                    "The {period} has {count} defects in {n} opportunities.",
                    period=label,
                    count=count,
                    n=n,
                )
            )
    p1, p2 = defects_baseline / n_baseline, defects_after / n_after
    pooled = (defects_baseline + defects_after) / (n_baseline + n_after)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n_baseline + 1 / n_after))
    diff = p2 - p1
    z = diff / se0 if se0 > 0 else 0.0
    p = float(2 * normal_cdf(np.array(-abs(z)))) if se0 > 0 else 1.0
    se = math.sqrt(p1 * (1 - p1) / n_baseline + p2 * (1 - p2) / n_after)
    h = _z(alpha) * se
    return Effect(
        "two_proportion", p1, p2, diff, diff - h, diff + h, z, p, alpha,
        n_baseline, n_after, lower_is_better,
    )  # fmt: skip


def welch_means(
    baseline: npt.ArrayLike,
    after: npt.ArrayLike,
    *,
    alpha: float = 0.05,
    lower_is_better: bool = True,
) -> Effect:
    """Means compared with Welch's unequal-variance t test (checked against scipy/statsmodels)."""
    a = np.asarray(baseline, dtype=float)
    b = np.asarray(after, dtype=float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        raise InputError(
            _("Welch's test needs at least 2 values in each period (got {a} and {b}).", a=len(a),
              b=len(b))
        )  # fmt: skip
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    diff = float(b.mean() - a.mean())
    if se == 0:
        t, p, h = 0.0, 1.0, 0.0
    else:
        from scipy import special  # Welch's df is fractional: scipy's t (0.2 s to import)

        df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
        t = diff / se
        p = float(2 * special.stdtr(df, -abs(t)))
        h = float(-special.stdtrit(df, alpha / 2)) * se
    return Effect(
        "welch", float(a.mean()), float(b.mean()), diff, diff - h, diff + h, t, p, alpha,
        len(a), len(b), lower_is_better,
    )  # fmt: skip


def poisson_rates(
    count_baseline: int,
    exposure_baseline: float,
    count_after: int,
    exposure_after: float,
    *,
    alpha: float = 0.05,
    lower_is_better: bool = True,
) -> Effect:
    """Two Poisson rates (defects per unit of exposure) with the exact conditional test.

    Notes
    -----
    Given the total ``c₁ + c₂``, under equal rates ``c₂ ~ Binomial(c₁ + c₂, t₂/(t₁ + t₂))``;
    the two-sided p-value is scipy's ``binomtest``. The interval for ``r₂ − r₁`` is Wald's:
    ``± z_{α/2} √(c₁/t₁² + c₂/t₂²)``. Checked against statsmodels' ``test_poisson_2indep
    (method="exact-cond")`` and ``confint_poisson_2indep(method="wald", compare="diff")``.
    """
    if exposure_baseline <= 0 or exposure_after <= 0:
        raise InputError(_("Both periods need an exposure above 0."))
    if count_baseline < 0 or count_after < 0:
        raise InputError(_("Counts cannot be negative."))
    r1, r2 = count_baseline / exposure_baseline, count_after / exposure_after
    total = int(count_baseline + count_after)
    share = exposure_after / (exposure_baseline + exposure_after)
    from scipy.stats import binomtest

    p = float(binomtest(int(count_after), total, share).pvalue) if total else 1.0
    se = math.sqrt(count_baseline / exposure_baseline**2 + count_after / exposure_after**2)
    diff = r2 - r1
    h = _z(alpha) * se
    stat = diff / se if se > 0 else 0.0
    return Effect(
        "poisson", r1, r2, diff, diff - h, diff + h, stat, p, alpha,
        exposure_baseline, exposure_after, lower_is_better,
    )  # fmt: skip
