import subprocess
import sys
from pathlib import Path

import pytest

from stromzaehler.config import (
    Box,
    ConfigError,
    MeterGeometry,
    geometry_to_toml,
    load_geometry,
    load_settings,
    save_ui_settings,
    validate_change,
)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_defaults_without_file_or_environment():
    settings = load_settings(environ={})
    assert settings.server.port == 8080
    assert settings.capture.interval_s == 60
    assert settings.analytics.timezone == "Europe/Berlin"
    assert len(settings.meter.geometry().digit_boxes) == 7


def test_file_then_environment_then_flags(tmp_path):
    config = write(tmp_path / "c.toml", "[server]\nport = 81\nhost = '127.0.0.1'\n")
    assert load_settings(config, environ={}).server.port == 81
    from_env = load_settings(config, environ={"STROMZAEHLER_SERVER_PORT": "82"})
    assert from_env.server.port == 82
    assert from_env.server.host == "127.0.0.1"
    from_flag = load_settings(
        config, environ={"STROMZAEHLER_SERVER_PORT": "82"}, overrides={"server": {"port": 83}}
    )
    assert from_flag.server.port == 83


def test_environment_lists_and_nested_names(tmp_path):
    settings = load_settings(
        environ={
            "STROMZAEHLER_METER_DIGIT_BOXES": "[[1, 2, 3, 4], [5, 6, 7, 8]]",
            "STROMZAEHLER_CAPTURE_INTERVAL_S": "30",
            "STROMZAEHLER_STORAGE_DATA_DIR": str(tmp_path),
        }
    )
    assert settings.meter.geometry().digit_boxes == (Box(1, 2, 3, 4), Box(5, 6, 7, 8))
    assert settings.capture.interval_s == 30


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"STROMZAEHLER_SERVER_PORT": "99999"}, "server.port = '99999'"),
        ({"STROMZAEHLER_CAPTURE_SOURCE": "webcam"}, "capture.source = 'webcam'"),
        ({"STROMZAEHLER_ANALYTICS_TIMEZONE": "Mars/Olympus"}, "IANA time zone"),
        ({"STROMZAEHLER_NO_SUCH_THING": "1"}, "STROMZAEHLER_NO_SUCH_THING: unknown setting"),
    ],
)
def test_bad_values_name_key_value_and_what_is_allowed(environ, expected):
    with pytest.raises(ConfigError) as error:
        load_settings(environ=environ)
    assert expected in str(error.value)
    assert "\n" not in str(error.value)


def test_unknown_key_in_file(tmp_path):
    config = write(tmp_path / "c.toml", "[capture]\nintervall = 5\n")
    with pytest.raises(ConfigError, match=r"capture.intervall: unknown setting"):
        load_settings(config, environ={})


def test_bad_config_exits_2_with_one_line_and_no_traceback(tmp_path):
    config = write(tmp_path / "c.toml", "[server]\nport = 'eighty'\n")
    result = subprocess.run(
        [sys.executable, "-m", "stromzaehler", "serve", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "server.port = 'eighty'" in lines[0]
    assert "Traceback" not in result.stderr


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_geometry_round_trips_through_toml(tmp_path):
    geometry = MeterGeometry(
        digit_boxes=(Box(1, 2, 30, 40), Box(40, 2, 30, 40)),
        decimals=2,
        disc_window=Box(5, 60, 70, 20),
        revolutions_per_kwh=96,
    )
    path = write(tmp_path / "meter.toml", geometry_to_toml(geometry))
    assert load_geometry(path) == geometry


def test_web_changes_persist_between_file_and_environment(tmp_path):
    settings = load_settings(environ={}, overrides={"storage": {"data_dir": str(tmp_path)}})
    changed = validate_change(settings, {"capture": {"interval_s": 120}})
    save_ui_settings(tmp_path, {"capture": {"interval_s": 120}})
    reloaded = load_settings(environ={}, overrides={"storage": {"data_dir": str(tmp_path)}})
    assert changed.capture.interval_s == reloaded.capture.interval_s == 120
    env_wins = load_settings(
        environ={"STROMZAEHLER_CAPTURE_INTERVAL_S": "30"},
        overrides={"storage": {"data_dir": str(tmp_path)}},
    )
    assert env_wins.capture.interval_s == 30
    with pytest.raises(ConfigError, match="interval_s"):
        validate_change(settings, {"capture": {"interval_s": -1}})


def test_every_subcommand_has_help():
    from stromzaehler.cli import build_parser

    parser = build_parser()
    help_text = parser.format_help()
    for command in ("serve", "passwd", "doctor"):
        assert command in help_text
    serve_help = subprocess.run(
        [sys.executable, "-m", "stromzaehler", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    for flag in ("--config", "--host", "--port", "--data", "--simulate", "--source", "--speed"):
        assert flag in serve_help
