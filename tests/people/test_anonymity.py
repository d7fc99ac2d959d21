"""Suppression of small employee groups, audited by an independent linear-algebra check:
no subset of people below the minimum lies in the span of the published groups (which
covers every difference of two published groups and every other linear combination)."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxm.errors import InputError
from cxm.people.anonymity import (
    Suppressed,
    employee_min_group,
    revealed_blocks,
    subtree_sizes,
    suppress,
)


def _indicator(
    parents: dict[int, int | None], published: frozenset[int], atoms: list[int]
) -> np.ndarray:
    """Rows: published groups; columns: atoms (a group's direct members); 1 if the atom
    lies in the group's subtree."""

    def under(node: int, group: int) -> bool:
        up: int | None = node
        while up is not None:
            if up == group:
                return True
            up = parents[up]
        return False

    return np.array(
        [[1.0 if under(a, g) else 0.0 for a in atoms] for g in sorted(published)]
    ).reshape(len(published), len(atoms))


def _recoverable_small_sets(
    parents: dict[int, int | None], direct: dict[int, int], published: frozenset[int], k: int
) -> list[tuple[int, ...]]:
    """Every union of atoms with 1..k−1 people that is a linear combination of the
    published groups (exhaustive over the atoms' subsets)."""
    atoms = [a for a in parents if direct.get(a, 0) > 0]
    if not published or not atoms:
        return []
    m = _indicator(parents, published, atoms)
    projector = np.linalg.pinv(m) @ m  # projection onto the row space
    found = []
    for r in range(1, len(atoms) + 1):
        for subset in combinations(range(len(atoms)), r):
            people = sum(direct[atoms[i]] for i in subset)
            if not 0 < people < k:
                continue
            v = np.zeros(len(atoms))
            v[list(subset)] = 1.0
            if np.allclose(v @ projector, v, atol=1e-8):
                found.append(tuple(atoms[i] for i in subset))
    return found


def test_parent_minus_children_is_protected() -> None:
    # Branch 1 has a lead answering directly (1 person) and two teams of 6 and 9.
    parents: dict[int, int | None] = {1: None, 2: 1, 3: 1}
    direct = {1: 1, 2: 6, 3: 9}
    result = suppress(parents, direct, minimum=5)
    # Publishing 1, 2 and 3 would reveal the lead's answer as 1 − 2 − 3.
    assert result.withheld == {2: Suppressed.COMPLEMENTARY}
    assert result.published == {1, 3}
    assert revealed_blocks(parents, direct, result.published) == {1: 7, 3: 9}
    assert _recoverable_small_sets(parents, direct, result.published, 5) == []


def test_small_team_and_its_complement() -> None:
    parents: dict[int, int | None] = {1: None, 2: 1, 3: 1, 4: 1}
    direct = {1: 0, 2: 3, 3: 8, 4: 20}
    result = suppress(parents, direct, minimum=5)
    assert result.withheld[2] is Suppressed.SMALL
    assert result.withheld[3] is Suppressed.COMPLEMENTARY  # the smallest large sibling
    assert result.published == {1, 4}
    assert _recoverable_small_sets(parents, direct, result.published, 5) == []


def test_without_complementary_suppression_the_audit_finds_the_leak() -> None:
    """The audit is not vacuous: publishing every group of ≥ 5 leaks the small one."""
    parents: dict[int, int | None] = {1: None, 2: 1, 3: 1}
    direct = {1: 0, 2: 3, 3: 8}
    sizes = subtree_sizes(parents, direct)
    naive = frozenset(g for g, n in sizes.items() if n >= 5)
    assert _recoverable_small_sets(parents, direct, naive, 5) == [(2,)]


def test_a_withheld_team_is_not_recovered_from_its_sub_teams() -> None:
    # 2 has sub-teams 4 and 5 published; suppressing 2 as a complement would not hide it,
    # so the algorithm must pick something else.
    parents: dict[int, int | None] = {1: None, 2: 1, 3: 1, 4: 2, 5: 2}
    direct = {1: 0, 2: 0, 3: 2, 4: 6, 5: 7}
    result = suppress(parents, direct, minimum=5)
    assert 3 not in result.published
    assert _recoverable_small_sets(parents, direct, result.published, 5) == []


@st.composite
def _trees(draw: st.DrawFn) -> tuple[dict[int, int | None], dict[int, int], int]:
    n = draw(st.integers(2, 10))
    parents: dict[int, int | None] = {0: None}
    for node in range(1, n):
        parents[node] = draw(st.integers(0, node - 1))
    direct = {node: draw(st.integers(0, 9)) for node in range(n)}
    k = draw(st.integers(3, 6))
    return parents, direct, k


@settings(max_examples=300, deadline=None)
@given(_trees())
def test_no_published_table_reveals_a_small_group(
    tree: tuple[dict[int, int | None], dict[int, int], int],
) -> None:
    parents, direct, k = tree
    result = suppress(parents, direct, minimum=k)
    sizes = subtree_sizes(parents, direct)
    assert all(sizes[g] >= k for g in result.published)
    # Independent check: nothing below k in the span of what is published …
    assert _recoverable_small_sets(parents, direct, result.published, k) == []
    # … and, explicitly, no difference of two published nested groups is small.
    for a in result.published:
        for b in result.published:
            up = parents[b]
            while up is not None and up != a:
                up = parents[up]
            if up == a:
                assert not 0 < sizes[a] - sizes[b] < k
    # The blocks' rule (the module's own audit) agrees.
    assert all(
        s == 0 or s >= k for s in revealed_blocks(parents, direct, result.published).values()
    )


def test_minimum_never_below_three() -> None:
    with pytest.raises(InputError, match="may not be below 3"):
        employee_min_group(2)
    assert employee_min_group(3) == 3


def test_minimum_defaults_to_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CXM_EMPLOYEE_MIN_GROUP", raising=False)
    assert employee_min_group() == 5
    monkeypatch.setenv("CXM_EMPLOYEE_MIN_GROUP", "7")
    assert employee_min_group() == 7


def test_cycles_and_unknown_parents_are_refused() -> None:
    with pytest.raises(InputError, match="cycle"):
        suppress({1: 2, 2: 1}, {1: 5, 2: 5})
    with pytest.raises(InputError, match="unknown parent"):
        suppress({1: 9}, {1: 5})
