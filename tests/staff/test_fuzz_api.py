"""Property-based run of the whole API from its OpenAPI document (schemathesis), on SQLite
and PostgreSQL, against the real app on a database holding a wave with answers, with an
admin's bearer token. Two phases, each collecting every failure before the test fails:

* examples: seed 0, 25 examples per operation; every answer is checked for a server error
  (5xx) and for conformance to the operation's documented response schema;
* stateful: sequences of calls along the links between operations (create a case, then
  read, note, hand over and resolve it; create a wave, then read its rates and responses…;
  schemathesis infers the links from the schema, 84 of them), the same two checks on
  every answer; each sequence starts from the same data (the database is put back to
  the fixtures' state before it), so Hypothesis's replays draw what they drew before.

Run alone with ``pytest -m fuzz``."""

from __future__ import annotations

import importlib
import pkgutil
import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

import cxm
from cxm.accounts import create_token
from cxm.store import Store
from tests.db_snapshots import DatabaseSnapshot
from tests.staff.conftest import Survey

pytestmark = pytest.mark.fuzz

EXAMPLES = 25
CHECKS = [not_a_server_error, response_schema_conformance]
#: Stateful scenarios and the steps each may take. Each scenario starts from the same data
#: (the database is put back before it), so a run is the same on every run and on both
#: databases: 30 of up to 15 steps make ~465 calls over 38 operations and follow 12 links
#: in ~7 s on an idle machine (40 of up to 6: ~260 calls over 32 operations, 10 links).
SCENARIOS = 30
STEPS = 15
#: Seconds an answer may take (the first text analysis loads its dictionaries; a loaded
#: shared machine is slow): a slow answer is not what this test looks for.
TIMEOUT = 120


def _failure(response: Any, case: Any, exc: BaseException) -> str:
    return (
        f"{response.status_code} {case.method} {case.formatted_path} query={case.query} "
        f"body={str(case.body)[:160]}: {str(exc).strip()[:400]}"
    )


def _token(store: Store) -> str:
    # A token per case: a generated DELETE /me/tokens/{id} may revoke the one in use.
    with store.session() as s:
        return create_token(s, name="alice", label="fuzz").secret


def _load_every_cxm_module() -> None:
    """Hypothesis mixes the constants of the loaded local modules into what it draws (and
    cxm's modules load lazily): with all of them loaded first, a run draws the same whatever
    ran before it in the process (18 links alone, 16 after the examples test, before)."""
    for found in pkgutil.walk_packages(cxm.__path__, "cxm."):
        importlib.import_module(found.name)


def test_no_input_gives_a_server_error_or_breaks_the_schema(
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
            headers = {"Authorization": f"Bearer {_token(store)}", "accept": "application/json"}
            response = case.call(headers=headers, timeout=TIMEOUT)
            calls += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as exc:
                failures.append(_failure(response, case, exc))

        run()
    elapsed = time.monotonic() - started
    print(f"schemathesis examples: {calls} calls in {elapsed:.1f} s")  # noqa: T201 - run size
    assert calls > 500
    assert not failures, "\n".join(failures[:40])


def test_stateful_sequences_along_the_links(
    app: Any, store: Store, users: dict[str, str], survey: Survey
) -> None:
    _load_every_cxm_module()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    injected = schema.analysis.inject_links()
    assert injected >= 50  # create → read links exist (cases, waves, segments, projects…)
    assert {"GET /api/v1/cases/{case_id}", "POST /api/v1/cases/{case_id}/resolve"} <= (
        schema.operations_with_incoming_links()
    )
    failures: list[str] = []
    steps: dict[str, int] = {}
    followed: dict[str, int] = {}
    base = schema.as_state_machine()
    snapshot = DatabaseSnapshot(store)

    class Machine(base):  # type: ignore[valid-type, misc]
        def setup(self) -> None:
            # Every scenario starts from the same data: Hypothesis replays a scenario's
            # beginning and expects the same draws, and the links draw from the answers.
            snapshot.restore()

        def step(self, input: Any) -> Any:
            transition = input.transition
            if transition is not None and input.is_applied:  # a value from an earlier answer
                label = f"{input.case.method} {input.case.path}"
                followed[label] = followed.get(label, 0) + 1
            try:
                return super().step(input)
            except Exception as exc:  # the app raised: a server error by another name
                case = input.case
                failures.append(f"{case.method} {case.formatted_path}: {exc!r}"[:600])
                raise

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {
                "timeout": TIMEOUT,
                "headers": {
                    "Authorization": f"Bearer {_token(store)}",
                    "accept": "application/json",
                },
            }

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            label = f"{case.method} {case.path}"
            steps[label] = steps.get(label, 0) + 1
            try:
                case.validate_response(response, checks=CHECKS)
            except FailureGroup as exc:
                failures.append(_failure(response, case, exc))

    started = time.monotonic()
    try:
        Machine.run(
            settings=settings(
                max_examples=SCENARIOS,
                stateful_step_count=STEPS,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
                derandomize=True,
                phases=[Phase.generate],
            )
        )
    except Exception as exc:  # reported with what was collected (a Flaky too)
        failures.append(f"the run stopped: {exc!r}"[:600])
    finally:
        snapshot.close()
    elapsed = time.monotonic() - started
    print(  # noqa: T201 - the run's size
        f"schemathesis stateful: {sum(steps.values())} calls over {len(steps)} operations, "
        f"{sum(followed.values())} along {len(followed)} links, in {elapsed:.1f} s: "
        + "; ".join(f"{k} ({v})" for k, v in sorted(followed.items()))
    )
    # Sequences really follow links: calls made with values taken from earlier answers
    # (12 links on both databases when written).
    assert len(followed) >= 8, followed
    assert sum(steps.values()) >= 200, steps
    assert not failures, "\n".join(sorted(set(failures))[:40])
