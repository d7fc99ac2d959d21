"""Anonymity of employee results: primary and complementary suppression over the team tree.

Issue 19 item 2: a result for any group of fewer than ``CXM_EMPLOYEE_MIN_GROUP`` people
(default 5, never below 3) is not published, and no such group may be recovered by
differencing published ones (a parent's total minus its children's leaves the parent's
direct members — often just the lead).

The groups form a *laminar* family: a team's result covers its direct members and all its
sub-teams, and two teams are either nested or disjoint. For such a family the exact set of
what can be worked out from published counts and sums is simple. Call a team's direct
members its *atom*. Every published group ``P`` reveals its *block*: the atoms under ``P``
that are not under a published proper descendant of ``P`` (``P`` minus its maximal
published descendants). Blocks are disjoint and span every linear combination of published
groups, so a group of people can be worked out **if and only if** it is a union of blocks.
The rule "every block is empty or has at least ``minimum`` people" is therefore exactly the
rule "no group below the minimum can be recovered, by differencing or otherwise".

:func:`suppress` enforces it: first every group below the minimum is withheld (primary
suppression); then, while a published group's block is non-empty but small, it withholds
the smallest published descendant whose own block is non-empty (complementary suppression,
so the small block merges with a large one), or, if there is none, the group itself.
Only ever adding withheld groups, it ends; :func:`revealed_blocks` is the audit.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

import numpy as np

from cxm.errors import InputError
from cxm.i18n import _

__all__ = [
    "ABSOLUTE_MINIMUM",
    "CutPlan",
    "Suppressed",
    "Suppression",
    "employee_min_group",
    "revealed_blocks",
    "smallest_revealed",
    "subtree_sizes",
    "suppress",
    "suppress_cuts",
]

K = TypeVar("K")

#: Below three people, the others in a group could work out one person's answer.
ABSOLUTE_MINIMUM = 3


class Suppressed(StrEnum):
    SMALL = "small"  # fewer people than the minimum
    COMPLEMENTARY = "complementary"  # withheld so that a small group cannot be derived


@dataclass(frozen=True)
class Suppression(Generic[K]):
    """Which groups are published; ``withheld`` says why each other group is not."""

    minimum: int
    sizes: dict[K, int]
    published: frozenset[K]
    withheld: dict[K, Suppressed]

    def shows(self, group: K) -> bool:
        return group in self.published


def employee_min_group(value: int | None = None) -> int:
    """The minimum group size: ``value`` or the ``CXM_EMPLOYEE_MIN_GROUP`` setting.

    Never below :data:`ABSOLUTE_MINIMUM`: a lower request is an :class:`InputError`, not a
    silent correction.
    """
    if value is None:
        from cxm.config import load_settings

        value = load_settings().employee_min_group
    if value < ABSOLUTE_MINIMUM:
        raise InputError(
            _(
                "The minimum group for employee results is {value}: it may not be below {minimum}."
            ).format(value=value, minimum=ABSOLUTE_MINIMUM)
        )
    return value


def _children(parents: Mapping[K, K | None]) -> dict[K, list[K]]:
    children: dict[K, list[K]] = {node: [] for node in parents}
    for node, parent in parents.items():
        if parent is not None:
            if parent not in children:
                raise InputError(
                    _("Group {group} names an unknown parent {parent}.").format(
                        group=node, parent=parent
                    )
                )
            children[parent].append(node)
    # A cycle would make subtree sums loop: refuse it.
    for node in parents:
        seen = {node}
        up = parents[node]
        while up is not None:
            if up in seen:
                raise InputError(_("Group {group} is in a cycle of parents.").format(group=node))
            seen.add(up)
            up = parents[up]
    return children


def subtree_sizes(parents: Mapping[K, K | None], direct: Mapping[K, int]) -> dict[K, int]:
    """People in each group: its direct members plus all its sub-groups'."""
    children = _children(parents)
    sizes: dict[K, int] = {}

    def total(node: K) -> int:
        if node not in sizes:
            sizes[node] = int(direct.get(node, 0)) + sum(total(c) for c in children[node])
        return sizes[node]

    for node in parents:
        total(node)
    return sizes


