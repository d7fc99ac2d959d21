"""Compile the Ibis aggregations (:mod:`cxm.frames.aggregations`) into the store's SQL.

    python -m cxm.frames.compile --write    # after changing an aggregation
    python -m cxm.frames.compile --check    # exit 1 when compiled_sql.py is stale

Everyday commands run the aggregations on the store without importing Ibis (about a second
of start-up): they run the SQL this module compiled, kept in :mod:`cxm.frames.compiled_sql`.
Each aggregation is compiled for SQLite and PostgreSQL once per set of given parameters;
a parameter is compiled as a sentinel literal no data holds and then replaced by a bound
parameter (``:start``), so one text serves every value. ``tests/test_compute_engines.py``
checks the file is what this module makes from the definitions today.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from pathlib import Path
from typing import Any

import ibis

from cxm.frames.aggregations import AGGREGATIONS, SENTINELS, tables

__all__ = ["DIALECTS", "compile_all", "render", "variant_key"]

#: The store's dialects (SQLAlchemy's names) and Ibis's names for them.
DIALECTS = {"sqlite": "sqlite", "postgresql": "postgres"}
TARGET = Path(__file__).with_name("compiled_sql.py")


def variant_key(name: str, dialect: str, given: Any) -> str:
    """The key of one compiled text: aggregation, SQLAlchemy dialect, given parameters."""
    return f"{name}|{dialect}|{','.join(sorted(given))}"


def _literal(value: Any, dialect: str) -> str:
    """How Ibis writes ``value`` as a literal in ``dialect``."""
    sql = ibis.to_sql(ibis.literal(value).name("v"), dialect=dialect)
    match = re.search(r"SELECT\s+(.*?)\s+AS\s+[\"`]v[\"`]", sql, re.S)
    if not match:
        raise RuntimeError(f"no literal found in {sql}")
    return match.group(1)


def _bound(param: str, dialect: str) -> str:
    """The bound parameter that replaces a sentinel: typed on PostgreSQL."""
    value = SENTINELS[param]
    if dialect == "postgres" and hasattr(value, "year"):
        kind = "TIMESTAMPTZ" if hasattr(value, "hour") else "DATE"
        return f"CAST(:{param} AS {kind})"
    return f":{param}"


def _sentinel_traces(param: str) -> list[str]:
    value = SENTINELS[param]
    return [str(value.year)] if hasattr(value, "year") else [str(value)]


def compile_all() -> tuple[dict[str, str], dict[str, list[str]]]:
    """Every variant's SQL text and result columns."""
    sql: dict[str, str] = {}
    columns: dict[str, list[str]] = {}
    for agg in AGGREGATIONS.values():
        optional = [p for p in agg.params if p not in agg.required]
        for n in range(len(optional) + 1):
            for extra in itertools.combinations(optional, n):
                given = (*agg.required, *extra)
                for dialect, ibis_dialect in DIALECTS.items():
                    build = agg.build
                    if agg.fallback and ibis_dialect in agg.fallback:
                        build = agg.fallback[ibis_dialect]
                    expr = build(tables(agg.tables), **{p: SENTINELS[p] for p in given})
                    text = str(ibis.to_sql(expr, dialect=ibis_dialect))
                    for p in given:
                        literal = _literal(SENTINELS[p], ibis_dialect)
                        if literal not in text:
                            raise RuntimeError(f"{agg.name}: {p} ({literal}) not in its SQL")
                        text = text.replace(literal, _bound(p, ibis_dialect))
                        for trace in _sentinel_traces(p):
                            if trace in text:
                                raise RuntimeError(f"{agg.name} {dialect}: {p} left {trace}")
                    key = variant_key(agg.name, dialect, given)
                    sql[key] = text
                    columns[key] = list(expr.columns)
    return sql, columns


def render() -> str:
    """The text of :mod:`cxm.frames.compiled_sql`."""
    sql, columns = compile_all()
    lines = [
        "# ruff: noqa: E501",
        '"""The store\'s SQL of each aggregation, compiled from :mod:`cxm.frames.aggregations`',
        "by ``python -m cxm.frames.compile --write`` (Ibis "
        f"{ibis.__version__}). Generated: do not edit."
        '"""',
        "",
        "# fmt: off",
        "SQL: dict[str, str] = {",
    ]
    for key, text in sql.items():
        lines.append(f"    {key!r}: {text!r},")
    lines += ["}", "", "COLUMNS: dict[str, list[str]] = {"]
    for key, cols in columns.items():
        lines.append(f"    {key!r}: {cols!r},")
    lines += ["}", "# fmt: on", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        TARGET.write_text(text, encoding="utf-8")
        return 0
    if args.check:
        fresh = TARGET.exists() and TARGET.read_text(encoding="utf-8") == text
        if not fresh:
            print(f"{TARGET} is stale: run python -m cxm.frames.compile --write", file=sys.stderr)  # noqa: T201
        return 0 if fresh else 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
