"""Rule segments: customers meeting conditions on any attribute, JSON attributes included.

A rule segment is a named conjunction of conditions such as ``region eq "华东"`` or
``attributes.vip ge 3`` (a key inside the customer's JSON attributes). Exclusive segments
must not overlap: a customer matching two is an error naming the customer and the segments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cxm.errors import InputError, Problem, ValidationFailed
from cxm.i18n import _

__all__ = ["RULE_OPERATORS", "Condition", "RuleSegment", "assign_rule_segments"]

#: Operators a rule condition may use.
RULE_OPERATORS = ("eq", "ne", "in", "not_in", "gt", "ge", "lt", "le", "between", "contains", "null")


@dataclass(frozen=True)
class Condition:
    """One test on a customer field; ``field`` may be ``attributes.<key>`` (JSON)."""

    field: str
    op: str
    value: Any = None

    def __post_init__(self) -> None:
        if self.op not in RULE_OPERATORS:
            raise InputError(
                _(
                    "Unknown operator {op} in a rule on {field}; use one of {ops}.",
                    op=self.op,
                    field=self.field,
                    ops=", ".join(RULE_OPERATORS),
                )
            )
        if self.op in ("in", "not_in", "between") and not isinstance(self.value, list | tuple):
            raise InputError(
                _("Operator {op} on {field} needs a list value.", op=self.op, field=self.field)
            )
        if self.op == "between" and len(self.value) != 2:
            raise InputError(_("Operator between on {field} needs [low, high].", field=self.field))


@dataclass(frozen=True)
class RuleSegment:
    """A named segment: customers meeting every condition (logical AND)."""

    name: str
    conditions: tuple[Condition, ...] = field(default_factory=tuple)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleSegment:
        conds = tuple(
            Condition(str(c["field"]), str(c.get("op", "eq")), c.get("value"))
            for c in data.get("conditions", [])
        )
        return cls(str(data["name"]), conds)


def _column(customers: pd.DataFrame, name: str) -> pd.Series:
    if name in customers:
        return customers[name]
    head, _dot, key = name.partition(".")
    if key and head in customers:
        return customers[head].map(lambda d: d.get(key) if isinstance(d, Mapping) else None)
    raise InputError(_("Unknown customer field {field} in a segment rule.", field=name))


def _test(col: pd.Series, cond: Condition) -> np.ndarray:
    op, v = cond.op, cond.value
    if op == "null":
        res = col.isna() if v in (None, True) else col.notna()
    elif op == "eq":
        res = col == v
    elif op == "ne":
        res = (col != v) & col.notna()
    elif op == "in":
        res = col.isin(list(v))
    elif op == "not_in":
        res = ~col.isin(list(v)) & col.notna()
    elif op == "contains":
        res = col.astype("string").str.contains(str(v), regex=False).fillna(False)
    else:
        num = pd.to_numeric(col, errors="coerce")
        if op == "between":
            res = (num >= float(v[0])) & (num <= float(v[1]))
        else:
            fn = {"gt": np.greater, "ge": np.greater_equal, "lt": np.less, "le": np.less_equal}
            res = pd.Series(fn[op](num.to_numpy(), float(v)), index=col.index)
    return np.asarray(res, dtype=bool)


def assign_rule_segments(
    customers: pd.DataFrame,
    segments: Sequence[RuleSegment],
    *,
    id_col: str = "customer_id",
    exclusive: bool = True,
    default: str | None = None,
) -> pd.DataFrame:
    """Assign customers to rule segments; one row per (customer, segment).

    With ``exclusive=True`` a customer matching two segments is an error
    (:class:`~cxm.errors.ValidationFailed` listing the first customers and segments that
    overlap); customers matching none go to ``default`` when given, else get no row.
    """
    names = [s.name for s in segments]
    if len(set(names)) != len(names):
        raise InputError(_("Segment names must be distinct: {names}", names=", ".join(names)))
    ids = customers[id_col].to_numpy()
    hits = np.zeros((len(customers), len(segments)), dtype=bool)
    for j, seg in enumerate(segments):
        m = np.ones(len(customers), dtype=bool)
        for cond in seg.conditions:
            m &= _test(_column(customers, cond.field), cond)
        hits[:, j] = m
    if exclusive:
        multi = np.flatnonzero(hits.sum(axis=1) > 1)
        if multi.size:
            problems = [
                Problem(
                    None,
                    id_col,
                    str(ids[i]),
                    _(
                        "matches several exclusive segments: {names}",
                        names=", ".join(np.asarray(names)[hits[i]]),
                    ),
                )
                for i in multi[:20]
            ]
            raise ValidationFailed(
                _("{n} customers fall into more than one exclusive segment.", n=int(multi.size)),
                problems,
            )
    rows, cols = np.nonzero(hits)
    out = pd.DataFrame({"customer_id": ids[rows], "segment": np.asarray(names, dtype=object)[cols]})
    if default is not None:
        none = ~hits.any(axis=1)
        extra = pd.DataFrame({"customer_id": ids[none], "segment": default})
        out = pd.concat([out, extra], ignore_index=True)
    return out
