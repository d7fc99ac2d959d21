"""DPMO, yield and the sigma level with the conventional 1.5 shift."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxm.analytics.sigma import dpmo, sigma_level, sigma_table, sigma_to_dpmo
from cxm.errors import InputError


@pytest.mark.parametrize(
    ("dpmo_value", "level"),
    # The six-sigma conversion table (Harry 1988; any Six Sigma handbook's "DPMO to sigma").
    [(3.4, 6.0), (233, 5.0), (6_210, 4.0), (66_807, 3.0), (308_538, 2.0), (691_462, 1.0)],
)
def test_it_matches_the_conversion_table(dpmo_value: float, level: float) -> None:
    assert sigma_level(dpmo_value) == pytest.approx(level, abs=0.01)
    assert sigma_to_dpmo(level) == pytest.approx(dpmo_value, rel=0.01)


def test_zero_defects_is_above_any_measurable_level() -> None:
    assert sigma_level(0.0) == np.inf


def test_dpmo_refuses_defects_above_opportunities() -> None:
    with pytest.raises(InputError, match="cannot exceed"):
        dpmo(11, 10)
    with pytest.raises(InputError, match="more than 0"):
        dpmo(0, 0)
    assert dpmo(1, 4) == 250_000


def test_table_sums_rows_per_group_and_puts_the_worst_first() -> None:
    df = pd.DataFrame(
        {
            "stage": ["order", "order", "delivery", "delivery"],
            "defects": [1, 0, 30, 20],
            "opps": [500, 500, 500, 500],
        }
    )
    t = sigma_table(df, "defects", "opps", by="stage")
    assert list(t["stage"]) == ["delivery", "order"]
    d = t.iloc[0]
    assert d["defects"] == 50 and d["opportunities"] == 1000 and d["units"] == 2
    assert d["dpmo"] == pytest.approx(50_000)
    assert d["yield"] == pytest.approx(0.95)
    assert d["sigma_level"] == pytest.approx(1.6449 + 1.5, abs=1e-4)  # z(0.95) + 1.5
    assert t["share_of_defects"].sum() == pytest.approx(1.0)
    overall = sigma_table(df, "defects", "opps")
    assert len(overall) == 1 and overall["dpmo"].iloc[0] == pytest.approx(51_000 / 2_000 * 1000)


@pytest.mark.parametrize(
    ("defects", "opps", "message"),
    [
        ([1, 5], [4, 4], "Row 2, column defects: 5.0 — defects exceed the opportunities"),
        ([1, 1], [4, 0], "Row 2, column opps: 0.0 — opportunities must be more than 0"),
        ([-1, 1], [4, 4], "Row 1, column defects: -1.0 — defects cannot be negative"),
        (["x", 1], [4, 4], "Row 1, column defects: x is not a number"),
    ],
)
def test_table_names_the_bad_row(defects: list[object], opps: list[int], message: str) -> None:
    with pytest.raises(InputError) as err:
        sigma_table(pd.DataFrame({"defects": defects, "opps": opps}), "defects", "opps")
    assert message in err.value.message


def test_table_names_a_missing_column() -> None:
    with pytest.raises(InputError, match="Column nope is not in the data"):
        sigma_table(pd.DataFrame({"d": [1], "o": [2]}), "nope", "o")
