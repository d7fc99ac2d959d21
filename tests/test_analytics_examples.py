"""The Examples in the analytics docstrings run and print what they say (doctest)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "cxm.analytics.reliability",
    "cxm.analytics.scores",
    "cxm.analytics.scores_nps",
    "cxm.analytics.scores_change",
    "cxm.analytics.drivers",
    "cxm.analytics.ipa",
    "cxm.analytics.index",
    "cxm.analytics.loyalty",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
