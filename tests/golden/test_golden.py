"""Behaviour is unchanged: the ``--json`` outputs of the main commands on a fixed-seed demo
company equal those kept in ``tests/golden/`` to a relative tolerance of 1e-12.

A change that alters a figure on purpose regenerates them (``make golden``) in a commit of
its own that lists each changed figure and why.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.golden.commands import COMMANDS, compare, golden_path, run_all


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_all(Path(tmp_path_factory.mktemp("golden")))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_output_equals_the_golden_one(name: str, outputs: dict[str, Any]) -> None:
    path = golden_path(name)
    assert path.exists(), f"{path} is missing: run `make golden`"
    expected = json.loads(path.read_text(encoding="utf-8"))
    problems = compare(expected, outputs[name])
    assert not problems, f"cxm {' '.join(COMMANDS[name])}:\n" + "\n".join(problems[:30])


def test_compare_sees_a_change_beyond_the_tolerance() -> None:
    assert compare({"a": [1.0, "x"]}, {"a": [1.0 + 1e-13, "x"]}) == []
    assert compare({"a": [1.0]}, {"a": [1.0 + 1e-9]}) == ["/a/0: 1.0 != 1.000000001"]
    assert compare({"a": 1}, {"b": 1}) == ["/a: missing", "/b: new"] or compare(
        {"a": 1}, {"b": 1}
    ) == ["/b: new", "/a: missing"]
    assert compare([float("nan")], [float("nan")]) == []
    # The last bits of a near-cancelling figure pass; a change at 1e-14 absolute does not.
    assert compare([-2.7135664533325195e-05], [-2.7135664533059484e-05]) == []
    assert compare([2.7e-05], [2.7e-05 + 1e-14]) != []
    assert compare({"k": True}, {"k": 1}) == ["/k: True != 1"]
