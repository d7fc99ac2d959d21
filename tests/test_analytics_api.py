"""The public API of cxm.analytics is exactly its __all__, and the PLS engine is reachable."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types

import cxm.analytics as analytics


def test_the_public_api_is_exactly_all() -> None:
    for name in analytics.__all__:  # most names are imported on first use
        assert getattr(analytics, name) is not None
    exported = set(analytics.__all__)
    assert len(exported) == len(analytics.__all__), "a name is listed twice in __all__"
    public = {
        name
        for name, value in vars(analytics).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)  # submodules appear once imported
        and name != "annotations"
    }
    assert public == exported - {"pls"}


def test_importing_analytics_does_not_import_scipy_stats() -> None:
    """``cxm`` commands start fast: scipy.stats (0.5 s) loads only when a function needs it."""
    code = "import sys, cxm.analytics; print('scipy.stats' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_six_sigma_projects_and_people_linkage_load_without_scipy() -> None:
    """Their intervals take Φ and Φ⁻¹ from ``analytics._intervals`` (checked against scipy
    in tests/test_student_t.py and tests/test_improvement_effects.py): ``cxm projects
    list`` and the people page do not pay scipy's import (0.2 s for scipy.special)."""
    code = (
        "import sys, cxm.standards.projects, cxm.analytics.linkage, cxm.people.linkage_report\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy')[:3])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_star_import_gives_all() -> None:
    namespace: dict[str, object] = {}
    exec("from cxm.analytics import *", namespace)  # noqa: S102 - a star import is the subject
    assert set(namespace) - {"__builtins__"} == set(analytics.__all__)


def test_the_pls_engine_is_importable_from_analytics() -> None:
    if importlib.util.find_spec("cxm.analytics.pls") is None:
        assert "pls" not in analytics.__all__
        return
    from cxm.analytics import pls

    assert pls is importlib.import_module("cxm.analytics.pls")
    assert analytics.pls is pls


def test_the_scores_function_is_exported() -> None:
    from cxm.analytics import csat, scores

    assert callable(scores) and callable(csat)
