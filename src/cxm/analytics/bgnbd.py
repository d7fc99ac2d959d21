"""Probabilistic purchase models: BG/NBD (how many more purchases) and Gamma-Gamma (how much
each is worth), fitted by maximum likelihood in numpy/scipy.

Checked against the published CDNOW worked examples: Fader, Hardie & Lee (2005) for BG/NBD
(r = 0.243, α = 4.414, a = 0.793, b = 2.426) and Fader & Hardie (2013) for Gamma-Gamma
(p = 6.25, q = 3.74, γ = 15.44); see ``tests/test_clv.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import pandas as pd
import scipy  # its submodules load on first use: `cxm serve` and `cxm --help` start fast

from cxm.errors import ConvergenceError, InputError
from cxm.i18n import _

__all__ = [
    "BetaGeoFitter",
    "GammaGammaFitter",
    "calibration_holdout",
    "hessian_standard_errors",
    "holdout_by_frequency",
    "rfm_summary",
]


def rfm_summary(
    purchases: pd.DataFrame,
    *,
    as_of: Any,
    customer: str = "customer_id",
    when: str = "purchased_on",
    value: str = "revenue",
    unit_days: float = 7.0,
) -> pd.DataFrame:
    """Per customer the BG/NBD inputs: ``x`` repeat purchases (purchase days after the first),
    ``t_x`` time of the last purchase and ``T`` time observed, both from the first purchase
    in units of ``unit_days``, ``monetary`` = mean value of the repeat purchases (0 when
    none), as in Fader, Hardie & Lee (2005), and ``mean_value`` = mean value of all purchase
    days, the first included (what tells a loss-making customer apart).
    """
    cutoff = pd.Timestamp(as_of)
    df = pd.DataFrame(
        {
            "c": purchases[customer].to_numpy(),
            "d": pd.to_datetime(purchases[when]).dt.normalize().to_numpy(),
            "v": pd.to_numeric(purchases[value], errors="coerce").fillna(0.0).to_numpy(),
        }
    )
    df = df[df["d"] <= cutoff]
    # Purchases on one day count as one transaction (the paper's convention).
    daily = df.groupby(["c", "d"], sort=True)["v"].sum().reset_index()
    g = daily.groupby("c", sort=True)
    first, last, n = g["d"].min(), g["d"].max(), g.size()
    total, first_value = g["v"].sum(), g["v"].first()
    x = (n - 1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(x > 0, (total - first_value) / x, 0.0)
    return pd.DataFrame(
        {
            "customer_id": first.index.to_numpy(),
            "x": x.to_numpy(),
            "t_x": ((last - first).dt.days / unit_days).to_numpy(),
            "T": ((cutoff - first).dt.days / unit_days).to_numpy(),
            "monetary": monetary,
            "mean_value": (total / n).to_numpy(),
        }
    )


def calibration_holdout(
    purchases: pd.DataFrame,
    *,
    calibration_end: Any,
    holdout_end: Any,
    customer: str = "customer_id",
    when: str = "purchased_on",
    value: str = "revenue",
    unit_days: float = 7.0,
) -> pd.DataFrame:
    """:func:`rfm_summary` as of ``calibration_end`` plus ``x_holdout``, the purchase days of
    each customer in ``(calibration_end, holdout_end]``, and ``holdout_t``, that period's
    length in ``unit_days``: the split Fader, Hardie & Lee (2005) test the model on."""
    cal_end, hold_end = pd.Timestamp(calibration_end), pd.Timestamp(holdout_end)
    if hold_end <= cal_end:
        raise InputError(
            _(
                "The holdout must end after the calibration: {cal} then {hold}.",
                cal=cal_end.date(),
                hold=hold_end.date(),
            )
        )
    summary = rfm_summary(
        purchases,
        as_of=cal_end,
        customer=customer,
        when=when,
        value=value,
        unit_days=unit_days,
    )
    days = pd.to_datetime(purchases[when]).dt.normalize()
    later = purchases.loc[(days > cal_end) & (days <= hold_end), customer]
    later_days = days[later.index]
    counts = pd.DataFrame({"c": later.to_numpy(), "d": later_days.to_numpy()}).drop_duplicates()
    per = counts.groupby("c").size()
    summary["x_holdout"] = summary["customer_id"].map(per).fillna(0).astype(float).to_numpy()
    summary["holdout_t"] = (hold_end - cal_end).days / unit_days
    return summary


def hessian_standard_errors(nll: Any, estimate: np.ndarray, *, step: float = 1e-4) -> np.ndarray:
    """Standard errors of a maximum-likelihood ``estimate``: the square roots of the diagonal
    of the inverse Hessian of the negative log-likelihood ``nll`` at the estimate (observed
    information), the Hessian by central differences with relative steps ``step``.

    NaN where the Hessian is not positive definite (the estimate is not a proper maximum),
    or not finite: an estimate on the edge of the parameter space, where a step leaves it
    and the likelihood there is zero (the negative log-likelihood overflows).
    """
    theta = np.asarray(estimate, dtype=float)
    k = len(theta)
    h = step * np.maximum(np.abs(theta), 1e-3)
    hess = np.empty((k, k))
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(k):
            for j in range(i, k):
                ei, ej = np.zeros(k), np.zeros(k)
                ei[i], ej[j] = h[i], h[j]
                f = (
                    nll(theta + ei + ej)
                    - nll(theta + ei - ej)
                    - nll(theta - ei + ej)
                    + nll(theta - ei - ej)
                )
                hess[i, j] = hess[j, i] = f / (4 * h[i] * h[j])
    if not np.isfinite(hess).all():
        return np.full(k, np.nan)
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return np.full(k, np.nan)
    diag = np.diag(cov)
    return np.where(diag > 0, np.sqrt(np.abs(diag)), np.nan)


def holdout_by_frequency(
    fitter: BetaGeoFitter, summary: pd.DataFrame, *, cap: int = 7
) -> pd.DataFrame:
    """Predicted against actual holdout purchases per calibration frequency ``0 … cap+``:
    the conditional-expectation check of Fader, Hardie & Lee (2005, Figure 4).

    ``summary`` comes from :func:`calibration_holdout`. Columns: ``frequency`` (``"7+"`` for
    the last group), ``customers``, ``actual`` (mean holdout purchases), ``predicted`` (mean
    ``E[Y(t) | x, t_x, T]``, eq. 10) and ``difference``.
    """
    x, t_x, T = (summary[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    t = summary["holdout_t"].to_numpy(dtype=float)
    predicted = fitter.expected_purchases(t, x, t_x, T)
    group = np.minimum(x, cap).astype(int)
    frame = pd.DataFrame({"g": group, "actual": summary["x_holdout"], "predicted": predicted})
    out = (
        frame.groupby("g")
        .agg(
            customers=("actual", "size"),
            actual=("actual", "mean"),
            predicted=("predicted", "mean"),
        )
        .reindex(range(cap + 1))
        .reset_index(names="g")
    )
    out["customers"] = out["customers"].fillna(0).astype(int)
    out.insert(0, "frequency", [str(g) if g < cap else f"{cap}+" for g in out["g"]])
    out["difference"] = out["predicted"] - out["actual"]
    return out.drop(columns="g")


def _check(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:
    bad = (x < 0) | (t_x < 0) | (t_x > T + 1e-9) | ((x == 0) & (t_x > 0)) | np.isnan(x + t_x + T)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            _(
                "Row {row}: need 0 ≤ t_x ≤ T and t_x = 0 when x = 0; got x={x}, t_x={t_x}, T={T}.",
                row=i + 1,
                x=x[i],
                t_x=t_x[i],
                T=T[i],
            )
        )


def _fit(nll: Any, start: np.ndarray, what: str) -> tuple[np.ndarray, float]:
    res = scipy.optimize.minimize(nll, np.log(start), method="L-BFGS-B")
    res = scipy.optimize.minimize(
        nll, res.x, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 8000}
    )
    if not res.success or not np.isfinite(res.fun):
        raise ConvergenceError(
            _(
                "The {model} model did not converge ({reason}); try more customers or a longer "
                "purchase history.",
                model=what,
                reason=res.message,
            )
        )
    return np.exp(res.x), float(res.fun)


@dataclass(frozen=True)
class _BGParams:
    r: float
    alpha: float
    a: float
    b: float


class BetaGeoFitter:
    """BG/NBD model of repeat buying (Fader, Hardie & Lee 2005, *Marketing Science* 24:275).

    While alive a customer buys at Poisson rate λ ~ Gamma(r, α); after each purchase they
    drop out with probability p ~ Beta(a, b). Individual log-likelihood (their eq. 6):

    ``ln L = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
    + ln[(α+T)^{−(r+x)} + δ_{x>0} a/(b+x−1) (α+t_x)^{−(r+x)}]``.

    Attributes after :meth:`fit`: ``params_`` (dict r, alpha, a, b), ``log_likelihood_``,
    ``summary``.
    """

    def __init__(self, *, start: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)):
        self.start = start

    @staticmethod
    def _ll(p: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, a, b = p
        ln_a1 = scipy.special.gammaln(r + x) - scipy.special.gammaln(r) + r * np.log(alpha)
        ln_a2 = scipy.special.betaln(a, b + x) - scipy.special.betaln(a, b)
        ln_a3 = -(r + x) * np.log(alpha + T)
        with np.errstate(divide="ignore", invalid="ignore"):
            ln_a4 = np.where(
                x > 0,
                np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
                -np.inf,
            )
        return np.asarray(ln_a1 + ln_a2 + np.logaddexp(ln_a3, ln_a4))

    def fit(self, x: Any, t_x: Any, T: Any) -> Self:
        xa, ta, Ta = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        _check(xa, ta, Ta)
        if len(xa) < 10 or not (xa > 0).any():
            raise InputError(_("BG/NBD needs at least 10 customers, some with repeat purchases."))

        def nll(lp: np.ndarray) -> float:
            v = -float(self._ll(np.exp(lp), xa, ta, Ta).sum())
            return v if np.isfinite(v) else 1e300

        est, fun = _fit(nll, np.asarray(self.start, dtype=float), "BG/NBD")
        self._p = _BGParams(*est)
        self.params_ = {"r": est[0], "alpha": est[1], "a": est[2], "b": est[3]}
        self.log_likelihood_ = -fun
        self.n_ = len(xa)
        se = hessian_standard_errors(
            lambda p: -float(self._ll(p, xa, ta, Ta).sum()) if (p > 0).all() else 1e300, est
        )
        self.standard_errors_ = dict(zip(self.params_, se.tolist(), strict=True))
        return self

    @property
    def summary(self) -> pd.DataFrame:
        """Estimates with their standard errors (inverse of the observed information)."""
        return pd.DataFrame({"estimate": self.params_, "se": self.standard_errors_}).rename_axis(
            "parameter"
        )

    def print_summary(self) -> None:
        print(self.summary.to_string())  # noqa: T201

    def expected_purchases(self, t: Any, x: Any, t_x: Any, T: Any) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: expected purchases in the next ``t`` (FHL 2005, eq. 10)."""
        p = self._p
        r, alpha, a, b = p.r, p.alpha, p.a, p.b
        t, x, t_x, T = (np.asarray(v, dtype=float) for v in (t, x, t_x, T))
        z = t / (alpha + T + t)
        hyp = scipy.special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        num = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
        return np.asarray(num / self._odds(x, t_x, T))

    def _odds(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        p = self._p
        with np.errstate(divide="ignore", invalid="ignore"):
            extra = (p.a / (p.b + x - 1)) * ((p.alpha + T) / (p.alpha + t_x)) ** (p.r + x)
        return np.asarray(1 + np.where(x > 0, extra, 0.0))

    def probability_alive(self, x: Any, t_x: Any, T: Any) -> np.ndarray:
        """P(alive | x, t_x, T) = 1 / (1 + δ_{x>0} a/(b+x−1) ((α+T)/(α+t_x))^{r+x})."""
        xa, ta, Ta = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        return 1.0 / self._odds(xa, ta, Ta)


class GammaGammaFitter:
    """Gamma-Gamma model of the value per transaction (Fader & Hardie 2013, "The Gamma-Gamma
    Model of Monetary Value"; Colombo & Jiang 1999).

    Each transaction value ~ Gamma(p, ν), ν ~ Gamma(q, γ). For a customer with ``x`` repeat
    transactions of mean ``m̄``:

    ``ln f = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m̄ + px ln x − (px+q) ln(γ+x m̄)``

    and ``E[M | x, m̄] = p(γ + x m̄) / (px + q − 1)``. Fit on customers with ``x ≥ 1``.
    """

    def __init__(self, *, start: tuple[float, float, float] = (1.0, 1.0, 1.0)):
        self.start = start

    def fit(self, x: Any, monetary: Any) -> Self:
        xa = np.asarray(x, dtype=float)
        ma = np.asarray(monetary, dtype=float)
        keep = xa > 0
        if (ma[keep] <= 0).any():
            i = int(np.flatnonzero(keep & (ma <= 0))[0])
            raise InputError(
                _(
                    "Row {row}: mean transaction value must be positive, got {value}.",
                    row=i + 1,
                    value=ma[i],
                )
            )
        xa, ma = xa[keep], ma[keep]
        if len(xa) < 10:
            raise InputError(_("Gamma-Gamma needs at least 10 customers with repeat purchases."))

        def nll(lp: np.ndarray) -> float:
            p, q, g = np.exp(lp)
            px = p * xa
            ll = (
                scipy.special.gammaln(px + q)
                - scipy.special.gammaln(px)
                - scipy.special.gammaln(q)
                + q * np.log(g)
                + (px - 1) * np.log(ma)
                + px * np.log(xa)
                - (px + q) * np.log(g + xa * ma)
            )
            v = -float(ll.sum())
            return v if np.isfinite(v) else 1e300

        est, fun = _fit(nll, np.asarray(self.start, dtype=float), "Gamma-Gamma")
        self.params_ = {"p": est[0], "q": est[1], "gamma": est[2]}
        self.log_likelihood_ = -fun
        self.n_ = len(xa)
        if est[1] <= 1:
            raise ConvergenceError(
                _("Gamma-Gamma estimate q ≤ 1: mean spend is not finite; check outliers.")
            )
        return self

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"estimate": self.params_}).rename_axis("parameter")

    def print_summary(self) -> None:
        print(self.summary.to_string())  # noqa: T201

    def expected_value(self, x: Any, monetary: Any) -> np.ndarray:
        """E[M | x, m̄] = p(γ + x m̄)/(px + q − 1); the population mean pγ/(q−1) when x = 0."""
        p, q, g = self.params_["p"], self.params_["q"], self.params_["gamma"]
        xa = np.asarray(x, dtype=float)
        ma = np.asarray(monetary, dtype=float)
        return np.asarray(p * (g + xa * ma) / (p * xa + q - 1))
