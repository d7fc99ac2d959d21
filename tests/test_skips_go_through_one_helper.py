"""A test whose resource is missing skips through ``tests.conftest.skip_or_fail`` only, so
that ``CXM_REQUIRE_ALL=1`` (set by ``.ci/run``) turns every such skip into a failure."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).parent
#: Ways to skip that bypass the helper.
DIRECT = re.compile(r"pytest\.skip\(|pytest\.importorskip\(|mark\.skipif\(|mark\.skip\(")


def test_no_test_skips_directly() -> None:
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        if path.name == "conftest.py" and path.parent == TESTS:
            continue  # where skip_or_fail lives
        if path == Path(__file__):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if DIRECT.search(line):
                offenders.append(f"{path.relative_to(TESTS.parent)}:{number}: {line.strip()}")
    assert not offenders, "skip with tests.conftest.skip_or_fail instead:\n" + "\n".join(offenders)
