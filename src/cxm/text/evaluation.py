"""How good a classifier's probabilities are: accuracy, macro-F1 and calibration.

Calibration is the expected calibration error (Naeini, Cooper & Hauskrecht, 2015): the
predictions are put in ten equal-width bins of P(positive); ECE = Σ_b (n_b / n) ·
|mean(y in b) − mean(p in b)|. The Brier score is mean((p − y)²).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["BinaryScores", "binary_scores", "expected_calibration_error"]


def expected_calibration_error(y: np.ndarray, p: np.ndarray, *, bins: int = 10) -> float:
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(y[mask].mean() - p[mask].mean())
    return float(total)


@dataclass(frozen=True, slots=True)
class BinaryScores:
    n: int
    accuracy: float
    macro_f1: float
    ece: float
    brier: float

    def as_dict(self) -> dict[str, float]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def binary_scores(y: Sequence[int] | np.ndarray, p: Sequence[float] | np.ndarray) -> BinaryScores:
    """Scores of P(positive) ``p`` against 0/1 labels ``y`` (threshold 0.5)."""
    from sklearn.metrics import accuracy_score, f1_score

    y_arr = np.asarray(y, dtype=int)
    p_arr = np.asarray(p, dtype=float)
    pred = (p_arr >= 0.5).astype(int)
    return BinaryScores(
        n=len(y_arr),
        accuracy=float(accuracy_score(y_arr, pred)),
        macro_f1=float(f1_score(y_arr, pred, average="macro")),
        ece=expected_calibration_error(y_arr, p_arr),
        brier=float(np.mean((p_arr - y_arr) ** 2)),
    )
