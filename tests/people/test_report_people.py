"""The report's "people and customers" section shows what `cxm people linkage --json`
prints, on the demo company with its two employee waves and built-in link."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cxm.demo import STEPS, run_demo
from cxm.reports import build_report
from cxm.store import Store

STEPS_NEEDED = tuple(
    s for s in STEPS if s.name in ("company", "organisation", "survey_waves", "people")
)


@pytest.mark.slow  # several seconds: in `make test`, not `make test-fast`
def test_people_section_equals_the_cli_json(store: Store, cxm: Any) -> None:
    empty = build_report(store, sections=("people",)).section("people")
    assert empty.unavailable == "No employee survey wave yet."
    run_demo(store, customers=2000, seed=3, steps=STEPS_NEEDED)
    section = build_report(store, sections=("people",)).section("people")
    assert not section.unavailable
    printed = cxm("people", "linkage", "--json")
    assert printed.exit_code == 0, printed.stderr
    assert section.data == json.loads(printed.stdout)
    assert [d.text for d in section.decisions] == [
        link["conclusion"] for link in section.data["links"]
    ] + [section.data["path_model"]["conclusion"]]
    # Six teams shown in this small demo: the path model says it needs 39 and why.
    chain = section.data["path_model"]
    assert not chain["estimated"] and chain["minimum_teams"] == 39
    assert "inverse square root" in chain["reason"]
    csat = section.data["links"][0]
    assert csat["outcome"] == "csat" and csat["pearson"]["r"] > 0.2
    assert section.tables[0].rows[0][1] == f"{csat['pearson']['r']:.2f}"