def _maximal_published_below(node: K, children: Mapping[K, list[K]], published: set[K]) -> list[K]:
    found: list[K] = []
    stack = list(children[node])
    while stack:
        child = stack.pop()
        if child in published:
            found.append(child)
        else:
            stack.extend(children[child])
    return found


def revealed_blocks(
    parents: Mapping[K, K | None], direct: Mapping[K, int], published: set[K] | frozenset[K]
) -> dict[K, int]:
    """Size of the block each published group reveals (see the module docstring)."""
    children = _children(parents)
    sizes = subtree_sizes(parents, direct)
    pub = set(published)
    return {
        node: sizes[node] - sum(sizes[d] for d in _maximal_published_below(node, children, pub))
        for node in pub
    }


def suppress(
    parents: Mapping[K, K | None], direct: Mapping[K, int], *, minimum: int | None = None
) -> Suppression[K]:
    """Primary and complementary suppression for a tree of groups.

    ``parents`` maps each group to its parent (``None`` for a root); ``direct`` gives the
    people who belong to a group directly (not through a sub-group) — for a survey, the
    respondents. Returns which groups may be published.
    """
    k = employee_min_group(minimum)
    children = _children(parents)
    sizes = subtree_sizes(parents, direct)
    withheld: dict[K, Suppressed] = {
        node: Suppressed.SMALL for node, size in sizes.items() if size < k
    }
    published = {node for node in parents if node not in withheld}
    depth: dict[K, int] = {}
    for node in parents:
        d, up = 0, parents[node]
        while up is not None:
            d, up = d + 1, parents[up]
        depth[node] = d

    def block(node: K) -> int:
        below = _maximal_published_below(node, children, published)
        return sizes[node] - sum(sizes[d] for d in below)

    changed = True
    while changed:
        changed = False
        # Deepest first: a sub-tree is settled before its parent looks at it.
        for node in sorted(published, key=lambda n: -depth[n]):
            if node not in published:
                continue
            size = block(node)
            if size == 0 or size >= k:
                continue
            candidates = [
                d for d in _maximal_published_below(node, children, published) if block(d) > 0
            ]
            victim = min(candidates, key=lambda d: (sizes[d], str(d))) if candidates else node
            published.discard(victim)
            withheld[victim] = Suppressed.COMPLEMENTARY
            changed = True
    return Suppression(minimum=k, sizes=sizes, published=frozenset(published), withheld=withheld)


# --------------------------------------------------------------------------- attribute cuts


@dataclass(frozen=True)
class CutPlan(Generic[K]):
    """Which groups of a general (not nested) family are published.

    ``groups`` maps each group key to the atoms it covers; ``published`` are the keys that
    may be shown; ``withheld`` says why each other key is not.
    """

    minimum: int
    sizes: dict[K, int]
    published: frozenset[K]
    withheld: dict[K, Suppressed]

    def shows(self, group: K) -> bool:
        return group in self.published


def _classes(
    groups: Mapping[K, frozenset[int]], keys: list[K], atoms: int
) -> tuple[np.ndarray, list[list[int]]]:
    """Atoms merged where no published group tells them apart (their columns of the
    group × atom matrix are equal): a derivable set is always a union of such classes."""
    signature: dict[tuple[int, ...], list[int]] = {}
    member = [[j for j, key in enumerate(keys) if a in groups[key]] for a in range(atoms)]
    for a in range(atoms):
        signature.setdefault(tuple(member[a]), []).append(a)
    classes = [c for sig, c in signature.items() if sig]  # atoms in no group reveal nothing
    matrix = np.zeros((len(keys), len(classes)))
    for c, members in enumerate(classes):
        for j in member[members[0]]:
            matrix[j, c] = 1.0
    return matrix, classes


