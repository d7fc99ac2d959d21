"""Attribute cuts of employee results (tenure, role) next to the team tree: primary and
complementary suppression over a family of groups that do not nest.

The audit is independent of :func:`cxm.people.anonymity.suppress_cuts` (which solves an
integer programme): it enumerates every union of non-empty atoms (team × bands) with
1 … k−1 people and tests whether its indicator lies in the row space of the published
groups by least squares (``pinv``) — every difference of two cuts, of a cut and a team,
and every other linear combination."""

from __future__ import annotations

from collections import Counter
from datetime import date
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxm.errors import InputError
from cxm.people.anonymity import Suppressed, suppress, suppress_cuts
from cxm.people.surveys import answer, attribute_cuts, create_wave, open_link
from cxm.store import Store
from tests.people.factories import build_people


def _recoverable(
    groups: dict[object, frozenset[int]], published: frozenset[object], w: list[int], k: int
) -> list[tuple[int, ...]]:
    atoms = [a for a in range(len(w)) if w[a] > 0]
    keys = sorted(published, key=str)
    if not keys:
        return []
    m = np.array([[1.0 if a in groups[g] else 0.0 for a in atoms] for g in keys])
    projector = np.linalg.pinv(m) @ m
    small = [i for i, a in enumerate(atoms) if w[a] < k]
    found = []
    for r in range(1, k):
        for subset in combinations(small, r):
            if not 0 < sum(w[atoms[i]] for i in subset) < k:
                continue
            v = np.zeros(len(atoms))
            v[list(subset)] = 1.0
            if np.allclose(v @ projector, v, atol=1e-8):
                found.append(tuple(atoms[i] for i in subset))
    return found


def _family(
    parents: dict[int, int | None], people: list[tuple[int, str, str]], k: int
) -> tuple[dict[object, frozenset[int]], list[int], list[object]]:
    """Teams (after the tree's own suppression) and, at every published team, its cuts by
    two attributes — what the wave's pages can show."""
    cells = Counter(people)
    atoms = sorted(cells)
    w = [cells[a] for a in atoms]
    direct = Counter(p[0] for p in people)
    tree = suppress(parents, direct, minimum=k)
    below: dict[int, set[int]] = {n: {n} for n in parents}
    for n in parents:
        up = parents[n]
        while up is not None:
            below[up].add(n)
            up = parents[up]
    groups: dict[object, frozenset[int]] = {}
    for t in tree.published:
        inside = [i for i, a in enumerate(atoms) if a[0] in below[t]]
        groups[("team", t)] = frozenset(inside)
        for i in inside:
            for j, attribute in ((1, "tenure"), (2, "role")):
                key = ("cut", t, attribute, atoms[i][j])
                groups[key] = groups.get(key, frozenset()) | {i}
    return groups, w, [("team", t) for t in tree.published]


def test_two_bands_differenced_with_the_team_total_are_protected() -> None:
    # One team of 12: tenure <1y 6, 1-3y 4, 5y+ 2 → the 4 and the 2 are primary; publishing
    # the 6 next to the team's 12 would reveal the 4+2 = 6 … which is ≥ 5, so it stays.
    people = [(1, "<1y", "agent")] * 6 + [(1, "1-3y", "agent")] * 4 + [(1, "5y+", "agent")] * 2
    groups, w, fixed = _family({0: None, 1: 0}, people, 5)
    plan = suppress_cuts(groups, w, fixed=fixed, minimum=5)
    assert plan.withheld[("cut", 1, "tenure", "1-3y")] is Suppressed.SMALL
    assert plan.withheld[("cut", 1, "tenure", "5y+")] is Suppressed.SMALL
    assert plan.shows(("cut", 1, "tenure", "<1y"))
    assert _recoverable(groups, plan.published, w, 5) == []


def test_complement_of_one_small_band_is_withheld() -> None:
    # 10 people: 7 agents and 3 leads. The leads' cell is small; publishing the agents'
    # cell beside the team's total gives the leads by subtraction, so it goes too.
    people = [(1, "<1y", "agent")] * 7 + [(1, "<1y", "lead")] * 3
    groups, w, fixed = _family({0: None, 1: 0}, people, 5)
    plan = suppress_cuts(groups, w, fixed=fixed, minimum=5)
    assert plan.withheld[("cut", 1, "role", "lead")] is Suppressed.SMALL
    assert plan.withheld[("cut", 1, "role", "agent")] is Suppressed.COMPLEMENTARY
    assert _recoverable(groups, plan.published, w, 5) == []


def test_the_audit_is_not_vacuous() -> None:
    """Without complementary suppression the audit finds the subtraction."""
    people = [(1, "<1y", "agent")] * 7 + [(1, "<1y", "lead")] * 3
    groups, w, _fixed = _family({0: None, 1: 0}, people, 5)
    naive = frozenset(g for g, atoms in groups.items() if sum(w[a] for a in atoms) >= 5)
    assert _recoverable(groups, naive, w, 5) != []


def test_a_cut_of_a_parent_minus_a_cut_of_its_child() -> None:
    """Branch 1 (team 1) has sub-teams 2 and 3; the branch's 'agent' cut minus team 2's
    and team 3's 'agent' cuts would give the branch's own direct agents (2 people)."""
    parents: dict[int, int | None] = {0: None, 1: 0, 2: 1, 3: 1}
    people = (
        [(1, "<1y", "agent")] * 2
        + [(1, "<1y", "lead")] * 6
        + [(2, "<1y", "agent")] * 6
        + [(3, "1-3y", "agent")] * 7
    )
    groups, w, fixed = _family(parents, people, 5)
    plan = suppress_cuts(groups, w, fixed=fixed, minimum=5)
    assert _recoverable(groups, plan.published, w, 5) == []
    naive = frozenset(g for g, atoms in groups.items() if sum(w[a] for a in atoms) >= 5)
    assert _recoverable(groups, naive, w, 5) != []


