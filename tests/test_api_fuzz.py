"""Property test over the OpenAPI schema: no input gives a server error, and every documented
answer (the 422 bodies above all) matches the schema. Bounded in examples per operation and in
time; logged in with the CSRF token, so the changes are reached too, not only the 401.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

from stromzaehler.config import load_settings  # noqa: E402
from stromzaehler.runtime import build_disc_loop, build_service  # noqa: E402
from stromzaehler.store import Store  # noqa: E402
from stromzaehler.web.api_auth import set_password  # noqa: E402
from stromzaehler.web.app import create_app  # noqa: E402

PASSWORD = "correct horse"
EXAMPLES_PER_OPERATION = 30
# Operations that would end the fuzzing session itself, and streams that never end (the
# server tests read those through real HTTP).
SKIPPED = {
    ("POST", "/api/logout"),
    ("POST", "/api/password"),
    ("GET", "/api/stream"),
    ("GET", "/api/power/stream"),
}


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("fuzz")
    app_settings = load_settings(
        environ={},
        overrides={"storage": {"data_dir": str(data_dir)}, "capture": {"source": "simulated"}},
    )
    store = Store.open(data_dir)
    start = 1_767_225_600  # 2026-01-01T00:00Z: two days of minute readings to compute on
    store.add_readings_bulk((start + 60 * i, 1_000_000 + 5 * i, 1.0, "test") for i in range(2880))
    set_password(store, PASSWORD)
    # The capture service and the disc loop are built, not started: one frame is taken so the
    # live routes have something to show (the loops themselves are not what is fuzzed here).
    service = build_service(app_settings, store)
    service.step()
    app = create_app(app_settings, store, service, build_disc_loop(app_settings, store, service))
    client = TestClient(app)
    login = client.post("/api/login", json={"password": PASSWORD})
    assert login.status_code == 200
    yield app, dict(client.cookies), {"X-CSRF-Token": login.json()["csrf_token"]}
    service.stop()


@pytest.mark.slow
def test_no_input_gives_a_server_error(fuzzed):
    app, cookies, csrf = fuzzed
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case):
            case.call_and_validate(
                headers={**(case.headers or {}), **csrf},
                cookies=cookies,
                checks=[not_a_server_error, response_schema_conformance],
                # Catches a hang, not a slow answer: the PV grid's first sweep took more than
                # schemathesis' default 10 s on a loaded two-core machine.
                timeout=120,
            )

        call()
