"""Where to invest and survival by satisfaction level, on a surveyed company in the store
(SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest

from cxm.errors import InputError
from cxm.management.churn import survival
from cxm.management.economics import invest
from cxm.store import Store
from tests.management_factories import surveyed_company

pytestmark = pytest.mark.slow  # each test answers a few hundred surveys through the service


def test_invest_puts_the_strongest_driver_of_the_valuable_segment_first(store: Store) -> None:
    surveyed_company(store)
    with store.session() as s:
        r = invest(
            s, "regions", items=["STAFF", "PRODUCT"], outcome="OVERALL", budget=1000, min_n=1000
        )
    assert r.churn_per_point < 0  # more satisfied customers churn less
    first = r.ranking.iloc[0]
    assert (first["segment"], first["driver"]) == ("north", "STAFF")
    assert r.ranking["budget_amount"].sum() == pytest.approx(1000)
    staff = r.drivers.query("driver == 'STAFF'")["importance"].iloc[0]
    product = r.drivers.query("driver == 'PRODUCT'")["importance"].iloc[0]
    assert staff > product > 0


def test_survival_differs_by_satisfaction_level(store: Store) -> None:
    surveyed_company(store)
    with store.session() as s:
        found = survival(s, by="satisfaction", item="OVERALL")
    levels = found.summary.set_index("group")
    assert set(levels.index) <= {"1", "2", "3", "4", "5"}
    assert levels.loc["1", "S(36)"] < levels.loc["5", "S(36)"]
    assert found.logrank_p < 0.01
    with pytest.raises(InputError, match="No answers to NOPE"), store.session() as s:
        survival(s, by="satisfaction", item="NOPE")


def test_the_invest_command_prints_a_ranking(cxm, store: Store) -> None:  # type: ignore[no-untyped-def]
    surveyed_company(store, n=120)
    r = cxm("invest", "--segments", "regions", "--item", "STAFF", "--item", "PRODUCT", "--json")
    assert r.exit_code == 1 and "No answers to CUSA1" in r.stderr  # default outcome item
    human = cxm("churn", "survival", "--by", "satisfaction", "--item", "OVERALL")
    assert human.exit_code == 0, human.stderr
    assert "Log-rank" in human.stdout
    out = json.loads(cxm("churn", "report", "--segments", "regions", "--json").stdout)
    assert {row["segment"] for row in out["rates"]} == {"north", "south"}
