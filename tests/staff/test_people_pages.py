"""``/staff/people``: who sees what — agents only their own scorecard, leads their teams
and their people, analysts team scorecards but no employee results, whole-company readers
the survey's cuts and the linkage, money only for those who may see it (SQLite and
PostgreSQL), in Chinese and English."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cxm.clock import today
from cxm.org.models import Employee
from cxm.people.surveys import answer, create_wave
from cxm.store import Store
from tests.org_factories import build_org
from tests.people.factories import rate
from tests.staff.conftest import login

RATINGS = ("JS_OVERALL", "JS_RECOGNITION", "EG_ENERGY", "EG_PRIDE", "EB_TOOLS", "EB_TRAINING",
           "EB_AUTHORITY", "IS_STAY")  # fmt: skip


@pytest.fixture
def people(store: Store, tmp_path: Any, password_hash: str) -> dict[str, int]:
    org = build_org(store, tmp_path, password_hash)
    when = datetime.combine(today() - timedelta(days=5), datetime.min.time(), tzinfo=UTC)
    with store.session() as s:
        staff = {e.external_id: e.id for e in s.scalars(select(Employee))}
        n = 0
        for external, team, score in (
            ("E2", "north", 4.0),
            ("E3", "sibling", 2.0),
            ("E5", "north-a", 5.0),
        ):
            for k in range(3):
                n += 1
                rate(s, n=n, team_id=org.teams[team], employee_id=staff[external],
                     when=when + timedelta(hours=k), score=score)  # fmt: skip
        _wave, links = create_wave(
            s,
            name="2026 冬季",
            opens_on=today() - timedelta(days=10),
            closes_on=today() + timedelta(days=10),
            attributes=["tenure"],
        )
    with store.session() as s:
        for link in links:
            answer(
                s,
                token=link.token,
                answers={**dict.fromkeys(RATINGS, 4), "ENPS": 9},
                today=today() - timedelta(days=1),
            )
    return org.teams


def _page(client: Any, name: str, query: str = "") -> Any:
    """The page once its figures are made (on a busy machine they may take longer than the
    page waits for them; then it says so and comes back, as a browser does)."""
    from cxm.store.kept import wait_all

    assert login(client, name).status_code in (200, 303)
    page = client.get("/staff/people" + query)
    if 'id="figures-pending"' in page.text:
        assert 'http-equiv="refresh"' in page.text
        wait_all()
        page = client.get("/staff/people" + query)
    return page


def test_an_agent_sees_only_their_own_scorecard(client: Any, people: dict[str, int]) -> None:
    page = _page(client, "carol", "?lang=zh-CN")
    assert page.status_code == 200, page.text
    assert "我的计分卡" in page.text and "E2" in page.text
    assert 'id="team-scorecards"' not in page.text and "E3" not in page.text
    assert 'id="employee-index"' not in page.text and "sibling" not in page.text


def test_a_lead_sees_their_teams_and_people(client: Any, people: dict[str, int]) -> None:
    page = _page(client, "bob")
    assert page.status_code == 200, page.text
    assert 'id="team-scorecards"' in page.text and 'id="employee-scorecards"' in page.text
    teams_table = page.text.split('id="team-scorecards"')[1].split("</table>")[0]
    assert "north-a" in teams_table and "sibling" not in teams_table and "south" not in teams_table
    people_table = page.text.split('id="employee-scorecards"')[1].split("</table>")[0]
    assert "E2" in people_table and "E5" in people_table and "E3" not in people_table
    # Six answered in all: every team below five is withheld, the company is not the lead's.
    assert 'id="employee-index"' in page.text and "withheld" in page.text
    assert 'id="linkage"' not in page.text


def test_an_analyst_sees_teams_but_no_employee_results(client: Any, people: dict[str, int]) -> None:
    page = _page(client, "frank")
    assert page.status_code == 200
    assert 'id="team-scorecards"' in page.text
    assert 'id="employee-scorecards"' not in page.text and 'id="employee-index"' not in page.text


def test_an_admin_sees_the_cuts_and_the_linkage(client: Any, people: dict[str, int]) -> None:
    page = _page(client, "alice")
    assert page.status_code == 200
    assert "By tenure" in page.text and "Compute the linkage" in page.text
    linked = client.get("/staff/people?linkage=true")
    assert linked.status_code == 200
    # Six answers in all: every team is withheld, so there is nothing to link — said so.
    assert "No team&#39;s employee result is shown yet." in linked.text


def test_a_shopper_is_refused_and_bad_dates_are_explained(
    client: Any, people: dict[str, int]
) -> None:
    assert _page(client, "hank").status_code == 403
    client.post("/staff/logout")
    bad = _page(client, "alice", "?since=2026-13-01")
    assert bad.status_code in (400, 422) and "is not a date" in bad.text
    reversed_ = client.get(f"/staff/people?since={date(2026, 5, 1)}&until={date(2026, 4, 1)}")
    assert reversed_.status_code in (400, 422)


def test_the_figures_are_kept_until_an_answer_arrives(
    client: Any, store: Store, people: dict[str, int]
) -> None:
    from cxm.people.kept import FIGURES

    FIGURES.clear()
    page = _page(client, "alice", "?lang=en")
    assert 'id="figures-as-of"' in page.text and "Newer data" not in page.text
    (kept,) = FIGURES._kept.values()
    assert client.get("/staff/people?lang=en").status_code == 200
    assert list(FIGURES._kept.values()) == [kept]  # the very figures, not computed again
    with store.session() as s:
        staff = {e.external_id: e.id for e in s.scalars(select(Employee))}
        when = datetime.combine(today() - timedelta(days=2), datetime.min.time(), tzinfo=UTC)
        rate(s, n=99, team_id=people["north"], employee_id=staff["E2"], when=when, score=1.0)
    stale = client.get("/staff/people?lang=en")
    assert "Newer data are being analysed" in stale.text  # the kept ones, said so
    key = next(iter(FIGURES._kept))
    FIGURES.wait(key)
    (fresh,) = FIGURES._kept.values()
    assert fresh is not kept and fresh.computed_at >= kept.computed_at
    assert "Newer data" not in client.get("/staff/people?lang=en").text
