"""Typed settings: defaults < TOML file < STROMZAEHLER_* environment < command-line flags.

Validated once at start. A bad value raises ConfigError with one line that names the key, the
value and what is allowed; the CLI turns it into exit code 2.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

# The meter's shapes live with its arithmetic; settings build them (imported from here too).
from .geometry import REFERENCE_DIGIT_BOXES, REFERENCE_DISC_WINDOW, Box, MeterGeometry

ENV_PREFIX = "STROMZAEHLER_"
# Changes made in the web interface live here, inside the data folder (the Pi's /etc is
# read-only for the service); they sit between the --config file and the environment.
UI_SETTINGS_NAME = "settings.toml"


class ConfigError(ValueError):
    """A setting has a value that is not allowed; the message is one line for the user."""


def _box_list(value: Any) -> list[int]:
    if not (isinstance(value, list | tuple) and len(value) == 4):
        raise ValueError("a box is [x, y, w, h]")
    box = [int(v) for v in value]
    if box[0] < 0 or box[1] < 0 or box[2] <= 0 or box[3] <= 0:
        raise ValueError("x and y must be >= 0, w and h > 0")
    return box


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ServerSettings(_Section):
    host: str = Field("0.0.0.0", description="address to listen on")
    port: int = Field(8080, ge=1, le=65535, description="HTTP port (the Pi service uses 80)")


class CaptureSettings(_Section):
    source: str = Field("auto", description="auto | picamera | opencv:N | files:PATH | simulated")
    interval_s: float = Field(60.0, ge=1, le=3600, description="seconds between readings")
    width: int = Field(640, ge=64, le=4056, description="camera frame width in pixels")
    height: int = Field(480, ge=48, le=3040, description="camera frame height in pixels")
    speed: float = Field(1.0, gt=0, le=3600, description="simulated meter: time acceleration")
    require_clock_sync: bool = Field(
        False, description="store readings only while the system clock is NTP-synchronised"
    )
    # Pi camera controls, set per capture (sources/picamera.py): the rollers stand still for the
    # minute capture, so it may expose long at low gain (less noise); the disc turns while the
    # disc loop watches it (at 20 kW and 75 rev/kWh 150 deg/s: 8 ms blur it by 1.2 deg).
    exposure_us: int = Field(
        50000,
        ge=0,
        le=1_000_000,
        description="Pi camera: exposure of the minute capture in microseconds; 0 = automatic",
    )
    analogue_gain: float = Field(
        2.0,
        ge=0,
        le=16,
        description="Pi camera: analogue gain of the minute capture; 0 = automatic",
    )
    disc_exposure_us: int = Field(
        8000,
        ge=0,
        le=200_000,
        description="Pi camera: exposure between minute captures (disc loop), µs; 0 = automatic",
    )
    disc_analogue_gain: float = Field(
        8.0,
        ge=0,
        le=16,
        description="Pi camera: analogue gain between minute captures; 0 = automatic",
    )

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        kind = value.split(":", 1)[0]
        if kind not in {"auto", "picamera", "opencv", "files", "simulated"}:
            raise ValueError("must be auto, picamera, opencv:N, files:PATH or simulated")
        if kind == "opencv" and not value.partition(":")[2].isdigit():
            raise ValueError("opencv needs a device number, e.g. opencv:0")
        if kind == "files" and not value.partition(":")[2]:
            raise ValueError("files needs a path, e.g. files:/home/pi/frames")
        return value


class LightSettings(_Section):
    gpio_pin: int | None = Field(32, ge=0, le=53, description="BCM pin of the LED; none = off")
    enabled: bool = Field(True, description="switch the LED on while capturing")


class MeterSettings(_Section):
    digit_boxes: list[list[int]] = Field(
        default_factory=lambda: [list(b) for b in REFERENCE_DIGIT_BOXES],
        description="one [x, y, w, h] per roller, left to right",
    )
    decimals: int = Field(1, ge=0, le=3, description="rollers right of the decimal point")
    disc_window: list[int] | None = Field(
        default_factory=lambda: list(REFERENCE_DISC_WINDOW), description="[x, y, w, h]"
    )
    revolutions_per_kwh: float = Field(75.0, gt=0, le=10000, description="plate value")

    @field_validator("digit_boxes")
    @classmethod
    def _boxes(cls, value: list[Any]) -> list[list[int]]:
        if not 1 <= len(value) <= 12:
            raise ValueError("needs 1 to 12 boxes")
        return [_box_list(b) for b in value]

    @field_validator("disc_window")
    @classmethod
    def _window(cls, value: Any) -> list[int] | None:
        return None if value is None or value == [] else _box_list(value)

    def geometry(self) -> MeterGeometry:
        return MeterGeometry(
            digit_boxes=tuple(Box(*b) for b in self.digit_boxes),
            decimals=self.decimals,
            disc_window=Box(*self.disc_window) if self.disc_window else None,
            revolutions_per_kwh=self.revolutions_per_kwh,
        )


class DiscSettings(_Section):
    enabled: bool = Field(True, description="watch the disc window between the readings")
    fps: float = Field(5.0, ge=1, le=15, description="disc-window frames per second")


class GateSettings(_Section):
    max_power_w: float = Field(20000.0, gt=0, le=200000, description="highest plausible power")


class AnalyticsSettings(_Section):
    timezone: str = Field("Europe/Berlin", description="IANA time zone for bucketing")
    gap_limit_s: int = Field(1800, ge=60, description="longer gaps make buckets 'estimated'")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Europe/Berlin") from None
        return value


class StorageSettings(_Section):
    data_dir: Path = Field(Path("data"), description="database and frame images")
    rejected_frames_kept: int = Field(500, ge=0, le=100000, description="images of bad frames")
    backup_dir: Path | None = Field(
        None, description="daily backups (e.g. a USB stick); default: backups/ in data_dir"
    )

    @field_validator("backup_dir", mode="before")
    @classmethod
    def _unset(cls, value: Any) -> Any:
        return None if value in ("", []) else value  # TOML has no null


class AuthSettings(_Section):
    open_read: bool = Field(True, description="anyone on the LAN may read data and pages")


class PvSettings(_Section):
    latitude: float | None = Field(None, ge=-90, le=90, description="PV planner: the house")
    longitude: float | None = Field(None, ge=-180, le=180, description="PV planner: the house")


class MqttSettings(_Section):
    """MQTT publishing for Home Assistant (publish/mqtt.py); an empty host switches it off."""

    host: str = Field("", description="MQTT broker host name or address; empty = off")
    port: int = Field(1883, ge=1, le=65535, description="broker port (8883 is usual with TLS)")
    username: str = Field("", description="login at the broker; empty = anonymous")
    password: str = Field("", description="password at the broker")
    tls: bool = Field(False, description="encrypt the connection (system CA certificates)")
    base_topic: str = Field("stromzaehler", description="prefix of the state topics")
    discovery_prefix: str = Field("homeassistant", description="Home Assistant discovery prefix")
    client_id: str = Field("", description="MQTT client id; empty = a random one per start")

    @field_validator("host", "username", "password", "client_id", mode="before")
    @classmethod
    def _empty(cls, value: Any) -> Any:
        # An empty STROMZAEHLER_MQTT_HOST= arrives as None (see _env_value): off, not an error.
        return "" if value is None else value

    @field_validator("base_topic", "discovery_prefix")
    @classmethod
    def _topic(cls, value: str) -> str:
        if not value or value.startswith("/") or value.endswith("/"):
            raise ValueError("must be a topic such as stromzaehler (no leading or trailing /)")
        if any(char in value for char in "+#\0"):
            raise ValueError("must not contain the wildcards + or #")
        return value


class Settings(_Section):
    server: ServerSettings = Field(default_factory=ServerSettings)
    capture: CaptureSettings = Field(default_factory=CaptureSettings)
    light: LightSettings = Field(default_factory=LightSettings)
    meter: MeterSettings = Field(default_factory=MeterSettings)
    disc: DiscSettings = Field(default_factory=DiscSettings)
    gate: GateSettings = Field(default_factory=GateSettings)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    pv: PvSettings = Field(default_factory=PvSettings)
    mqtt: MqttSettings = Field(default_factory=MqttSettings)


SECTIONS: dict[str, type[_Section]] = {
    name: field.annotation  # type: ignore[misc]
    for name, field in Settings.model_fields.items()
}


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """STROMZAEHLER_SERVER_PORT=80 -> {"server": {"port": "80"}} (pydantic converts types)."""
    overrides: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        rest = name[len(ENV_PREFIX) :].lower()
        for section, model in SECTIONS.items():
            key = rest.removeprefix(section + "_")
            if key != rest and key in model.model_fields:
                overrides.setdefault(section, {})[key] = _env_value(value)
                break
        else:
            raise ConfigError(f"{name}: unknown setting (see `stromzaehler serve --help`)")
    return overrides


def _env_value(value: str) -> Any:
    """Lists and null come as TOML literals (e.g. '[[1,2,3,4]]'); everything else as text."""
    if value.strip().lower() in {"none", "null", ""}:
        return None
    if value.lstrip().startswith("["):
        try:
            return tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            return value
    return value


def _first_line(error: ValidationError) -> str:
    problem = error.errors()[0]
    key = ".".join(str(part) for part in problem["loc"])
    value = problem.get("input")
    message = problem["msg"].removeprefix("Value error, ")
    if problem["type"] == "extra_forbidden":
        return f"{key}: unknown setting"
    return f"{key} = {value!r}: {message}"


def load_settings(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build the settings from file, web-interface changes, environment and flags (later wins)."""
    raw: dict[str, Any] = {}
    if config_file is not None:
        raw = read_toml(config_file)
    above = _merge(_env_overrides(os.environ if environ is None else environ), overrides or {})
    data_dir = Path(_merge(raw, above).get("storage", {}).get("data_dir", "data"))
    ui_file = data_dir / UI_SETTINGS_NAME
    if ui_file.is_file():
        raw = _merge(raw, read_toml(ui_file))
    raw = _merge(raw, above)
    try:
        return Settings.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(_first_line(error)) from None


