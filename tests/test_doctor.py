import socket
import subprocess
import sys

import cv2
import numpy as np

from stromzaehler.cli.doctor import check_data_dir, check_port, format_table, run_checks
from stromzaehler.config import load_settings

from .conftest import free_port


def settings_for(tmp_path, **capture):
    frames = tmp_path / "frames"
    frames.mkdir(exist_ok=True)
    cv2.imwrite(str(frames / "a.png"), np.zeros((480, 640, 3), np.uint8))
    return load_settings(
        environ={},
        overrides={
            "storage": {"data_dir": str(tmp_path / "data")},
            "capture": {"source": f"files:{frames}", **capture},
            "server": {"host": "127.0.0.1", "port": free_port()},
        },
    )


def test_every_check_reports_a_line(tmp_path):
    results = run_checks(settings_for(tmp_path))
    names = [r.name for r in results]
    assert names == [
        "camera",
        "frames per second",
        "LED",
        "aiming",
        "clock",
        "free disk",
        "data folder",
        "database",
        "port",
        "MQTT broker",
    ]
    by_name = {r.name: r for r in results}
    assert by_name["camera"].ok and "640x480" in by_name["camera"].detail
    assert by_name["data folder"].ok
    table = format_table(results)
    assert table.count("\n") >= len(results) - 1


def test_port_in_use_says_what_to_do(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        settings = settings_for(tmp_path)
        settings.server.port = busy.getsockname()[1]
        result = check_port(settings)
    assert not result.ok and "another program" in result.fix


def test_unwritable_data_folder_is_reported(tmp_path):
    settings = settings_for(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    settings.storage.data_dir = blocker / "data"
    result = check_data_dir(settings)
    assert not result.ok and "chown" in result.fix


def test_doctor_command_prints_the_table(tmp_path):
    frames = tmp_path / "frames"
    frames.mkdir()
    cv2.imwrite(str(frames / "a.png"), np.zeros((480, 640, 3), np.uint8))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "stromzaehler",
            "doctor",
            "--data",
            str(tmp_path / "d"),
            "--source",
            f"files:{frames}",
            "--port",
            str(free_port()),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode in (0, 1), result.stderr
    for name in ("camera", "LED", "clock", "free disk", "data folder", "port"):
        assert name in result.stdout
