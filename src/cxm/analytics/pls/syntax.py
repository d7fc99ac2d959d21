"""lavaan-syntax path models: ``=~`` reflective (mode A), ``<~`` formative (mode B), ``~`` paths.

The three operators PLS path modelling needs, as written for lavaan, semopy and cSEM::

    # ECSI, abridged
    Image        =~ IMAG1 + IMAG2 + IMAG3
    Satisfaction =~ CUSA1 + CUSA2
                    + CUSA3                  # a statement may continue on the next line
    Value        <~ PERV1 + PERV2            # formative block, mode B weights
    Satisfaction ~ Image + Value

Statements end at a new line (or ``;``) unless the line ends with an operator or ``+`` or
the next line starts with ``+``. ``#`` and ``!`` start comments. Covariances (``~~``) are
accepted and ignored: a PLS path model has no free covariances. Parameter labels and fixed
values (``0.5*x``) and higher-order constructs are rejected with a clear error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cxm.errors import ModelSpecError
from cxm.i18n import _

__all__ = ["Block", "ModelSpec", "StructuralPath", "parse_model"]

Mode = Literal["A", "B"]

_OPERATORS = ("=~", "<~", "~~", "~")
_NAME = re.compile(r"^[^\s+~=<*#!;()]+$")


@dataclass(frozen=True, slots=True)
class Block:
    """One construct and its indicators; ``mode`` A (reflective, ``=~``) or B (``<~``)."""

    name: str
    mode: Mode
    indicators: tuple[str, ...]
    line: int


@dataclass(frozen=True, slots=True)
class StructuralPath:
    """A structural path ``source -> target`` declared on ``line``."""

    source: str
    target: str
    line: int


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A validated PLS path model: measurement blocks and an acyclic structural model."""

    blocks: tuple[Block, ...]
    paths: tuple[StructuralPath, ...]
    source: str = ""

    @property
    def constructs(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.blocks)

    @property
    def indicators(self) -> tuple[str, ...]:
        return tuple(i for b in self.blocks for i in b.indicators)

    def block(self, name: str) -> Block:
        for b in self.blocks:
            if b.name == name:
                return b
        raise KeyError(name)

    def antecedents(self, target: str) -> tuple[str, ...]:
        return tuple(p.source for p in self.paths if p.target == target)

    @property
    def endogenous(self) -> tuple[str, ...]:
        targets = {p.target for p in self.paths}
        return tuple(c for c in self.constructs if c in targets)

    def without_path(self, source: str, target: str) -> ModelSpec:
        """The same model less one path (used for f²)."""
        kept = tuple(p for p in self.paths if (p.source, p.target) != (source, target))
        return ModelSpec(self.blocks, kept, self.source)