def validate_change(settings: Settings, changes: Mapping[str, Any]) -> Settings:
    """The settings with `changes` ({"section": {"key": value}}) applied, or ConfigError."""
    try:
        return Settings.model_validate(_merge(settings.model_dump(), changes))
    except ValidationError as error:
        raise ConfigError(_first_line(error)) from None


def save_ui_settings(data_dir: Path, changes: Mapping[str, Any]) -> None:
    """Merge `changes` into the data folder's settings file; atomic, so a crash keeps the old."""
    path = data_dir / UI_SETTINGS_NAME
    current = read_toml(path) if path.is_file() else {}
    merged = _merge(current, changes)
    temporary = path.with_suffix(".tmp")
    # Owner-only: the file may hold the MQTT broker's password.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(tomli_w.dumps(_without_none(merged)))
    os.replace(temporary, path)


def _without_none(table: Mapping[str, Any]) -> dict[str, Any]:
    # TOML has no null: a setting switched off (e.g. disc_window) is written as an empty list.
    return {
        key: _without_none(value)
        if isinstance(value, Mapping)
        else ([] if value is None else value)
        for key, value in table.items()
    }


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(f"config file {path}: not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            f"config file {path}: not valid TOML ({error}): fix or remove it"
        ) from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"config file {path}: not valid UTF-8 (byte {error.start}): fix or remove it"
        ) from None
    except OSError as error:
        raise ConfigError(f"config file {path}: cannot be read ({error.strerror})") from None


def load_geometry(path: Path) -> MeterGeometry:
    """The meter geometry of a config file (only its [meter] table is read)."""
    meter = read_toml(path).get("meter", {})
    try:
        return MeterSettings.model_validate(meter).geometry()
    except ValidationError as error:
        raise ConfigError(f"meter.{_first_line(error)}") from None


def geometry_to_toml(geometry: MeterGeometry) -> str:
    """The [meter] table for a geometry; load_geometry reads it back unchanged."""
    boxes = ", ".join(str(box.as_list()) for box in geometry.digit_boxes)
    lines = [
        "[meter]",
        "# one [x, y, w, h] per roller, left to right",
        f"digit_boxes = [{boxes}]",
        f"decimals = {geometry.decimals}",
    ]
    if geometry.disc_window is not None:
        lines.append(f"disc_window = {geometry.disc_window.as_list()}")
    lines.append(f"revolutions_per_kwh = {geometry.revolutions_per_kwh:g}")
    return "\n".join(lines) + "\n"
