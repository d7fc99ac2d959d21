"""Employee turnover per team from hire and leave dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from cxm.errors import InputError
from cxm.people.turnover import team_turnover, turnover_frame
from cxm.store import Store
from tests.people.factories import build_people


def test_turnover_by_hand() -> None:
    employees = pd.DataFrame(
        {
            "team_id": [1, 1, 1, 1, 2],
            "hired_on": [date(2020, 1, 1), date(2025, 6, 1), None, date(2020, 1, 1), None],
            "left_on": [None, None, date(2025, 3, 31), date(2024, 12, 31), date(2025, 1, 1)],
        }
    )
    out = turnover_frame(employees, since=date(2025, 1, 1), until=date(2025, 12, 31))
    one = out[out["team_id"] == 1].iloc[0]
    # On 1 Jan: #0 and #2 (#3 left the day before); on 31 Dec: #0 and #1 → average 2.
    assert (one["start"], one["end"], one["leavers"]) == (2, 2, 1)
    assert one["rate"] == pytest.approx(0.5)
    two = out[out["team_id"] == 2].iloc[0]
    assert (two["start"], two["end"], two["leavers"]) == (1, 0, 1)  # leaves on day one
    assert two["rate"] == pytest.approx(2.0)
    with pytest.raises(InputError, match="ends on 2024-01-01"):
        turnover_frame(employees, since=date(2025, 1, 1), until=date(2024, 1, 1))


def test_team_turnover_from_the_store(store: Store, tmp_path: Path) -> None:
    teams = build_people(store, tmp_path)
    with store.session() as s:
        rows = {
            t.team: t for t in team_turnover(s, since=date(2024, 1, 1), until=date(2026, 12, 31))
        }
    alpha = rows["alpha"]  # 6 in post throughout + GONE left 2024-12-31
    assert (alpha.start, alpha.end, alpha.leavers) == (7, 6, 1)
    assert alpha.rate == pytest.approx(1 / 6.5, abs=1e-4)
    beta = rows["beta"]  # LATE joins in 2026
    assert (beta.start, beta.end, beta.leavers) == (8, 9, 0) and beta.rate == 0
    assert alpha.team_id == teams["alpha"]
