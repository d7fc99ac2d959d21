"""A command loads every domain's models at its first write, not when it opens the store:
a command that only reads builds none it does not use, and a write still finds the tables
another domain's foreign keys name (a staff user's team)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CREATE = """
import sys
from cxm.cli.context import one_command, open_store
from cxm.accounts.service import create_user, list_users

with one_command(), open_store() as store:
    with store.session() as s:
        list_users(s)
    assert "cxm.registry" not in sys.modules, "a read loaded every model"
    with store.session() as s:
        create_user(s, name="alice", password="correct-horse-42", role="admin")
    assert "cxm.registry" in sys.modules, "a write did not load every model"
"""
#: What `cxm security reset-password` writes, in a process of its own: it failed with
#: NoReferencedTableError (teams) when a command loaded only the models it imports.
RESET = """
from cxm.cli.context import one_command, open_store
from cxm.accounts.sessions import reset_password

with one_command(), open_store() as store, store.session() as s:
    reset_password(s, name="alice", password="correct-horse-45")
print("reset")
"""


def _run(code: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow  # several seconds: in `make test`, not `make test-fast`
def test_models_load_at_the_first_write(tmp_path: Path) -> None:
    env = {**os.environ, "CXM_DATABASE_URL": f"sqlite:///{tmp_path / 'cxm.db'}"}
    _run("from cxm.cli.context import open_store; open_store().close()", env)  # migrate
    _run(CREATE, env)
    assert _run(RESET, env).strip() == "reset"
