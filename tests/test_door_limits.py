"""Limits at the door: bodies capped before they are read, bounded password checks with a
growing per-client delay and lock-out, CSRF on logout, and the inputs that once gave a 500."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import threading

import pytest
from fastapi.testclient import TestClient

from stromzaehler.config import load_settings
from stromzaehler.store import Store
from stromzaehler.web import login_guard
from stromzaehler.web.api_auth import set_password
from stromzaehler.web.app import create_app
from stromzaehler.web.body_limit import JSON_BODY_LIMIT_BYTES, BodyLimit
from stromzaehler.web.login_guard import LoginGuard, LoginRefused

PASSWORD = "correct horse"


@pytest.fixture
def client(tmp_path):
    settings = load_settings(environ={}, overrides={"storage": {"data_dir": str(tmp_path)}})
    store = Store.open(tmp_path)
    set_password(store, PASSWORD)
    return TestClient(create_app(settings, store, None), raise_server_exceptions=False)


def test_a_body_over_the_cap_is_refused_with_413(client):
    big = b'{"password": "' + b"x" * (2 * JSON_BODY_LIMIT_BYTES) + b'"}'
    response = client.post("/api/login", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


def test_a_chunked_body_over_the_cap_is_refused_while_it_arrives():
    received = 0
    sent: list[dict] = []
    reached_app = False

    async def receive() -> dict:
        nonlocal received
        received += 1  # 80 MB if it were all read
        return {"type": "http.request", "body": b"x" * 8192, "more_body": received < 10_000}

    async def send(message: dict) -> None:
        sent.append(message)

    async def app(scope, receive, send) -> None:
        nonlocal reached_app
        reached_app = True

    scope = {"type": "http", "path": "/api/login", "headers": []}
    # Its own thread: another test may have left an event loop running in this one.
    runner = threading.Thread(target=lambda: asyncio.run(BodyLimit(app)(scope, receive, send)))
    runner.start()
    runner.join()
    assert sent[0]["status"] == 413
    assert not reached_app
    assert received <= JSON_BODY_LIMIT_BYTES // 8192 + 1  # the rest was never asked for


def test_a_body_within_the_cap_still_works(client):
    assert client.post("/api/login", json={"password": PASSWORD}).status_code == 200


def test_the_cap_holds_on_a_real_server_without_content_length(service_factory):
    service = service_factory("--simulate", "--interval", "3600")
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=20)
    connection.putrequest("POST", "/api/login")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    status = None
    try:
        for _ in range(2000):
            chunk = b"x" * 65536
            connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    except OSError:
        pass  # the server answered and closed the connection
    status = connection.getresponse().status
    assert status == 413
    assert service.get_json("/api/health")["status"] != "failing"


def test_logout_needs_the_csrf_token_of_a_live_session(client):
    csrf = client.post("/api/login", json={"password": PASSWORD}).json()["csrf_token"]
    assert client.post("/api/logout").status_code == 403
    assert client.get("/api/session").json()["authenticated"] is True
    assert client.post("/api/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.get("/api/session").json()["authenticated"] is False
    assert client.post("/api/logout").status_code == 200  # nothing to end: harmless


def test_wrong_passwords_make_the_client_wait_then_lock_it_out(client):
    codes = [client.post("/api/login", json={"password": "wrong one"}).status_code
             for _ in range(login_guard.FREE_FAILURES + 2)]
    # A typo or two are answered at once; then the client has to wait.
    assert codes[: login_guard.FREE_FAILURES + 1] == [401] * (login_guard.FREE_FAILURES + 1)
    assert codes[-1] == 429
    refused = client.post("/api/login", json={"password": PASSWORD})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _try(guard: LoginGuard, client: str, ok: bool) -> None:
    assert guard.verify(client, lambda: ok) is ok


def test_the_delay_grows_with_failures_and_ends_in_a_lockout():
    clock = FakeClock()
    guard = LoginGuard(clock)
    waits = []
    for _ in range(login_guard.LOCKOUT_FAILURES):
        while True:
            try:
                _try(guard, "10.0.0.9", ok=False)
                break
            except LoginRefused as refused:
                waits.append(refused.retry_after_s)
                clock.now += refused.retry_after_s
    assert waits == sorted(waits) and len(waits) >= 3
    with pytest.raises(LoginRefused, match="locked") as locked:
        _try(guard, "10.0.0.9", ok=True)
    assert locked.value.retry_after_s == pytest.approx(login_guard.LOCKOUT_S)
    _try(guard, "10.0.0.10", ok=True)  # another client is not affected
    clock.now += login_guard.LOCKOUT_S
    _try(guard, "10.0.0.9", ok=True)  # the lock ends, a success clears the record
    _try(guard, "10.0.0.9", ok=False)


def test_at_most_two_password_checks_run_at_once():
    guard = LoginGuard()
    running = 0
    most = 0
    lock = threading.Lock()
    release = threading.Event()

    def check(client: str) -> None:
        def slow_check() -> bool:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            release.wait(5)
            with lock:
                running -= 1
            return True

        with contextlib.suppress(LoginRefused):
            guard.verify(client, slow_check)

    threads = [threading.Thread(target=check, args=(f"10.0.0.{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join()
    assert most <= login_guard.MAX_CONCURRENT_CHECKS


@pytest.mark.parametrize(
    "path",
    [
        "/api/readings?to=inf",
        "/api/readings?from=0001-01-01",
        "/api/consumption?resolution=day&from=9999-12-31&to=9999-12-31T23:00",
        "/api/frames/9223372036854775808/image",
    ],
)
def test_out_of_range_queries_are_422_with_a_list_detail(client, path):
    response = client.get(path)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list) and response.json()["detail"][0]["msg"]


@pytest.mark.parametrize("body", ['{"password": NaN}', '{"password": "\\ud800"}'])
def test_unrepresentable_passwords_are_422(client, body):
    response = client.post("/api/login", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_an_infinite_counter_is_422(client):
    csrf = client.post("/api/login", json={"password": PASSWORD}).json()["csrf_token"]
    response = client.post(
        "/api/counter/manual",
        content='{"time": "2026-01-01T00:00", "counter_kwh": 1e400}',
        headers={"content-type": "application/json", "X-CSRF-Token": csrf},
    )
    assert response.status_code == 422
