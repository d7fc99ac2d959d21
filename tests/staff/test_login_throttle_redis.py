"""With CXM_REDIS_URL the sign-in throttle counts in Redis (a real redis-server on a free
loopback port): shared by two app instances, a known browser still gets in, and the
database keeps the record of every attempt."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from cxm.accounts.login_models import LoginAttempt
from cxm.config import Settings
from cxm.store import Store
from cxm.web.app import create_app
from tests.conftest import skip_or_fail
from tests.staff.conftest import PASSWORD, TestClient, login


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    server = shutil.which("redis-server")
    if server is None:
        skip_or_fail("redis-server is not installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    cmd = [str(server), "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    cmd += ["--appendonly", "no", "--dir", str(tmp_path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


def test_redis_counts_are_shared_and_spare_the_known_browser(
    settings: Settings, store: Store, users, redis_url: str
) -> None:  # type: ignore[no-untyped-def]
    with_redis = settings.model_copy(update={"redis_url": redis_url})
    one = create_app(with_redis, store=store)
    two = create_app(with_redis, store=Store.open(settings.database_url))
    try:
        with TestClient(one, client=("192.0.2.1", 1)) as real:
            assert login(real, "alice").status_code == 303  # a known browser from now on
        with TestClient(one, client=("198.51.100.1", 1)) as attacker:
            for _ in range(5):
                assert login(attacker, "alice", "wrong password!").status_code == 401
        with TestClient(two, client=("198.51.100.2", 1)) as elsewhere:
            assert login(elsewhere, "alice", PASSWORD).status_code == 429
        with TestClient(two, client=("192.0.2.1", 1)) as real_again:
            real_again.cookies.update(real.cookies)
            assert login(real_again, "alice").status_code == 303
        import redis

        counted = redis.Redis.from_url(redis_url).zcard("cxm:login-failures:account:alice")
        assert counted == 5
    finally:
        two.state.store.close()
    with store.session() as s:
        rows = s.scalar(select(func.count()).select_from(LoginAttempt))
    assert rows == 5 + 1 + 2  # failures, one refused, two sign-ins
