"""Property-based run of the whole API from its OpenAPI document (schemathesis): whatever
the input, no answer is a server error (5xx). Seed 0, 25 examples per operation, with an
admin's bearer token, against the real app on a database holding a wave with answers, on
SQLite and PostgreSQL. Every operation is run and every 5xx collected before the test
fails, naming each. Run alone with ``pytest -m fuzz``."""

from __future__ import annotations

import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings

from cxm.accounts import create_token
from cxm.store import Store
from tests.staff.conftest import Survey

pytestmark = pytest.mark.fuzz

EXAMPLES = 25


def test_no_input_gives_a_server_error(
    app: Any, store: Store, users: dict[str, str], survey: Survey
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    calls = 0
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()

        @seed(0)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            nonlocal calls
            # A token per case: a generated DELETE /me/tokens/{id} may revoke the one in use.
            with store.session() as s:
                token = create_token(s, name="alice", label="fuzz").secret
            response = case.call(
                headers={"Authorization": f"Bearer {token}", "accept": "application/json"}
            )
            calls += 1
            if response.status_code >= 500:
                failures.append(
                    f"{response.status_code} {case.method} {case.formatted_path} "
                    f"query={case.query} body={str(case.body)[:200]}: {response.text[:200]}"
                )

        run()
    elapsed = time.monotonic() - started
    print(f"schemathesis: {calls} calls in {elapsed:.1f} s")  # noqa: T201 - the run's size
    assert calls > 500
    assert not failures, "\n".join(failures[:40])
