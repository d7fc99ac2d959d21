"""No meaning travels in ``DataFrame.attrs``: pandas drops it on most operations (a merge,
a concat, a new frame), so a count, a date or a warning kept there silently disappears.
Results carry such figures as typed fields instead — a frozen dataclass, or a frame beside
a dataclass of metadata (issue 12, item 3)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "cxm"


def _uses(path: Path, root: Path = SRC.parent) -> list[str]:
    """``file:line`` of each ``x.attrs`` and ``getattr(x, "attrs")`` in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        named = isinstance(node, ast.Attribute) and node.attr == "attrs"
        by_name = (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value == "attrs"
        )
        if named or by_name:
            found.append((getattr(node, "lineno", 0), path.relative_to(root).as_posix()))
    return [f"{name}:{line}" for line, name in sorted(found)]


def test_no_source_file_keeps_meaning_in_frame_attrs() -> None:
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 100  # the tree was found
    uses = [use for path in files for use in _uses(path)]
    assert uses == [], "`.attrs` used (return a dataclass instead):\n" + "\n".join(uses)


def test_the_check_sees_a_use(tmp_path: Path) -> None:
    sample = tmp_path / "cxm" / "sample.py"
    sample.parent.mkdir()
    sample.write_text(
        'def f(df):\n    df.attrs["n"] = 3\n    return getattr(df, "attrs")\n', encoding="utf-8"
    )
    assert _uses(sample, tmp_path) == ["cxm/sample.py:2", "cxm/sample.py:3"]
