"""The command line as a whole: usage errors are a short message, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nosuch"], "No such command 'nosuch'"),
        (["segments", "define"], "Missing argument"),
        (["targets", "set", "value", "key"], "Missing option '--value'"),
        (["demo", "--customers", "many"], "Invalid value for '--customers'"),
    ],
)
def test_a_usage_error_is_one_clear_message(args: list[str], message: str, tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "cxm"
    if not script.exists():
        skip_or_fail(f"console script not installed at {script}")
    env = {**os.environ, "CXM_DATABASE_URL": f"sqlite:///{tmp_path / 'cxm.db'}"}
    done = subprocess.run(
        [str(script), *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert "Try 'cxm" in done.stderr  # and where to look for help