@st.composite
def _organisations(
    draw: st.DrawFn,
) -> tuple[dict[int, int | None], list[tuple[int, str, str]], int]:
    n = draw(st.integers(2, 6))
    parents: dict[int, int | None] = {0: None}
    for node in range(1, n):
        parents[node] = draw(st.integers(0, node - 1))
    people = draw(
        st.lists(
            st.tuples(
                st.integers(1, n - 1),
                st.sampled_from(["<1y", "1-3y", "5y+"]),
                st.sampled_from(["agent", "lead"]),
            ),
            min_size=3,
            max_size=40,
        )
    )
    k = draw(st.integers(3, 6))
    return parents, people, k


@settings(max_examples=120, deadline=None)
@given(_organisations())
def test_no_published_cut_reveals_a_small_group(
    case: tuple[dict[int, int | None], list[tuple[int, str, str]], int],
) -> None:
    parents, people, k = case
    groups, w, fixed = _family(parents, people, k)
    plan = suppress_cuts(groups, w, fixed=fixed, minimum=k)
    assert all(plan.sizes[g] >= k for g in plan.published)
    assert set(fixed) <= plan.published  # the team tree is never cut back by the cuts
    assert _recoverable(groups, plan.published, w, k) == []


# --------------------------------------------------------------------------- in the store

OPENS, CLOSES = date(2026, 3, 1), date(2026, 3, 31)
RATINGS = (
    "JS_OVERALL",
    "JS_RECOGNITION",
    "EG_ENERGY",
    "EG_PRIDE",
    "EB_TOOLS",
    "EB_TRAINING",
    "EB_AUTHORITY",
    "IS_STAY",
)


def _answers(level: int) -> dict[str, object]:
    return {**dict.fromkeys(RATINGS, level), "ENPS": 8, "COMMENT": "工具不够用"}


def test_cuts_in_the_store_withhold_small_and_complementary_bands(
    store: Store, tmp_path: Path
) -> None:
    build_people(store, tmp_path)  # all hired 2020-01-01 → tenure 5y+ … except none
    with store.session() as s:
        from sqlalchemy import select

        from cxm.org.models import Employee

        people = list(s.scalars(select(Employee).order_by(Employee.id)))
        for i, e in enumerate(people):
            e.job = "组长" if i % 7 == 0 else "客服"  # a few leads among agents, in Chinese
            if i % 3 == 0:
                e.hired_on = date(2025, 9, 1)
        wave, links = create_wave(
            s, name="2026 春", opens_on=OPENS, closes_on=CLOSES, attributes=["tenure", "role"]
        )
        assert wave.attributes == ["tenure", "role"]
    with store.session() as s:
        for i, link in enumerate(links):
            answer(s, token=link.token, answers=_answers(2 + i % 4), today=date(2026, 3, 2))
    with store.session() as s:
        role = attribute_cuts(s, wave="2026 春", attribute="role", minimum=5)
        tenure = attribute_cuts(s, wave="2026 春", attribute="tenure", minimum=5)
    by_band = {c.band: c for c in role.cells}
    assert set(by_band) == {"组长", "客服"}
    leads = sum(1 for i in range(len(links)) if i % 7 == 0)
    assert leads < 5
    assert by_band["组长"].withheld is Suppressed.SMALL and by_band["组长"].index is None
    # The agents' figure beside the company's would give the leads: withheld too.
    assert by_band["客服"].withheld is Suppressed.COMPLEMENTARY
    assert {c.band for c in tenure.cells} == {"<1y", "5y+"}
    assert all(c.respondents is None or c.respondents >= 5 for c in tenure.cells)
    shown = [c for c in tenure.cells if c.shown]
    assert shown and all(c.low is not None and c.low <= c.index <= c.high for c in shown)  # type: ignore[operator]


def test_undeclared_attributes_and_more_than_three_are_refused(
    store: Store, tmp_path: Path
) -> None:
    build_people(store, tmp_path)
    with store.session() as s, pytest.raises(InputError, match="Unknown attribute age"):
        create_wave(s, name="w", opens_on=OPENS, closes_on=CLOSES, attributes=["age"])
    with store.session() as s:
        create_wave(s, name="w", opens_on=OPENS, closes_on=CLOSES, attributes=["tenure"])
    with store.session() as s, pytest.raises(InputError, match="declared no attribute role"):
        attribute_cuts(s, wave="w", attribute="role")


def test_a_team_code_takes_as_many_answers_as_the_team_has_people(
    store: Store, tmp_path: Path
) -> None:
    teams = build_people(store, tmp_path)
    with store.session() as s:
        _wave, codes = create_wave(
            s, name="codes", opens_on=OPENS, closes_on=CLOSES, team_codes=True
        )
    gamma = next(c for c in codes if c.team_id == teams["gamma"])
    assert gamma.employee_id is None and gamma.capacity == 4
    for _ in range(4):
        with store.session() as s:
            assert open_link(s, token=gamma.token, today=OPENS).team_code
            answer(s, token=gamma.token, answers=_answers(4), today=OPENS)
    with store.session() as s, pytest.raises(InputError, match="not valid or has been used"):
        answer(s, token=gamma.token, answers=_answers(4), today=OPENS)
    with store.session() as s:
        from sqlalchemy import func, select

        from cxm.people.models import EmployeeResponse

        assert s.scalar(select(func.count()).select_from(EmployeeResponse)) == 4
        rows = list(s.scalars(select(EmployeeResponse)))
        assert {r.team_id for r in rows} == {teams["gamma"]} and all(not r.attributes for r in rows)
