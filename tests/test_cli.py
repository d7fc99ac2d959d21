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


def test_the_cxm_program_pauses_the_garbage_collector_while_a_command_starts() -> None:
    """The installed ``cxm`` runs :func:`cxm.cli.entry`: the cyclic collector is off while a
    command imports its modules and back on, with those objects frozen, once it runs long."""
    import tomllib

    scripts = tomllib.loads(
        (Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    )["project"]
    assert scripts["scripts"]["cxm"] == "cxm.cli:entry"
    code = (
        "import gc, sys, time\n"
        "import cxm.cli as cli\n"
        "cli.GC_PAUSE_SECONDS = 0.2\n"
        "sys.argv = ['cxm', '--help']\n"
        "try:\n"
        "    cli.entry()\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "during = gc.isenabled()\n"
        "time.sleep(0.8)\n"
        "print(during, gc.isenabled(), gc.get_freeze_count() > 0, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "cxm" in done.stdout  # the help page: the command ran
    assert done.stderr.split() == ["False", "True", "True"]
