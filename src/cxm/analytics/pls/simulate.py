"""Survey-like data generated from a path model, for demos, tests and benchmarks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxm.analytics.pls.syntax import ModelSpec

__all__ = ["simulate"]


def _topological(spec: ModelSpec) -> list[str]:
    order: list[str] = []
    remaining = list(spec.constructs)
    while remaining:
        for c in remaining:
            if all(a in order for a in spec.antecedents(c)):
                order.append(c)
                remaining.remove(c)
                break
    return order


def simulate(
    spec: ModelSpec,
    n: int,
    *,
    seed: int | None = None,
    path: float = 0.4,
    loading: float = 0.8,
    scale: tuple[int, int] | None = (1, 10),
) -> pd.DataFrame:
    """Draw ``n`` respondents whose answers follow ``spec``.

    Each construct is a standard normal latent variable; an endogenous one is the sum of
    ``path`` × each antecedent plus noise, rescaled to unit variance. Each indicator is
    ``loading`` × its construct plus independent noise (unit variance in total). With a
    ``scale`` the indicators are rounded to integer answers on ``lo..hi`` (mean in the
    upper middle, as satisfaction answers usually are); ``None`` keeps them continuous.
    """
    rng = np.random.default_rng(seed)
    latent: dict[str, np.ndarray] = {}
    for c in _topological(spec):
        ante = spec.antecedents(c)
        value = sum((path * latent[a] for a in ante), rng.standard_normal(n))
        latent[c] = (value - value.mean()) / value.std()
    noise_sd = float(np.sqrt(max(1.0 - loading**2, 1e-6)))
    columns: dict[str, np.ndarray] = {}
    for block in spec.blocks:
        for item in block.indicators:
            x = loading * latent[block.name] + noise_sd * rng.standard_normal(n)
            if scale is not None:
                lo, hi = scale
                mid = lo + 0.65 * (hi - lo)
                x = np.clip(np.rint(mid + x * (hi - lo) / 5.0), lo, hi)
            columns[item] = x
    return pd.DataFrame(columns)
