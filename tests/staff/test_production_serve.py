"""``cxm serve --production`` in a child process on loopback, behind a simulated proxy:
idle connections are closed after the configured timeout, the session cookie is Secure
when the original scheme was https, HSTS / Permissions-Policy / CSP are on every response,
logs are JSON lines carrying the request id, /readyz and /metrics answer."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

IDLE_TIMEOUT_S = 2


# A production server with several workers, started once for the module (seconds): in
# `make test` and CI, not in `make test-fast`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("serve")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    log = tmp / "server.log"
    env = {
        **os.environ,
        "CXM_DATABASE_URL": f"sqlite:///{tmp / 'cxm.db'}",
        "CXM_SECRET_KEY": "a-long-random-test-secret-" + "x" * 30,
        "CXM_TRUSTED_PROXIES": "127.0.0.1",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    cmd = [sys.executable, "-c", "from cxm.cli import main; main()", "serve", "--production"]
    cmd += ["--port", str(port), "--workers", "2", "--idle-timeout", str(IDLE_TIMEOUT_S)]
    with log.open("w") as err:
        proc = subprocess.Popen(cmd, env=env, stderr=err, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("cxm serve --production did not start: " + log.read_text()[-2000:])
        time.sleep(0.1)
    yield url, log
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _closed_after(sock: socket.socket, limit_s: float) -> float | None:
    """Seconds until the server closed ``sock`` (None if still open after ``limit_s``)."""
    sock.settimeout(limit_s)
    started = time.monotonic()
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - started


def test_an_idle_connection_is_closed_after_the_timeout(served) -> None:  # type: ignore[no-untyped-def]
    url, _log = served
    port = int(url.rsplit(":", 1)[1])
    silent = socket.create_connection(("127.0.0.1", port))
    slow = socket.create_connection(("127.0.0.1", port))
    slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # the head never completes
    with silent, slow:
        waited = _closed_after(silent, IDLE_TIMEOUT_S + 8)
        assert waited is not None, "a connection that sent nothing was never closed"
        assert waited >= IDLE_TIMEOUT_S * 0.5
        assert _closed_after(slow, IDLE_TIMEOUT_S + 8) is not None
    # Between requests too (uvicorn's keep-alive timeout).
    kept = socket.create_connection(("127.0.0.1", port))
    with kept:
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert kept.recv(65536).startswith(b"HTTP/1.1 200")
        assert _closed_after(kept, IDLE_TIMEOUT_S + 8) is not None


def test_behind_a_tls_proxy_the_cookie_is_secure_and_hsts_is_sent(served) -> None:  # type: ignore[no-untyped-def]
    url, _log = served
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    page = httpx.get(url + "/staff/login", headers=proxied)
    assert page.status_code == 200
    cookie = page.headers["set-cookie"]
    assert "cxm_session=" in cookie and "secure" in cookie.lower()
    plain = httpx.get(url + "/staff/login")
    assert "secure" not in plain.headers["set-cookie"].lower()
    for response in (page, plain, httpx.get(url + "/nowhere"), httpx.get(url + "/api/v1/me")):
        headers = response.headers
        assert headers["strict-transport-security"].startswith("max-age=31536000")
        assert "camera=()" in headers["permissions-policy"]
        assert "default-src 'self'" in headers["content-security-policy"]
        assert len(headers["x-request-id"]) >= 16


def test_logs_are_json_lines_with_the_request_id(served) -> None:  # type: ignore[no-untyped-def]
    url, log = served
    answer = httpx.get(url + "/readyz", headers={"X-Request-ID": "probe-42"})
    assert answer.status_code == 200 and answer.json()["migrations"] == "current"
    assert answer.headers["x-request-id"] == "probe-42"
    time.sleep(0.5)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert lines and all({"time", "level", "message", "request_id"} <= set(x) for x in lines)
    assert any(x["request_id"] == "probe-42" and "/readyz" in x["message"] for x in lines)


def test_metrics_in_prometheus_format_from_every_worker(served) -> None:  # type: ignore[no-untyped-def]
    url, _log = served
    for _ in range(20):
        httpx.get(url + "/healthz")
    text = httpx.get(url + "/metrics").text
    assert "# TYPE cxm_http_requests_total counter" in text
    line = next(
        x
        for x in text.splitlines()
        if x.startswith("cxm_http_requests_total{") and 'route="/healthz"' in x
    )
    assert float(line.rsplit(" ", 1)[1]) >= 20
    assert "cxm_http_request_duration_seconds_bucket" in text
    assert "cxm_staff_sessions_live 0.0" in text  # a gauge read from the database
    assert httpx.get(url + "/metrics", headers={"X-Forwarded-For": "8.8.8.8"}).status_code == 401
