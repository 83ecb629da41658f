"""Home Assistant discovery payloads and state formats (pure: no broker)."""

from __future__ import annotations

import json
import math

import pytest

from stromzaehler.publish.discovery import (
    Topics,
    discovery_payload,
    encode,
    energy_state,
    health_state,
    power_state,
    timestamp_state,
)

TOPICS = Topics("stromzaehler", "homeassistant")
# What Home Assistant's Energy dashboard accepts for grid consumption (the checks of its
# energy validation: numeric, not negative, the energy device class, an energy unit, a total
# state class). The units are those every release since 2022 accepts; newer ones accept more.
HA_ENERGY_UNITS = {"Wh", "kWh", "MWh", "MJ", "GJ"}
HA_TOTAL_STATE_CLASSES = {"total", "total_increasing"}


def grid_consumption_problems(component: dict, state: str) -> list[str]:
    """Why Home Assistant's Energy dashboard would refuse this sensor as grid consumption."""
    problems = []
    if component.get("p") != "sensor":
        problems.append("not a sensor")
    if component.get("device_class") != "energy":
        problems.append("device_class is not energy")
    if component.get("unit_of_measurement") not in HA_ENERGY_UNITS:
        problems.append("no energy unit")
    if component.get("state_class") not in HA_TOTAL_STATE_CLASSES:
        problems.append("state_class is not total/total_increasing")
    try:
        value = float(state)
    except ValueError:
        problems.append(f"state {state!r} is not numeric")
    else:
        if not math.isfinite(value) or value < 0:
            problems.append(f"state {state!r} is negative or not finite")
    return problems


def test_discovery_is_one_device_message_under_the_prefix():
    assert TOPICS.discovery == "homeassistant/device/stromzaehler/config"
    payload = discovery_payload(TOPICS)
    assert payload["dev"]["ids"] == ["stromzaehler"]
    assert payload["o"]["name"]  # the origin is required for device discovery
    assert payload["availability_topic"] == "stromzaehler/status"
    assert (payload["payload_available"], payload["payload_not_available"]) == (
        "online",
        "offline",
    )
    json.loads(encode(payload))  # valid JSON


def test_every_component_has_platform_unique_id_and_no_object_id():
    components = discovery_payload(TOPICS)["cmps"]
    assert set(components) >= {"energy", "power", "last_reading"}
    unique_ids = [c["unique_id"] for c in components.values()]
    assert len(set(unique_ids)) == len(unique_ids)
    for component in components.values():
        assert component["p"] == "sensor"
        assert "object_id" not in component and "default_entity_id" not in component
        assert component["state_topic"].startswith("stromzaehler/")


def test_energy_sensor_is_what_the_energy_dashboard_needs_for_grid_consumption():
    energy = discovery_payload(TOPICS)["cmps"]["energy"]
    assert energy["state_class"] == "total_increasing"
    assert energy["unit_of_measurement"] == "kWh"
    assert grid_consumption_problems(energy, energy_state(99_516_000)) == []


def test_the_check_itself_finds_what_home_assistant_would_refuse():
    energy = discovery_payload(TOPICS)["cmps"]["energy"]
    assert grid_consumption_problems({**energy, "state_class": "measurement"}, "1.0")
    assert grid_consumption_problems({**energy, "unit_of_measurement": "W"}, "1.0")
    assert grid_consumption_problems(energy, "None")
    assert grid_consumption_problems(energy, energy_state(-100))


def test_power_and_timestamp_and_diagnostics():
    components = discovery_payload(TOPICS)["cmps"]
    power = components["power"]
    assert (power["device_class"], power["unit_of_measurement"], power["state_class"]) == (
        "power",
        "W",
        "measurement",
    )
    assert components["last_reading"]["device_class"] == "timestamp"
    diagnostics = [c for c in components.values() if c.get("entity_category") == "diagnostic"]
    assert {c["state_topic"] for c in diagnostics} == {"stromzaehler/health"}
    assert len(diagnostics) == 3


@pytest.mark.parametrize(
    ("wh", "text"), [(0, "0.000"), (99_516_000, "99516.000"), (99_516_123, "99516.123")]
)
def test_energy_state_is_exact_kwh(wh, text):
    assert energy_state(wh) == text


def test_states_for_unknown_values_are_home_assistants_unknown():
    assert power_state(None) == "None"
    assert power_state(180.74) == "181"
    assert timestamp_state(None) == "None"
    assert timestamp_state(0) == "1970-01-01T00:00:00+00:00"
    assert json.loads(health_state(3, 1, "rejected", "too_fast")) == {
        "frames_accepted": 3,
        "frames_rejected": 1,
        "last_status": "rejected",
        "last_reason": "too_fast",
    }


def test_device_id_keeps_to_the_characters_home_assistant_allows():
    assert Topics("home/meter 1", "ha").device_id == "home_meter_1"
    assert Topics("home/meter 1", "ha").discovery == "ha/device/home_meter_1/config"
