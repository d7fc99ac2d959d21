"""A small, safe expression language for service standards, compiled to numpy operations.

A standard's rule says when one opportunity is *met*, for example ``wait_seconds <= 20``,
``delivered_on <= promised_on``, ``greeted and named_the_customer`` or
``channel in ("phone", "chat") and hours_between(opened_at, acknowledged_at) <= 24``.

The text is parsed with :mod:`ast` and only a whitelist of nodes is accepted: literals, field
names, comparisons, ``and``/``or``/``not``, arithmetic and the functions in :data:`FUNCTIONS`.
Attribute access, subscripts, imports, lambdas and calls of anything else are refused with the
position of the offending part. Nothing is ever passed to ``eval``: the tree is compiled into a
closure over whole columns, so a rule over ten million rows is a handful of vector operations.

A row where a field the rule reads is missing is *not an opportunity* (it cannot be judged),
so the compiled rule returns both ``met`` and ``applicable``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["FIELD_TYPES", "FUNCTIONS", "CompiledRule", "RuleError", "compile_rule", "prepare"]

FieldType = Literal["number", "text", "bool", "datetime"]
FIELD_TYPES: tuple[str, ...] = ("number", "text", "bool", "datetime")
Columns = Mapping[str, npt.NDArray[Any]]
Evaluator = Callable[[Columns], Any]

#: Functions a rule may call, with their argument types and result type.
FUNCTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "abs": (("number",), "number"),
    "min": (("number", "number"), "number"),
    "max": (("number", "number"), "number"),
    "hours_between": (("datetime", "datetime"), "number"),
    "days_between": (("datetime", "datetime"), "number"),
    "lower": (("text",), "text"),
}


class RuleError(InputError):
    """A rule that cannot be used; the message names the rule, the column and the reason."""

    code = "invalid_rule"


@dataclass(frozen=True)
class CompiledRule:
    """A checked rule: ``evaluate(columns)`` gives ``(met, applicable)`` boolean arrays."""

    text: str
    fields: tuple[str, ...]
    _evaluate: Evaluator

    def evaluate(self, columns: Columns) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        n = len(next(iter(columns.values()))) if columns else 0
        applicable = np.ones(n, dtype=bool)
        for f in self.fields:
            applicable &= ~_missing(columns[f])
        met = np.asarray(self._evaluate(columns), dtype=bool)
        if met.ndim == 0:
            met = np.full(n, bool(met))
        return met & applicable, applicable


def _missing(values: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    if values.dtype.kind in "fc":
        return np.asarray(np.isnan(values), dtype=bool)
    if values.dtype.kind == "M":
        return np.asarray(np.isnat(values), dtype=bool)
    if values.dtype.kind == "b":
        return np.zeros(len(values), dtype=bool)
    return np.asarray(pd.isna(values), dtype=bool)


_TRUE_WORDS = ("1", "1.0", "true", "yes", "y", "是")


def prepare(frame: pd.DataFrame, schema: Mapping[str, str]) -> dict[str, npt.NDArray[Any]]:
    """Columns of ``frame`` as numpy arrays of the types the rules expect (missing kept)."""
    out: dict[str, npt.NDArray[Any]] = {}
    for name, kind in schema.items():
        if name not in frame.columns:
            continue
        col = frame[name]
        if kind == "number":
            out[name] = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
        elif kind == "bool":
            if col.dtype == bool:
                out[name] = col.to_numpy(dtype=float)
                continue
            missing = col.isna().to_numpy()
            words = col.astype(str).str.strip().str.lower()
            flags = words.isin(_TRUE_WORDS).to_numpy(dtype=float)
            flags[missing] = np.nan
            out[name] = flags
        elif kind == "datetime":
            stamps = pd.to_datetime(col, errors="coerce", utc=True).dt.tz_localize(None)
            out[name] = stamps.to_numpy(dtype="datetime64[ns]")
        else:
            out[name] = col.astype(object).where(col.notna(), None).to_numpy(dtype=object)
    return out


class _Compiler:
    def __init__(self, text: str, schema: Mapping[str, str]) -> None:
        self.text = text
        self.schema = schema
        self.fields: list[str] = []

    def fail(self, node: ast.AST | None, reason: str) -> RuleError:
        col = getattr(node, "col_offset", 0) + 1
        return RuleError(
            _(
                'Rule "{rule}", column {col}: {reason}',
                rule=self.text,
                col=col,
                reason=reason,
            ),
            details={"rule": self.text, "column": col, "reason": reason},
        )

    def compile(self, node: ast.AST) -> tuple[Evaluator, str]:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise self.fail(node, _("{what} is not allowed in a rule.", what=_node_name(node)))
        result: tuple[Evaluator, str] = method(node)
        return result

    def _Constant(self, node: ast.Constant) -> tuple[Evaluator, str]:
        v = node.value
        if isinstance(v, bool):
            return (lambda _c: v), "bool"
        if isinstance(v, int | float):
            f = float(v)
            return (lambda _c: f), "number"
        if isinstance(v, str):
            return (lambda _c: v), "text"
        raise self.fail(node, _("{value} is not a number, text or True/False.", value=repr(v)))

    def _Name(self, node: ast.Name) -> tuple[Evaluator, str]:
        name = node.id
        if name not in self.schema:
            raise self.fail(
                node,
                _(
                    "unknown field {field}; fields are {fields}.",
                    field=name,
                    fields=", ".join(sorted(self.schema)) or "—",
                ),
            )
        if name not in self.fields:
            self.fields.append(name)
        kind = self.schema[name]
        if kind == "bool":
            return (lambda c: c[name] > 0.5), "bool"
        return (lambda c: c[name]), kind

    def _BoolOp(self, node: ast.BoolOp) -> tuple[Evaluator, str]:
        parts = [self._expect(v, "bool") for v in node.values]  # noqa: PD011 - ast.BoolOp's operands, not pandas
        if isinstance(node.op, ast.And):
            return (lambda c: np.logical_and.reduce([p(c) for p in parts])), "bool"
        return (lambda c: np.logical_or.reduce([p(c) for p in parts])), "bool"

    def _UnaryOp(self, node: ast.UnaryOp) -> tuple[Evaluator, str]:
        if isinstance(node.op, ast.Not):
            inner = self._expect(node.operand, "bool")
            return (lambda c: np.logical_not(inner(c))), "bool"
        if isinstance(node.op, ast.USub):
            num = self._expect(node.operand, "number")
            return (lambda c: -num(c)), "number"
        raise self.fail(node, _("{what} is not allowed in a rule.", what=_node_name(node.op)))

    def _BinOp(self, node: ast.BinOp) -> tuple[Evaluator, str]:
        ops: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
            ast.Add: np.add,
            ast.Sub: np.subtract,
            ast.Mult: np.multiply,
            ast.Div: _divide,
        }
        op = ops.get(type(node.op))
        if op is None:
            raise self.fail(node, _("{what} is not allowed in a rule.", what=_node_name(node.op)))
        left = self._expect(node.left, "number")
        right = self._expect(node.right, "number")
        return (lambda c: op(left(c), right(c))), "number"

    def _Compare(self, node: ast.Compare) -> tuple[Evaluator, str]:
        checks: list[Evaluator] = []
        left_node = node.left
        left, ltype = self.compile(left_node)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                checks.append(self._membership(node, left, ltype, op, right_node))
                left_node = right_node
                continue
            right, rtype = self.compile(right_node)
            if ltype != rtype:
                raise self.fail(
                    right_node,
                    _(
                        "cannot compare {left} with {right}.",
                        left=_type_name(ltype),
                        right=_type_name(rtype),
                    ),
                )
            if ltype in ("text", "bool") and not isinstance(op, ast.Eq | ast.NotEq):
                raise self.fail(
                    right_node, _("{kind} can only be compared with == or !=.", kind=ltype)
                )
            fn = _COMPARE.get(type(op))
            if fn is None:
                raise self.fail(node, _("{what} is not allowed in a rule.", what=_node_name(op)))
            checks.append(_bind(fn, left, right))
            left, ltype, left_node = right, rtype, right_node
        if len(checks) == 1:
            return checks[0], "bool"
        return (lambda c: np.logical_and.reduce([k(c) for k in checks])), "bool"

    def _membership(
        self, node: ast.AST, left: Evaluator, ltype: str, op: ast.cmpop, right: ast.AST
    ) -> Evaluator:
        if not isinstance(right, ast.Tuple | ast.List | ast.Set) or not all(
            isinstance(e, ast.Constant) for e in right.elts
        ):
            raise self.fail(right, _('in needs a list of values, such as ("a", "b").'))
        values = [e.value for e in right.elts if isinstance(e, ast.Constant)]
        want = (str,) if ltype == "text" else (int, float)
        if ltype not in ("text", "number") or not all(
            isinstance(v, want) and not isinstance(v, bool) for v in values
        ):
            raise self.fail(right, _("the values after in must all be of the field's type."))
        negate = isinstance(op, ast.NotIn)

        def member(c: Columns) -> Any:
            inside = np.asarray(pd.Series(left(c)).isin(values).to_numpy(), dtype=bool)
            return ~inside if negate else inside

        return member

    def _Call(self, node: ast.Call) -> tuple[Evaluator, str]:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            shown = node.func.id if isinstance(node.func, ast.Name) else _node_name(node.func)
            raise self.fail(
                node,
                _(
                    "{name}() is not an allowed function; use one of {functions}.",
                    name=shown,
                    functions=", ".join(sorted(FUNCTIONS)),
                ),
            )
        name = node.func.id
        arg_types, result = FUNCTIONS[name]
        if node.keywords or len(node.args) != len(arg_types):
            raise self.fail(node, _("{name}() takes {n} argument(s).", name=name, n=len(arg_types)))
        args = [self._expect(a, t) for a, t in zip(node.args, arg_types, strict=True)]
        impl = _FUNCTION_IMPL[name]
        return (lambda c: impl(*[a(c) for a in args])), result

    def _expect(self, node: ast.AST, kind: str) -> Evaluator:
        fn, got = self.compile(node)
        if got != kind:
            raise self.fail(
                node,
                _(
                    "expected {want} here, found {got}.",
                    want=_type_name(kind),
                    got=_type_name(got),
                ),
            )
        return fn


def _bind(fn: Callable[[Any, Any], Any], left: Evaluator, right: Evaluator) -> Evaluator:
    return lambda c: fn(left(c), right(c))


def _divide(a: Any, b: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.divide(a, b)


_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}


def _hours(a: Any, b: Any) -> Any:
    return (b - a) / np.timedelta64(1, "h")


def _days(a: Any, b: Any) -> Any:
    return (b - a) / np.timedelta64(1, "D")


def _lower(a: Any) -> Any:
    return np.asarray(pd.Series(a, dtype=object).str.lower().to_numpy(), dtype=object)


_FUNCTION_IMPL: dict[str, Callable[..., Any]] = {
    "abs": np.abs,
    "min": np.minimum,
    "max": np.maximum,
    "hours_between": _hours,
    "days_between": _days,
    "lower": _lower,
}


def _type_name(kind: str) -> str:
    names = {
        "number": _("a number"),
        "text": _("text"),
        "bool": _("a yes/no value"),
        "datetime": _("a date and time"),
    }
    return names.get(kind, kind)


def _node_name(node: ast.AST) -> str:
    names = {
        "Attribute": _("attribute access (a.b)"),
        "Subscript": _("indexing (a[b])"),
        "Lambda": _("lambda"),
        "IfExp": _("if … else"),
        "ListComp": _("a comprehension"),
        "GeneratorExp": _("a comprehension"),
        "Starred": _("*unpacking"),
        "NamedExpr": _("assignment (:=)"),
    }
    return names.get(type(node).__name__, type(node).__name__)


def compile_rule(text: str, schema: Mapping[str, str]) -> CompiledRule:
    """Check ``text`` against the fields in ``schema`` (name → number, text, bool, datetime)
    and compile it into vector operations.

    Raises
    ------
    RuleError
        Syntax errors, statements or imports, unknown fields, functions outside
        :data:`FUNCTIONS`, attribute access, type errors, or a rule that is not a yes/no test;
        the message names the column (counted from 1).
    """
    for name, kind in schema.items():
        if kind not in FIELD_TYPES:
            raise RuleError(_("Field {field} has unknown type {kind}.", field=name, kind=kind))
    source = text.strip()
    if not source:
        raise RuleError(_("A rule cannot be empty."))
    compiler = _Compiler(source, schema)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        try:
            statement = ast.parse(source, mode="exec").body[0]
        except SyntaxError:
            pass
        else:
            what = (
                _("an import")
                if isinstance(statement, ast.Import | ast.ImportFrom)
                else _("a statement")
            )
            raise compiler.fail(
                statement, _("{what} is not allowed in a rule.", what=what)
            ) from None
        node = ast.Constant(value=None)
        node.col_offset = max((exc.offset or 1) - 1, 0)
        raise compiler.fail(
            node, _("this is not a valid expression ({message}).", message=exc.msg)
        ) from None
    fn, kind = compiler.compile(tree.body)
    if kind != "bool":
        raise compiler.fail(
            tree.body,
            _(
                "a rule must be a yes/no test such as wait_seconds <= 20, not {got}.",
                got=_type_name(kind),
            ),
        )
    return CompiledRule(source, tuple(compiler.fields), fn)