@dataclass(frozen=True, slots=True)
class _Statement:
    lhs: str
    op: str
    rhs: tuple[str, ...]
    line: int


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, statement text) with comments removed and continuations joined."""
    pending: tuple[int, str] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.split(r"[#!]", raw, maxsplit=1)[0]
        for part in line.split(";"):
            part = part.strip()
            if not part:
                continue
            own_operator = any(o in part for o in _OPERATORS)
            if pending is not None and (
                part.startswith("+")
                or (re.search(r"(\+|~|=~|<~)$", pending[1]) and not own_operator)
            ):
                pending = (pending[0], f"{pending[1]} {part}")
                continue
            if pending is not None:
                yield pending
            pending = (number, part)
    if pending is not None:
        yield pending


def _statements(text: str) -> list[_Statement]:
    out: list[_Statement] = []
    for line, stmt in _logical_lines(text):
        op = next((o for o in _OPERATORS if o in stmt), None)
        if op is None:
            raise ModelSpecError(
                _("Model line {line}: no operator (=~, <~ or ~) in “{text}”.", line=line, text=stmt)
            )
        lhs, _sep, rest = stmt.partition(op)
        lhs = lhs.strip()
        rhs = tuple(t.strip() for t in rest.split("+"))
        if not lhs:
            raise ModelSpecError(
                _("Model line {line}: nothing on the left of {op}.", line=line, op=op)
            )
        if rhs == ("",):
            if op in ("=~", "<~"):
                raise ModelSpecError(
                    _(
                        "Model line {line}: construct {construct} has no indicators.",
                        line=line,
                        construct=lhs,
                    )
                )
            raise ModelSpecError(
                _("Model line {line}: nothing on the right of {op}.", line=line, op=op)
            )
        for name in (lhs, *rhs):
            if "*" in name:
                raise ModelSpecError(
                    _(
                        "Model line {line}: labels and fixed values ({term}) are not supported "
                        "in PLS path models; write the names only.",
                        line=line,
                        term=name,
                    )
                )
            if not _NAME.match(name):
                raise ModelSpecError(
                    _(
                        "Model line {line}: “{term}” is not a valid name (check for a missing "
                        "+ or a stray operator).",
                        line=line,
                        term=name,
                    )
                )
        out.append(_Statement(lhs, op, rhs, line))
    return out


def _find_cycle(constructs: tuple[str, ...], paths: list[StructuralPath]) -> list[str] | None:
    successors: dict[str, list[str]] = {c: [] for c in constructs}
    for p in paths:
        successors[p.source].append(p.target)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in successors[node]:
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for c in constructs:
        if c not in state:
            found = visit(c)
            if found:
                return found
    return None


def _build(statements: list[_Statement], source: str) -> ModelSpec:
    blocks: dict[str, Block] = {}
    owner: dict[str, tuple[str, int]] = {}
    for s in statements:
        if s.op not in ("=~", "<~"):
            continue
        mode: Mode = "A" if s.op == "=~" else "B"
        if s.lhs in blocks and blocks[s.lhs].mode != mode:
            raise ModelSpecError(
                _(
                    "Model line {line}: construct {construct} is declared both reflective (=~) "
                    "and formative (<~); pick one.",
                    line=s.line,
                    construct=s.lhs,
                )
            )
        previous = blocks.get(s.lhs)
        items = list(previous.indicators) if previous else []
        for item in s.rhs:
            if item in owner:
                other, other_line = owner[item]
                raise ModelSpecError(
                    _(
                        "Model line {line}: indicator {indicator} is already in block {construct} "
                        "(line {other_line}); an indicator belongs to one block only.",
                        line=s.line,
                        indicator=item,
                        construct=other,
                        other_line=other_line,
                    )
                )
            owner[item] = (s.lhs, s.line)
            items.append(item)
        line = previous.line if previous else s.line
        blocks[s.lhs] = Block(s.lhs, mode, tuple(items), line)
    for name, block in blocks.items():
        nested = [i for i in block.indicators if i in blocks]
        if nested:
            raise ModelSpecError(
                _(
                    "Model line {line}: {indicator} is a construct and cannot be an indicator of "
                    "{construct} (higher-order constructs are not supported).",
                    line=block.line,
                    indicator=nested[0],
                    construct=name,
                )
            )
    if not blocks:
        raise ModelSpecError(_("The model declares no construct (use Construct =~ item1 + item2)."))
    paths: list[StructuralPath] = []
    for s in statements:
        if s.op != "~":
            continue
        for name in (s.lhs, *s.rhs):
            if name not in blocks:
                raise ModelSpecError(
                    _(
                        "Model line {line}: path uses {construct}, which is not declared as a "
                        "construct (declare it with =~ or <~).",
                        line=s.line,
                        construct=name,
                    )
                )
        for src in s.rhs:
            if any(p.source == src and p.target == s.lhs for p in paths):
                continue
            paths.append(StructuralPath(src, s.lhs, s.line))
    constructs = tuple(blocks)
    cycle = _find_cycle(constructs, paths)
    if cycle:
        line = next(p.line for p in paths if (p.source, p.target) == (cycle[-2], cycle[-1]))
        raise ModelSpecError(
            _(
                "Model line {line}: the paths form a cycle {cycle}; PLS path models must be "
                "recursive.",
                line=line,
                cycle=" → ".join(cycle),
            )
        )
    linked = {p.source for p in paths} | {p.target for p in paths}
    for name, block in blocks.items():
        if name not in linked:
            raise ModelSpecError(
                _(
                    "Model line {line}: construct {construct} is in no structural path; add a "
                    "path (Target ~ Source) or remove the block.",
                    line=block.line,
                    construct=name,
                )
            )
    return ModelSpec(tuple(blocks.values()), tuple(paths), source)


def parse_model(model: str | Path) -> ModelSpec:
    """Parse lavaan syntax (a string, or a path to a ``.lavaan``/``.txt`` file).

    Parameters
    ----------
    model : str or Path
        The syntax itself, or a :class:`~pathlib.Path` to a file holding it.

    Returns
    -------
    ModelSpec
        Blocks in order of first declaration and the structural paths.

    Raises
    ------
    ModelSpecError
        Naming the model line: a construct with no indicators, an indicator in two blocks,
        a path to an undeclared construct, a cycle (named), unsupported syntax.

    Examples
    --------
    >>> spec = parse_model("Sat =~ s1 + s2\\nLoy =~ l1 + l2\\nLoy ~ Sat")
    >>> spec.constructs, spec.paths[0].source
    (('Sat', 'Loy'), 'Sat')
    """
    if isinstance(model, Path):
        try:
            text = model.read_text(encoding="utf-8")
        except OSError as exc:
            raise ModelSpecError(
                _("Cannot read model file {file}: {reason}", file=str(model), reason=exc.strerror)
            ) from None
    else:
        text = model
    return _build(_statements(text), text)
