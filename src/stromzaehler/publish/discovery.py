"""Home Assistant MQTT discovery and state payloads: pure, no client, no clock.

Device-based discovery (one retained `<prefix>/device/<id>/config` with `dev`, `o` and `cmps`;
Home Assistant 2024.11 and later) rather than one config per entity: the device, its origin and
availability are said once, and all entities appear, change or go away together with one
retained message, so Home Assistant never sees half a device.

Unique ids derive from the base topic (`stromzaehler_energy` for `stromzaehler`): two meters on
one broker need two base topics anyway, and the same base topic keeps Home Assistant's
long-term statistics attached after a reinstall.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..clock import iso_utc

ONLINE, OFFLINE = "online", "offline"
# Home Assistant's MQTT sensor shows this payload as "unknown".
UNKNOWN = "None"


@dataclass(frozen=True)
class Topics:
    base: str
    discovery_prefix: str

    @property
    def device_id(self) -> str:
        return re.sub(r"[^A-Za-z0-9_-]", "_", self.base)

    @property
    def discovery(self) -> str:
        return f"{self.discovery_prefix}/device/{self.device_id}/config"

    @property
    def ha_status(self) -> str:
        """Where Home Assistant announces itself (`online` after each start)."""
        return f"{self.discovery_prefix}/status"

    @property
    def availability(self) -> str:
        return f"{self.base}/status"

    @property
    def energy(self) -> str:
        return f"{self.base}/energy"

    @property
    def power(self) -> str:
        return f"{self.base}/power"

    @property
    def last_reading(self) -> str:
        return f"{self.base}/last_reading"

    @property
    def health(self) -> str:
        return f"{self.base}/health"

    @property
    def sync(self) -> str:
        """The publisher's echo to itself (see mqtt.py: the retained energy check)."""
        return f"{self.base}/sync"


def _sensor(topics: Topics, key: str, name: str, state_topic: str, **extra: Any) -> dict:
    return {
        "p": "sensor",
        "name": name,
        "unique_id": f"{topics.device_id}_{key}",
        "state_topic": state_topic,
        **extra,
    }


def _diagnostic(topics: Topics, key: str, name: str, template: str, **extra: Any) -> dict:
    return _sensor(
        topics,
        key,
        name,
        topics.health,
        entity_category="diagnostic",
        value_template=template,
        **extra,
    )


def discovery_payload(topics: Topics, device_name: str = "Stromzähler") -> dict[str, Any]:
    """The retained device discovery message (a dict; `encode` makes the bytes)."""
    components = {
        "energy": _sensor(
            topics,
            "energy",
            "Energy",
            topics.energy,
            device_class="energy",
            state_class="total_increasing",
            unit_of_measurement="kWh",
            suggested_display_precision=1,
        ),
        "power": _sensor(
            topics,
            "power",
            "Power",
            topics.power,
            device_class="power",
            state_class="measurement",
            unit_of_measurement="W",
            suggested_display_precision=0,
        ),
        "last_reading": _sensor(
            topics, "last_reading", "Last reading", topics.last_reading, device_class="timestamp"
        ),
        "frames_accepted": _diagnostic(
            topics,
            "frames_accepted",
            "Frames accepted",
            "{{ value_json.frames_accepted }}",
            state_class="total_increasing",
        ),
        "frames_rejected": _diagnostic(
            topics,
            "frames_rejected",
            "Frames rejected",
            "{{ value_json.frames_rejected }}",
            state_class="total_increasing",
        ),
        "last_reason": _diagnostic(
            topics,
            "last_reason",
            "Last frame",
            "{{ value_json.last_reason or value_json.last_status or 'none' }}",
        ),
    }
    return {
        "dev": {
            "ids": [topics.device_id],
            "name": device_name,
            "mf": "stromzaehler-pi",
            "mdl": "Ferraris meter read by a camera",
            "sw": __version__,
        },
        "o": {"name": "stromzaehler-pi", "sw": __version__},
        "availability_topic": topics.availability,
        "payload_available": ONLINE,
        "payload_not_available": OFFLINE,
        "cmps": components,
    }


def encode(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def energy_state(total_wh: int) -> str:
    """kWh with the Wh in the decimals: exact, and the unit Home Assistant's Energy uses."""
    sign = "-" if total_wh < 0 else ""
    whole, wh = divmod(abs(total_wh), 1000)
    return f"{sign}{whole}.{wh:03d}"


def power_state(power_w: float | None) -> str:
    return UNKNOWN if power_w is None else str(round(power_w))


def timestamp_state(t_utc: int | None) -> str:
    if t_utc is None:
        return UNKNOWN
    return iso_utc(t_utc)


def health_state(
    frames_accepted: int, frames_rejected: int, last_status: str | None, last_reason: str | None
) -> str:
    return encode(
        {
            "frames_accepted": frames_accepted,
            "frames_rejected": frames_rejected,
            "last_status": last_status,
            "last_reason": last_reason,
        }
    )
