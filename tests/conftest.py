"""Shared fixtures: paths to ../shared, a real service started as a subprocess."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REFERENCE_FRAME = SHARED / "reference" / "meter-0995160.png"


# Test modules whose code runs on the Pi's own libraries (python3-opencv 4.6, python3-numpy
# 1.24); scripts/test.sh runs them a second time in a venv on Debian's packages.
PI_LIBRARY_MODULES = (
    "test_digits",
    "test_align",
    "test_locate",
    "test_reading",
    "test_gate",
    "test_recognition",
    "test_sources",
    "test_service",
    "test_simulator",
    "test_disc",
    "test_aiming",
    "test_placement",
    "test_focus",
    "test_misplaced",
    "test_pv_",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--pi-libraries-only",
        action="store_true",
        help="collect only the modules that run on the Pi's own OpenCV and NumPy",
    )


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if not config.getoption("--pi-libraries-only") or collection_path.is_dir():
        return None
    if collection_path.name == "conftest.py":
        return None
    return not collection_path.name.startswith(PI_LIBRARY_MODULES)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.module is not None and item.module.__name__.split(".")[-1].startswith(
            PI_LIBRARY_MODULES
        ):
            item.add_marker(pytest.mark.pi_libraries)


def require_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not found: the ../shared folder beside the repository is not here")
    return path


@pytest.fixture
def reference_frame() -> Path:
    return require_shared(REFERENCE_FRAME)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_get(url: str, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class RunningService:
    def __init__(self, process: subprocess.Popen, port: int, data_dir: Path) -> None:
        self.process = process
        self.port = port
        self.data_dir = data_dir
        self.url = f"http://127.0.0.1:{port}"

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        return http_get(self.url + path)

    def get_json(self, path: str) -> dict:
        status, _, body = self.get(path)
        assert status == 200, (path, status, body)
        return json.loads(body)

    def wait_until(self, predicate, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"service exited with {self.process.returncode}")
            if predicate():
                return
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_service(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> RunningService:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stromzaehler",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data",
            str(data_dir),
            *args,
        ],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=(data_dir.parent / f"service-{port}.log").open("wb"),
    )
    service = RunningService(process, port, data_dir)

    def answers() -> bool:
        try:
            return http_get(service.url + "/api/health", timeout=2)[0] == 200
        except OSError:
            return False

    service.wait_until(answers, "/api/health", timeout=30)
    return service


@pytest.fixture
def service_factory(tmp_path: Path) -> Iterator:
    started: list[RunningService] = []

    def start(*args: str, data_dir: Path | None = None, **kwargs) -> RunningService:
        service = start_service(data_dir or tmp_path / "data", *args, **kwargs)
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()
