"""The churn-cut simulator: numbers by hand, and where "5 % less churn → 25–85 % more
profit" (Reichheld & Sasser 1990) holds and where it does not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxm.analytics.retention import simulate_churn_cut
from cxm.errors import InputError


def _segments() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment": ["loyal", "leaky", "unknown"],
            "customers": [100, 100, 50],
            "margin_per_customer_year": [100.0, 100.0, 10.0],
            "churn_rate": [0.10, 0.40, np.nan],
        }
    )


def test_it_computes_profit_change_by_hand() -> None:
    out = simulate_churn_cut(_segments(), cut=0.05, horizon_years=2, discount=0.0, cost_ratio=5.0)
    row = out.set_index("segment").loc["loyal"]
    # baseline: 100·100·(0.9 + 0.81); scenario: 100·100·(0.95 + 0.9025)
    assert row["baseline_profit"] == pytest.approx(17100.0)
    assert row["scenario_profit"] == pytest.approx(18525.0)
    # customers kept that would have left: 100·0.05 in year 1, 95·0.05 in year 2, at A/5 = 20
    assert row["retention_cost"] == pytest.approx((5 + 4.75) * 20.0)
    assert row["net_change"] == pytest.approx(18525 - 17100 - 195.0)
    assert row["change_pct"] == pytest.approx((18525 - 17100 - 195.0) / 17100)


def test_it_shows_where_the_documents_claim_holds_and_where_not() -> None:
    out = simulate_churn_cut(_segments(), cut=0.05, horizon_years=20, discount=0.05).set_index(
        "segment"
    )
    # Low churn: a 5-point cut nearly doubles the expected lifetime → inside or above the range.
    assert out.loc["loyal", "claim"] in ("holds", "above")
    assert out.loc["loyal", "change_pct"] >= 0.25
    # High churn: 40 % → 35 % adds little → below the claimed range.
    assert out.loc["leaky", "claim"] == "below"
    assert out.loc["unknown", "claim"] == "no data" and np.isnan(out.loc["unknown", "change_pct"])


def test_a_relative_cut_scales_the_churn_rate() -> None:
    out = simulate_churn_cut(_segments(), cut=0.5, relative=True, segment="leaky")
    assert out["new_churn_rate"].tolist() == [pytest.approx(0.2)]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cut": 0.0}, "churn cut"),
        ({"horizon_years": 0}, "horizon"),
        ({"cost_ratio": 0}, "ratio"),
        ({"segment": "nope"}, "No segment named"),
    ],
)
def test_it_rejects_bad_settings(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        simulate_churn_cut(_segments(), **kwargs)  # type: ignore[arg-type]
