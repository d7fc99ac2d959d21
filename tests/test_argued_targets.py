"""Argued targets: where marginal value meets marginal cost, never below the floor, and
moving the right way when cost to serve or CLV change."""

from __future__ import annotations

import pandas as pd
import pytest

from cxm.analytics.argued_targets import argued_targets
from cxm.errors import InputError


def _curve(segment: str, scale: float = 1.0) -> pd.DataFrame:
    # cost = 0.02·s² (per customer-year) at three service levels: marginal cost 0.04·s
    scores = [60.0, 75.0, 90.0]
    return pd.DataFrame(
        {
            "segment": segment,
            "service_level": ["basic", "standard", "premium"],
            "cost_per_customer_year": [scale * 0.02 * s * s for s in scores],
            "expected_score": scores,
        }
    )


def _econ(clv: float, segment: str = "gold") -> pd.DataFrame:
    return pd.DataFrame({"segment": [segment], "clv": [clv], "retention_per_point": [0.002]})


def test_target_is_where_marginal_value_meets_marginal_cost() -> None:
    out = argued_targets(_curve("gold"), _econ(1600.0), floor=50.0).iloc[0]
    # MV = 0.002 × 1600 = 3.2 per point; 0.04·s = 3.2 → s = 80
    assert out["marginal_value"] == pytest.approx(3.2)
    assert out["target"] == pytest.approx(80.0)
    assert out["marginal_cost_at_target"] == pytest.approx(3.2)
    assert out["service_level"] == "premium" and not out["floor_binding"]
    assert "80.00" in out["rule"]


def test_higher_cost_to_serve_lowers_the_target_and_higher_clv_raises_it() -> None:
    base = argued_targets(_curve("gold"), _econ(1600.0), floor=0.0)["target"].iloc[0]
    dearer = argued_targets(_curve("gold", 1.25), _econ(1600.0), floor=0.0)["target"].iloc[0]
    richer = argued_targets(_curve("gold"), _econ(1800.0), floor=0.0)["target"].iloc[0]
    assert dearer < base < richer
    assert dearer == pytest.approx(64.0) and richer == pytest.approx(90.0)


def test_the_floor_holds_for_low_value_segments() -> None:
    out = argued_targets(_curve("basic"), _econ(100.0, "basic"), floor=70.0).iloc[0]
    assert out["optimum"] == pytest.approx(60.0)  # MV 0.2 < marginal cost anywhere: lowest
    assert out["target"] == 70.0 and out["floor_binding"]
    assert "floor" in out["rule"]


def test_fewer_than_three_curve_points_are_refused() -> None:
    with pytest.raises(InputError, match="Segment gold has 2 cost-curve points"):
        argued_targets(_curve("gold").iloc[:2], _econ(1600.0), floor=0.0)


def test_targets_propose_argued_uses_the_measured_link(cxm, store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from tests.management_factories import surveyed_company

    surveyed_company(store)
    curve = tmp_path / "curve.csv"
    rows = ["segment,service_level,cost_per_customer_year,expected_score"]
    for seg in ("north", "south"):
        rows += [f"{seg},basic,5,50", f"{seg},standard,20,70", f"{seg},premium,60,90"]
    curve.write_text("\n".join(rows) + "\n", encoding="utf-8")
    r = cxm(
        "targets", "propose", "regions", "--kpi", "score100", "--rule", "argued",
        "--curve", str(curve), "--item", "OVERALL", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    got = {p["segment"]: p for p in doc["proposals"]}
    assert doc["retention_per_point"] > 0
    # north customers are worth four times as much: their argued target is at least as high
    assert got["north"]["target"] >= got["south"]["target"] >= doc["floor"]
    assert got["north"]["marginal_value"] > got["south"]["marginal_value"]
    # without --curve the curve is fitted from the segments' measured pairs: two segments
    # without service levels give none, and the refusal says what to supply
    r = cxm(
        "targets", "propose", "regions", "--kpi", "score100", "--rule", "argued",
        "--item", "OVERALL",
    )  # fmt: skip
    assert r.exit_code == 1 and "at least 3 measured pairs" in r.stderr
    assert "--curve" in r.stderr