def smallest_revealed(
    groups: Mapping[K, frozenset[int]],
    published: Collection[K],
    weights: Sequence[int],
    minimum: int,
) -> tuple[frozenset[int], dict[K, float]] | None:
    """The smallest set of atoms with 1 … ``minimum − 1`` people whose total is a linear
    combination of the published groups' totals, with that combination; ``None`` if there
    is none.

    Exact: a mixed-integer programme (scipy's HiGHS) over ``y ∈ {0,1}`` per class of atoms
    and free ``λ`` per published group with ``Mᵀλ = y`` and ``1 ≤ wᵀy ≤ minimum − 1``.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    keys = sorted(published, key=str)
    if not keys:
        return None
    matrix, classes = _classes(groups, keys, len(weights))
    if not classes:
        return None
    w = np.array([sum(weights[a] for a in members) for members in classes], dtype=float)
    n_y, n_l = len(classes), len(keys)
    # Variables: y (binary, one per class), then λ (continuous, free, one per group).
    equal = np.hstack([-np.eye(n_y), matrix.T])
    size = np.hstack([w, np.zeros(n_l)])[None, :]
    result = milp(
        c=np.hstack([w, np.zeros(n_l)]),
        constraints=[
            LinearConstraint(equal, np.zeros(n_y), np.zeros(n_y)),
            LinearConstraint(size, 1.0, float(minimum) - 1.0),
        ],
        integrality=np.hstack([np.ones(n_y), np.zeros(n_l)]),
        bounds=Bounds(
            np.hstack([np.zeros(n_y), np.full(n_l, -np.inf)]),
            np.hstack([np.ones(n_y), np.full(n_l, np.inf)]),
        ),
    )
    if result.status != 0 or result.x is None:  # 2: infeasible — nothing small is derivable
        return None
    y = result.x[:n_y] > 0.5
    atoms_found = frozenset(a for c in np.flatnonzero(y) for a in classes[c])
    lam = {key: float(v) for key, v in zip(keys, result.x[n_y:], strict=True) if abs(v) > 1e-7}
    return atoms_found, lam


def suppress_cuts(
    groups: Mapping[K, frozenset[int]],
    weights: Sequence[int],
    *,
    fixed: Collection[K] = (),
    minimum: int | None = None,
) -> CutPlan[K]:
    """Primary and complementary suppression for a family of groups that need not nest.

    ``groups`` maps a key to the atoms (indices into ``weights``, the people in each
    atom) it covers. ``fixed`` are groups published already under a rule of their own — the
    team tree, which :func:`suppress` has made safe — and are never withheld here; every
    other group (an attribute cut) is withheld when it has fewer than ``minimum`` people
    (primary), and then, while :func:`smallest_revealed` finds a small set derivable from
    what is published, the smallest cut that takes part in deriving it is withheld
    (complementary). The fixed groups alone must be safe.
    """
    k = employee_min_group(minimum)
    sizes = {key: int(sum(weights[a] for a in atoms)) for key, atoms in groups.items()}
    withheld: dict[K, Suppressed] = {
        key: Suppressed.SMALL for key in groups if key not in fixed and sizes[key] < k
    }
    published = {key for key in groups if key not in withheld}
    fixed_set = set(fixed)
    while True:
        found = smallest_revealed(groups, published, weights, k)
        if found is None:
            break
        _atoms, combination = found
        candidates = [key for key in combination if key not in fixed_set]
        if not candidates:  # the fixed groups leak on their own: not ours to repair
            raise ValueError("the fixed groups reveal a small group on their own")
        victim = min(candidates, key=lambda key: (sizes[key], str(key)))
        published.discard(victim)
        withheld[victim] = Suppressed.COMPLEMENTARY
    return CutPlan(minimum=k, sizes=sizes, published=frozenset(published), withheld=withheld)
