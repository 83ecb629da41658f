"""One rule for typed readings: the pure check, then Review, POST /api/counter/manual and
`stromzaehler counter manual` refusing the same reading with the same message."""

from __future__ import annotations

import argparse

import pytest
from fastapi.testclient import TestClient

from stromzaehler.capture.loop import CaptureService
from stromzaehler.capture.verdict import FrameHandler
from stromzaehler.cli import analytics as analytics_cli
from stromzaehler.config import REFERENCE_DIGIT_BOXES, load_settings
from stromzaehler.light import NoLight
from stromzaehler.passwords import set_password
from stromzaehler.store import Store
from stromzaehler.typed_reading import (
    CounterLimits,
    Neighbour,
    TypedReadingError,
    check_typed_reading,
)
from stromzaehler.web.app import create_app
from stromzaehler.web.errors import detail_text

from .test_web_api import StillSource, frame_image, with_web_routers

LIMITS = CounterLimits.for_meter(rollers=7, decimals=1, max_power_w=20000)
T0 = 1_780_000_000
PASSWORD = "correct horse"


def before(counter_wh: int, seconds_earlier: int = 3600) -> Neighbour:
    return Neighbour(T0 - seconds_earlier, counter_wh, "the reading before it")


def after(counter_wh: int, seconds_later: int = 3600) -> Neighbour:
    return Neighbour(T0 + seconds_later, counter_wh, "the reading after it")


def test_a_reading_between_its_neighbours_fits():
    check_typed_reading(T0, 99_574_500, before(99_574_000), after(99_575_000), LIMITS)
    check_typed_reading(T0, 99_574_000, before(99_574_000), after(99_574_000), LIMITS)
    check_typed_reading(T0, 5, None, None, LIMITS)


@pytest.mark.parametrize(
    ("typed_wh", "message"),
    [
        (99_000_000, "less than the reading before it (99574.0 kWh at "),
        (99_700_000, "more than the reading before it (99574.0 kWh at "),
        (99_574_500, "more than the reading after it (99574.1 kWh at "),
    ],
)
def test_a_reading_that_does_not_fit_names_the_neighbour(typed_wh, message):
    with pytest.raises(TypedReadingError, match=message.replace("(", r"\(")):
        check_typed_reading(T0, typed_wh, before(99_574_000), after(99_574_100), LIMITS)


def test_the_power_limit_counts_the_time_between():
    # 20 kW for an hour is 20 kWh, plus one step of 100 Wh the reading may be off
    check_typed_reading(T0, 20_100, before(0), None, LIMITS)
    with pytest.raises(TypedReadingError, match=r"plus what 20000 W use in 1.0 h"):
        check_typed_reading(T0, 20_200, before(0), None, LIMITS)
    with pytest.raises(TypedReadingError, match="minus what 20000 W use"):
        check_typed_reading(T0, 0, None, after(20_200), LIMITS)


def test_rollover_past_all_nines_is_forwards():
    last = LIMITS.modulus_wh - 100  # 999999.9 kWh
    check_typed_reading(T0, 300, before(last), None, LIMITS)
    check_typed_reading(T0, last, None, after(300), LIMITS)
    with pytest.raises(TypedReadingError, match="more than the reading after it"):
        check_typed_reading(T0, 400, None, after(300), LIMITS)


def test_outside_the_rollers_is_refused():
    with pytest.raises(TypedReadingError, match="outside what the meter can show"):
        check_typed_reading(T0, LIMITS.modulus_wh, None, None, LIMITS)


# The three entry points with the reading from issue 16: 99,000 kWh typed between two stored
# readings of 99,574 kWh.

NEIGHBOURS = ((T0 - 3600, 99_574_000), (T0 + 3600, 99_574_100))
REFUSED = "99000.0 kWh is less than the reading before it (99574.0 kWh at 2026-05-28T"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    for name in ("STROMZAEHLER_ANALYTICS_TIMEZONE", "STROMZAEHLER_STORAGE_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    store = Store.open(tmp_path / "data")
    for t_utc, counter_wh in NEIGHBOURS:
        store.add_reading(t_utc, counter_wh, 0.99, "still")
    store.close()
    return tmp_path / "data"


@pytest.fixture
def client(data_dir):
    store = Store.open(data_dir)
    settings = load_settings(environ={}, overrides={"storage": {"data_dir": str(data_dir)}})
    service = CaptureService(
        lambda: StillSource(frame_image()), FrameHandler(store), 60, NoLight("test")
    )
    set_password(store, PASSWORD)
    client = TestClient(with_web_routers(create_app(settings, store, service)))
    token = client.post("/api/login", json={"password": PASSWORD}).json()["csrf_token"]
    client.headers["X-CSRF-Token"] = token
    client.store = store  # type: ignore[attr-defined]
    return client


def manual_readings(store: Store) -> list[int]:
    return [r.counter_wh for r in store.readings(0, 2**62) if r.source == "manual"]


def test_review_refuses_it(client):
    store = client.store
    frame_id = store.log_frame(
        T0, "still", "rejected", "low_confidence", reading="0990000", counter_wh=99_000_000,
        confidence=0.3, boxes=[list(b) for b in REFERENCE_DIGIT_BOXES],
    )
    response = client.post(f"/api/frames/{frame_id}/correction", json={"reading": "0990000"})
    assert response.status_code == 422
    assert REFUSED in detail_text(response.json())
    assert manual_readings(store) == []
    fits = client.post(f"/api/frames/{frame_id}/correction", json={"reading": "99574,0"})
    assert fits.status_code == 200, fits.text
    assert manual_readings(store) == [99_574_000]


def test_the_api_refuses_it_unless_forced(client):
    body = {"time": str(T0), "counter_kwh": 99_000.0}
    response = client.post("/api/counter/manual", json=body)
    assert response.status_code == 422
    assert REFUSED in detail_text(response.json())
    assert manual_readings(client.store) == []
    forced = client.post("/api/counter/manual", json={**body, "force": True})
    assert forced.status_code == 200, forced.text
    assert manual_readings(client.store) == [99_000_000]


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="stromzaehler")
    analytics_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_the_command_refuses_it_unless_forced(data_dir, capsys):
    argv = ["counter", "manual", "--time", str(T0), "--kwh", "99000", "--data", str(data_dir)]
    assert run_cli(argv) == 2
    assert REFUSED in capsys.readouterr().err
    assert manual_readings(Store.open(data_dir)) == []
    assert run_cli([*argv, "--force"]) == 0
    assert manual_readings(Store.open(data_dir)) == [99_000_000]
