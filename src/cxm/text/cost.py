"""What a theme costs: how often it comes up, how customers feel about it, and how much
more likely customers who raise it are to be detractors or to leave.

All functions take one row per text with a ``themes`` column of tuples (as
:func:`cxm.text.analysis.Analyzer.analyze` gives) plus the columns named.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pandas as pd

from cxm.errors import InputError
from cxm.i18n import _
from cxm.text.lexicon import FAULTS

__all__ = [
    "DOCUMENT_INDIFFERENCE_SHARE",
    "emerging_themes",
    "fault_share",
    "theme_frequency",
    "theme_lift",
]

#: "Two thirds leave because of indifference": 68 % in the documents' list of why customers
#: stop buying.
DOCUMENT_INDIFFERENCE_SHARE = 0.68


def _has(frame: pd.DataFrame, column: str, value: str) -> pd.Series:
    return frame[column].map(lambda values: value in values).astype(int)


def theme_frequency(
    frame: pd.DataFrame,
    *,
    by: Sequence[str] = (),
    themes: str = "themes",
    sentiment: str = "sentiment",
) -> pd.DataFrame:
    """Per theme (and group): ``texts`` with the theme, ``share`` of the group's texts, and
    ``sentiment`` (mean P(positive) of those texts)."""
    rows = []
    groups = frame.groupby(list(by), dropna=False, sort=True) if by else [((), frame)]
    for key, part in groups:
        keys = key if isinstance(key, tuple) else (key,)
        exploded = part[[themes, sentiment]].explode(themes).dropna(subset=[themes])
        for theme, sub in exploded.groupby(themes, sort=True):
            rows.append(
                {
                    **dict(zip(by, keys, strict=True)),
                    "theme": theme,
                    "texts": len(sub),
                    "share": len(sub) / len(part),
                    "sentiment": float(sub[sentiment].mean()),
                }
            )
    return pd.DataFrame(rows, columns=[*by, "theme", "texts", "share", "sentiment"])


def theme_lift(
    frame: pd.DataFrame,
    *,
    outcome: str,
    segment: str | None = "segment",
    themes: str = "themes",
    min_texts: int = 20,
    level: float = 0.95,
) -> pd.DataFrame:
    """Lift of each theme on a 0/1 ``outcome`` (detractor, churned): the odds ratio of the
    theme in a logistic regression of the outcome on the theme and the segment dummies.

    Columns: ``theme``, ``texts``, ``rate_with`` / ``rate_without`` (raw outcome rates),
    ``odds_ratio`` with ``ci_low``/``ci_high`` (Wald, ``level``), ``p_value``, ``note``.

    Notes
    -----
    logit P(y = 1) = β₀ + β·theme + Σ γ_s·segment_s; OR = exp(β), interval exp(β ± z·SE).
    Without segments this is the 2×2 table's odds ratio ad/bc with Woolf's standard error
    √(1/a + 1/b + 1/c + 1/d), which the tests check it against.
    """
    import statsmodels.api as sm
    from scipy import stats

    if outcome not in frame:
        raise InputError(_("The column {column} is missing.", column=outcome))
    data = frame.dropna(subset=[outcome])
    y = data[outcome].astype(float).to_numpy()
    if not set(np.unique(y)) <= {0.0, 1.0}:
        raise InputError(_("The outcome {column} must be 0 or 1.", column=outcome))
    base = pd.DataFrame(index=data.index)
    if segment:
        base = pd.get_dummies(data[segment].astype(str), prefix="seg", drop_first=True, dtype=float)
    z = stats.norm.ppf(0.5 + level / 2)
    names = sorted({t for ts in data[themes] for t in ts})
    rows = []
    for theme in names:
        has = _has(data, themes, theme).to_numpy()
        row: dict[str, object] = {
            "theme": theme,
            "texts": int(has.sum()),
            "rate_with": float(y[has == 1].mean()) if has.any() else np.nan,
            "rate_without": float(y[has == 0].mean()) if (has == 0).any() else np.nan,
            "odds_ratio": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "p_value": np.nan,
            "note": "",
        }
        if has.sum() < min_texts or (has == 0).sum() < min_texts:
            row["note"] = "too_few"
            rows.append(row)
            continue
        x = sm.add_constant(base.assign(theme=has.astype(float)), has_constant="add")
        try:
            with warnings.catch_warnings():
                # (Quasi-)separation is reported in the row's note, not as a warning.
                warnings.simplefilter("ignore")
                fit = sm.Logit(y, x).fit(disp=0, method="newton", maxiter=100)
        except (np.linalg.LinAlgError, ValueError):
            row["note"] = "separated"
            rows.append(row)
            continue
        beta, se = float(fit.params["theme"]), float(fit.bse["theme"])
        if not fit.mle_retvals.get("converged", True) or not np.isfinite(se) or se > 50:
            row["note"] = "separated"
            rows.append(row)
            continue
        row.update(
            odds_ratio=float(np.exp(beta)),
            ci_low=float(np.exp(beta - z * se)),
            ci_high=float(np.exp(beta + z * se)),
            p_value=float(fit.pvalues["theme"]),
        )
        rows.append(row)
    columns = [
        "theme",
        "texts",
        "rate_with",
        "rate_without",
        "odds_ratio",
        "ci_low",
        "ci_high",
        "p_value",
        "note",
    ]
    if not rows:  # no theme in any text: an empty table, not an error
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(rows).sort_values("odds_ratio", ascending=False, ignore_index=True)


def emerging_themes(
    frame: pd.DataFrame,
    *,
    wave: str = "wave",
    order: Sequence[object] | None = None,
    themes: str = "themes",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Themes whose share of texts rose from one wave to the next beyond chance.

    Two-sided two-proportion z-test per theme and pair of consecutive waves, p-values adjusted
    by Benjamini–Hochberg over all tests; ``emerging`` when the share rose and the adjusted
    p-value is below ``alpha``.
    """
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    waves = list(order) if order is not None else sorted(frame[wave].dropna().unique())
    names = sorted({t for ts in frame[themes] for t in ts})
    rows = []
    for before, after in pairwise(waves):
        a, b = frame[frame[wave] == before], frame[frame[wave] == after]
        if a.empty or b.empty:
            continue
        for theme in names:
            x1, x2 = int(_has(a, themes, theme).sum()), int(_has(b, themes, theme).sum())
            n1, n2 = len(a), len(b)
            pooled = (x1 + x2) / (n1 + n2)
            se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
            zval = (x2 / n2 - x1 / n1) / se if se > 0 else 0.0
            rows.append(
                {
                    "theme": theme,
                    "from_wave": before,
                    "to_wave": after,
                    "share_before": x1 / n1,
                    "share_after": x2 / n2,
                    "p_value": float(2 * stats.norm.sf(abs(zval))),
                }
            )
    out = pd.DataFrame(
        rows, columns=["theme", "from_wave", "to_wave", "share_before", "share_after", "p_value"]
    )
    if out.empty:
        out["p_adjusted"] = []
        out["emerging"] = []
        return out
    out["p_adjusted"] = multipletests(out["p_value"], method="fdr_bh")[1]
    out["emerging"] = (out["share_after"] > out["share_before"]) & (out["p_adjusted"] < alpha)
    return out.sort_values(["emerging", "p_adjusted"], ascending=[False, True], ignore_index=True)


def fault_share(
    frame: pd.DataFrame, *, churned: str = "churned", faults: str = "faults"
) -> pd.DataFrame:
    """Share of each fault among the fault mentions of churned and of retained customers,
    beside the documents' 68 % for indifference.

    Columns: ``fault``, ``churned_share``, ``retained_share``, ``churned_mentions``,
    ``retained_mentions``, ``document_share`` (only for indifference).
    """
    rows = []
    left = frame[frame[churned].astype(bool)]
    stayed = frame[~frame[churned].astype(bool)]
    n_left = sum(len(f) for f in left[faults])
    n_stayed = sum(len(f) for f in stayed[faults])
    for fault in FAULTS:
        a = int(_has(left, faults, fault).sum())
        b = int(_has(stayed, faults, fault).sum())
        rows.append(
            {
                "fault": fault,
                "churned_share": a / n_left if n_left else np.nan,
                "retained_share": b / n_stayed if n_stayed else np.nan,
                "churned_mentions": a,
                "retained_mentions": b,
                "document_share": DOCUMENT_INDIFFERENCE_SHARE
                if fault == "indifference"
                else np.nan,
            }
        )
    return pd.DataFrame(rows)
